using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DistillService.Experiments;

/// <summary>
/// The README's markdown table from a method-table run's JSON lines: per student variant the headline mIoU of each seed,
/// mean ± std, the share of the baseline→teacher gap closed, whether every seed beats every baseline seed, and the
/// wall time per run.
/// </summary>
internal static class MethodTableReport
{
    public static int Run(IReadOnlyList<string> args)
    {
        if (args.Count != 1 || !File.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: method-table-report <the JSON lines a method-table run printed>");
            return 2;
        }
        Console.Out.Write(Render(File.ReadLines(args[0])));
        return 0;
    }

    public static string Render(IEnumerable<string> lines)
    {
        var records = lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var teacher = records.First(r => Kind(r) == "teacher-score");
        var nativeTeacher = teacher.GetProperty("nativeMIoU").ValueKind == JsonValueKind.Number;
        double Headline(JsonElement r) => r.GetProperty(nativeTeacher ? "nativeMIoU" : "valMIoU").GetDouble();
        // Computed from the runs themselves, not from the summary lines, so that a run still going (or cut short) reports too.
        var students = records.Where(r => Kind(r) == "student")
            .GroupBy(r => (Variant: r.GetProperty("variant").GetString()!, Seed: r.GetProperty("seed").GetInt32()))
            .Select(g => g.Last()).ToList();
        var baseline = students.Where(r => r.GetProperty("variant").GetString() == StudentVariant.Baseline).Select(Headline).ToList();
        var baselineMean = baseline.Count > 0 ? baseline.Average() : (double?)null;

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Scored at {(nativeTeacher ? "the labels' native resolution" : "the training size")}; teacher {Headline(teacher):0.000}.");
        text.AppendLine();
        text.AppendLine("| student | mIoU per seed | mean ± std | gap closed | every seed above every baseline seed | minutes per run |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var variant in students.Select(r => r.GetProperty("variant").GetString()!).Distinct())
        {
            var runs = students.Where(r => r.GetProperty("variant").GetString() == variant).OrderBy(r => r.GetProperty("seed").GetInt32()).ToList();
            var scores = runs.Select(Headline).ToList();
            var spread = Spread.Of(scores);
            var isBaseline = variant == StudentVariant.Baseline;
            var gap = !isBaseline && baselineMean is { } b && Math.Abs(Headline(teacher) - b) > 1e-9
                ? ((spread.Mean - b) / (Headline(teacher) - b)).ToString("P0", CultureInfo.InvariantCulture) : "";
            var above = !isBaseline && baseline.Count > 0 ? (scores.Min() > baseline.Max() ? "yes" : "no") : "";
            var minutes = runs.Average(r => r.GetProperty("seconds").GetDouble()) / 60;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {variant} | {string.Join(", ", scores.Select(s => s.ToString("0.000", CultureInfo.InvariantCulture)))} | {spread.Mean:0.000} ± {spread.Std:0.000} | {gap} | {above} | {minutes:0.0} |");
        }
        return text.ToString();
    }

    private static string? Kind(JsonElement record) => record.TryGetProperty("kind", out var kind) ? kind.GetString() : null;
}
