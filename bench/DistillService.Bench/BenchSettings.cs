using System.Globalization;
using DistillService.Core.Specs;

namespace DistillService.Bench;

/// <summary>
/// Settings of the step benchmark, from <c>--name value</c> pairs. The model sizes default to the reference models of
/// docs/performance.md (teacher C=32, student C=8, D=4, K=12).
/// </summary>
internal sealed record BenchSettings(
    int Size, int Batch, int Threads, int Iters, int Warmup, string Device, int Classes,
    int TeacherChannels, int StudentChannels, int Depth, IReadOnlySet<string>? Only, int RssSteps, int Rounds,
    CacheSpec Cache)
{
    public static BenchSettings Parse(IReadOnlyList<string> args)
    {
        string Option(string name, string fallback)
        {
            for (var i = 0; i < args.Count - 1; i++)
            {
                if (args[i] == $"--{name}") return args[i + 1];
            }
            return fallback;
        }
        int Integer(string name, int fallback) => int.Parse(Option(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        string? Given(string name) => Option(name, "") is { Length: > 0 } value ? value : null;
        int? GivenInteger(string name) => Given(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

        var only = Option("only", "");
        var settings = new BenchSettings(
            Size: Integer("size", 128),
            Batch: Integer("batch", 8),
            Threads: Integer("threads", 2),
            Iters: Integer("iters", 10),
            Warmup: Integer("warmup", 2),
            Device: Option("device", "cpu"),
            Classes: Integer("classes", 12),
            TeacherChannels: Integer("teacher-channels", 32),
            StudentChannels: Integer("student-channels", 8),
            Depth: Integer("depth", 4),
            Only: only.Length == 0 ? null : only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(),
            RssSteps: Integer("rss-steps", 0),
            Rounds: Integer("rounds", 2),
            // The cache the offline lines write and read: the service's default unless asked for another form.
            Cache: CacheDefaults.Resolve(CacheForms.TopK, GivenInteger("cache-top-k"), Given("cache-precision"), GivenInteger("cache-scale"),
                Given("cache-exact-argmax") is { } exact ? exact == "true" : null));
        settings.Validate();
        return settings;
    }

    /// <summary>Whether measurement <paramref name="step"/> was asked for (all of them without <c>--only</c>).</summary>
    public bool Runs(string step) => Only is null || Only.Contains(step);

    private void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Iters, 1, "--iters");
        // A step's time is the gap between two progress reports, so at least one step must come first.
        ArgumentOutOfRangeException.ThrowIfLessThan(Warmup, 1, "--warmup");
        ArgumentOutOfRangeException.ThrowIfLessThan(Batch, 1, "--batch");
        ArgumentOutOfRangeException.ThrowIfLessThan(Rounds, 1, "--rounds");
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, "--threads");
        // The synthetic set has 7 classes; more are allowed (padded, see PaddedClasses), fewer are not.
        ArgumentOutOfRangeException.ThrowIfLessThan(Classes, 7, "--classes");
        if (Size % (1 << Depth) != 0) throw new ArgumentException($"--size must be divisible by 2^depth = {1 << Depth}.");
    }
}
