using System.Globalization;
using DistillService.Core.Specs;

namespace DistillService.Experiments;

/// <summary>
/// One student configuration of the table: a method (or the baseline), a teacher mode, its loss settings and, for an
/// offline student, the cache it reads (k, precision, scale; null: the table's --top-k, fp16, full resolution).
/// </summary>
internal sealed record StudentVariant(
    string Method, string Mode, double Alpha, double Beta, double Temperature, int? TopK = null, string? Precision = null, int? Scale = null,
    bool ExactArgmax = false)
{
    public const string Baseline = "baseline";

    public bool HasOwnCache => TopK is not null || Precision is not null || Scale is not null || ExactArgmax;

    public string Label => Method == Baseline ? Baseline
        : $"{Method} ({Mode}, α={Alpha:0.##}, β={Beta:0.##}, T={Temperature:0.##}"
          + (HasOwnCache ? $", cache k={TopK?.ToString(CultureInfo.InvariantCulture) ?? "-"} {Precision ?? "fp16"} scale {Scale ?? 1}{(ExactArgmax ? " exact argmax" : "")}" : "") + ")";

    public DistillationSpec ToSpec() => Method == Baseline
        ? new DistillationSpec(1, 0, Temperature, DistillationModes.Offline)
        : new DistillationSpec(Alpha, Beta, Temperature, Mode, Method);

    /// <summary>"pixel-kl:offline", "cwd:online:beta=3:t=1", "dist:offline:t=1:k=2:p=q8:s=2:x=1" (x=1: exact argmax), "baseline".</summary>
    public static StudentVariant Parse(string text, double alpha, double beta, double temperature)
    {
        var parts = text.Split(':');
        if (parts[0] == Baseline) return new StudentVariant(Baseline, DistillationModes.Offline, 1, 0, temperature);
        var variant = new StudentVariant(parts[0], parts.Length > 1 ? parts[1] : DistillationModes.Offline, alpha, beta, temperature);
        foreach (var setting in parts.Skip(2))
        {
            var (key, text2) = (setting.Split('=')[0], setting.Split('=')[1]);
            double Number() => double.Parse(text2, CultureInfo.InvariantCulture);
            variant = key switch
            {
                "alpha" => variant with { Alpha = Number() },
                "beta" => variant with { Beta = Number() },
                "t" => variant with { Temperature = Number() },
                "k" => variant with { TopK = (int)Number() },
                "p" => variant with { Precision = text2 },
                "s" => variant with { Scale = (int)Number() },
                "x" => variant with { ExactArgmax = Number() != 0 },
                _ => throw new ArgumentException($"Unknown setting '{key}' in '{text}' (alpha, beta, t, k, p, s, x)."),
            };
        }
        return variant;
    }
}

/// <summary>Settings of the method-table experiment; every one can be set with --kebab-case-name value.</summary>
internal sealed record MethodTableSettings
{
    public string Dataset { get; init; } = "synthetic-shapes";
    /// <summary>The dataset folder for a dataset on disk (e.g. a CamVid copy in the SegNet layout).</summary>
    public string? Data { get; init; }
    public int Width { get; init; } = 64;
    public int Height { get; init; } = 64;
    public int SyntheticTrain { get; init; } = 512;
    public int SyntheticVal { get; init; } = 128;

    public int TeacherChannels { get; init; } = 16;
    public int TeacherDepth { get; init; } = 3;
    public int TeacherEpochs { get; init; } = 24;
    public int TeacherBatchSize { get; init; } = 8;
    public double TeacherLr { get; init; } = 0.003;
    public int TeacherSeed { get; init; } = 42;
    /// <summary>Load the teacher from this file if it exists, else train it and save it there.</summary>
    public string? TeacherWeights { get; init; }

    public int StudentChannels { get; init; } = 8;
    public int StudentDepth { get; init; } = 3;
    public int Epochs { get; init; } = 20;
    public int BatchSize { get; init; } = 8;
    public double Lr { get; init; } = 0.01;
    public int[] Seeds { get; init; } = [1, 2, 3];
    public string ClassWeighting { get; init; } = ClassWeightings.None;
    public bool Augment { get; init; } = true;
    public double MaxRotation { get; init; } = 15;
    public double MinScale { get; init; } = 0.9;
    public double MaxScale { get; init; } = 1.1;

