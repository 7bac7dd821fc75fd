using System.Globalization;
using DistillService.Core.Specs;

namespace DistillService.Experiments;

/// <summary>Settings of the kd-benefit experiment; every one can be overridden with --kebab-case-name value.</summary>
internal sealed record KdBenefitSettings
{
    public const string Baseline = "baseline";
    public const string Online = "online";
    public const string Offline = "offline";

    // Teacher: the TeacherExample architecture trained long enough to settle (cosine to zero): val mIoU ≈ 0.65.
    public int TeacherChannels { get; init; } = 16;
    public int TeacherDepth { get; init; } = 3;
    public int TeacherEpochs { get; init; } = 24;
    public int TeacherBatchSize { get; init; } = 8;
    public double TeacherLr { get; init; } = 0.003;
    public string TeacherSchedule { get; init; } = LearningRateSchedules.Cosine;
    /// <summary>Load the teacher from this file if it exists, else train it and save it there (reuse across runs).</summary>
    public string? TeacherWeights { get; init; }

    // Students: the settings under which seeds agree (see README.md): batch 8, lr 0.01, cosine.
    public int StudentChannels { get; init; } = 8;
    public int StudentDepth { get; init; } = 3;
    public int Epochs { get; init; } = 20;
    public double Lr { get; init; } = 0.01;
    public string Schedule { get; init; } = LearningRateSchedules.Cosine;
    public int BatchSize { get; init; } = 8;
    public int ImageSize { get; init; } = 64;
    public int TrainCount { get; init; } = 512;
    public int ValCount { get; init; } = 128;
    public bool Augment { get; init; } = true;
    public int[] Seeds { get; init; } = [1, 2, 3];

    public double Alpha { get; init; } = 1.0;
    public double Beta { get; init; } = 1.0;
    public double Temperature { get; init; } = 2.0;
    public string[] Modes { get; init; } = [Baseline, Online, Offline];
    public int TopK { get; init; } = 4;

    /// <summary>
    /// Torch intra-op threads. 1 by default: on a shared 2-core machine under load, two OpenMP threads made an
    /// epoch several times slower than one; on an idle machine --threads 2 is faster (measurements: docs/performance.md).
    /// </summary>
    public int Threads { get; init; } = 1;
    /// <summary>Free text copied into every summary line, to tell settings apart in a sweep.</summary>
    public string Label { get; init; } = "default";

    public static string Help =>
        "options: --teacher-channels --teacher-depth --teacher-epochs --teacher-batch-size --teacher-lr --teacher-schedule constant|cosine "
        + "--teacher-weights <file> --student-channels --student-depth --epochs --lr --schedule constant|cosine --batch-size --image-size --train-count --val-count "
        + "--augment true|false --seeds 1,2,3 --alpha --beta --temperature --modes baseline,online,offline --top-k --threads --label";

    public static KdBenefitSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new KdBenefitSettings();
        for (var i = 0; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count) throw new ArgumentException($"Option {args[i]} needs a value.");
            settings = settings.With(args[i], args[i + 1]);
        }
        if (settings.Modes.Except([Baseline, Online, Offline]).FirstOrDefault() is { } unknown)
        {
            throw new ArgumentException($"Unknown mode '{unknown}'.");
        }
        return settings;
    }

    private KdBenefitSettings With(string option, string value) => option switch
    {
        "--teacher-channels" => this with { TeacherChannels = Int(value) },
        "--teacher-depth" => this with { TeacherDepth = Int(value) },
        "--teacher-epochs" => this with { TeacherEpochs = Int(value) },
        "--teacher-batch-size" => this with { TeacherBatchSize = Int(value) },
        "--teacher-lr" => this with { TeacherLr = Double(value) },
        "--teacher-schedule" => this with { TeacherSchedule = value },
        "--teacher-weights" => this with { TeacherWeights = value },
        "--student-channels" => this with { StudentChannels = Int(value) },
        "--student-depth" => this with { StudentDepth = Int(value) },
        "--epochs" => this with { Epochs = Int(value) },
        "--lr" => this with { Lr = Double(value) },
        "--schedule" => this with { Schedule = value },
        "--batch-size" => this with { BatchSize = Int(value) },
        "--image-size" => this with { ImageSize = Int(value) },
        "--train-count" => this with { TrainCount = Int(value) },
        "--val-count" => this with { ValCount = Int(value) },
        "--augment" => this with { Augment = bool.Parse(value) },
        "--seeds" => this with { Seeds = value.Split(',').Select(Int).ToArray() },
        "--alpha" => this with { Alpha = Double(value) },
        "--beta" => this with { Beta = Double(value) },
        "--temperature" => this with { Temperature = Double(value) },
        "--modes" => this with { Modes = value.Split(',') },
        "--top-k" => this with { TopK = Int(value) },
        "--threads" => this with { Threads = Int(value) },
        "--label" => this with { Label = value },
        _ => throw new ArgumentException($"Unknown option '{option}'. {Help}"),
    };

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static double Double(string value) => double.Parse(value, CultureInfo.InvariantCulture);
}