    public double Alpha { get; init; } = 1;
    public double Beta { get; init; } = 1;
    public double Temperature { get; init; } = 2;
    public string[] Students { get; init; } = ["baseline", "pixel-kl:offline"];
    public int TopK { get; init; } = 4;

    public int Threads { get; init; } = 2;
    public string Label { get; init; } = "default";
    /// <summary>Stop after the teacher (to train and save it once).</summary>
    public bool TeacherOnly { get; init; }

    public ImageSize Size => new(Width, Height);

    public AugmentationSpec? Augmentation => Augment ? new AugmentationSpec(true, 0.1, MaxRotation, [MinScale, MaxScale]) : null;

    public IReadOnlyList<StudentVariant> Variants => Students.Select(s => StudentVariant.Parse(s, Alpha, Beta, Temperature)).ToList();

    public static string Help =>
        "options: --dataset synthetic-shapes|camvid|folder|cityscapes|voc --data <folder> --width --height --synthetic-train --synthetic-val "
        + "--teacher-channels --teacher-depth --teacher-epochs --teacher-batch-size --teacher-lr --teacher-seed --teacher-weights <file> "
        + "--student-channels --student-depth --epochs --batch-size --lr --seeds 1,2,3 --class-weighting none|median-frequency "
        + "--augment true|false --max-rotation --min-scale --max-scale --alpha --beta --temperature "
        + "--students baseline,pixel-kl:offline,cwd:online:beta=3:t=1,… --top-k --threads --label --teacher-only true|false";

    public static MethodTableSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new MethodTableSettings();
        for (var i = 0; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count) throw new ArgumentException($"Option {args[i]} needs a value.");
            settings = settings.With(args[i], args[i + 1]);
        }
        return settings;
    }

    private MethodTableSettings With(string option, string value) => option switch
    {
        "--dataset" => this with { Dataset = value },
        "--data" => this with { Data = value },
        "--width" => this with { Width = Int(value) },
        "--height" => this with { Height = Int(value) },
        "--synthetic-train" => this with { SyntheticTrain = Int(value) },
        "--synthetic-val" => this with { SyntheticVal = Int(value) },
        "--teacher-channels" => this with { TeacherChannels = Int(value) },
        "--teacher-depth" => this with { TeacherDepth = Int(value) },
        "--teacher-epochs" => this with { TeacherEpochs = Int(value) },
        "--teacher-batch-size" => this with { TeacherBatchSize = Int(value) },
        "--teacher-lr" => this with { TeacherLr = Double(value) },
        "--teacher-seed" => this with { TeacherSeed = Int(value) },
        "--teacher-weights" => this with { TeacherWeights = value },
        "--student-channels" => this with { StudentChannels = Int(value) },
        "--student-depth" => this with { StudentDepth = Int(value) },
        "--epochs" => this with { Epochs = Int(value) },
        "--batch-size" => this with { BatchSize = Int(value) },
        "--lr" => this with { Lr = Double(value) },
        "--seeds" => this with { Seeds = value.Split(',').Select(Int).ToArray() },
        "--class-weighting" => this with { ClassWeighting = value },
        "--augment" => this with { Augment = bool.Parse(value) },
        "--max-rotation" => this with { MaxRotation = Double(value) },
        "--min-scale" => this with { MinScale = Double(value) },
        "--max-scale" => this with { MaxScale = Double(value) },
        "--alpha" => this with { Alpha = Double(value) },
        "--beta" => this with { Beta = Double(value) },
        "--temperature" => this with { Temperature = Double(value) },
        "--students" => this with { Students = value.Split(',') },
        "--top-k" => this with { TopK = Int(value) },
        "--threads" => this with { Threads = Int(value) },
        "--label" => this with { Label = value },
        "--teacher-only" => this with { TeacherOnly = bool.Parse(value) },
        _ => throw new ArgumentException($"Unknown option '{option}'. {Help}"),
    };

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static double Double(string value) => double.Parse(value, CultureInfo.InvariantCulture);
}
