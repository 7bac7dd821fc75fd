using System.Diagnostics;
using DistillService.Core.Data;
using DistillService.Core.Losses;
using DistillService.Core.Metrics;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Experiments;

/// <summary>
/// The method table: one teacher for everyone, then per seed a β = 0 baseline and each distillation method (offline
/// and online as asked), all students with the same architecture, epochs, schedule, augmentation and class weighting.
/// Scored at the training size and at the labels' native resolution; prints one JSON line per run and a summary per
/// method (mean ± std, gap closed, whether every seed beats every baseline seed).
/// </summary>
internal static class MethodTableExperiment
{
    public static int Run(MethodTableSettings settings)
    {
        TorchRuntime.Configure(settings.Threads);
        JsonLines.Write(new { kind = "settings", settings });
        var (train, val, _) = ExperimentData.Open(settings.Dataset, settings.Data, settings.Size, settings.SyntheticTrain, settings.SyntheticVal);
        var numClasses = train.Classes.Count;

        using var teacher = LoadOrTrainTeacher(settings, train, val);
        var teacherScore = Score(teacher, val, numClasses, settings.BatchSize);
        JsonLines.Write(new { kind = "teacher-score", valMIoU = Round(teacherScore.AtTrainingSize.MeanIoU), nativeMIoU = Round(teacherScore.Native?.MeanIoU),
            nativePerClass = teacherScore.Native?.PerClassIoU.Select(v => v is { } x ? Math.Round(x, 3) : (double?)null),
            classes = train.Classes.Select(c => c.Name) });
        if (settings.TeacherOnly) return 0;

        using var signals = new TeacherSignals(settings.TopK, settings.BatchSize, teacher, train);
        var runs = new List<(StudentVariant Variant, int Seed, double Val, double? Native, double Seconds)>();
        foreach (var seed in settings.Seeds)
        {
            // Methods interleaved per seed, so slow phases of a shared machine do not land on one method.
            foreach (var variant in settings.Variants)
            {
                var clock = Stopwatch.StartNew();
                var student = new ModelSpec(settings.StudentChannels, settings.StudentDepth);
                var training = new TrainingSpec(settings.Epochs, settings.BatchSize, settings.Lr, settings.Size, seed, settings.Augmentation,
                    LearningRateSchedules.Cosine, settings.ClassWeighting);
                var spec = variant.ToSpec();
                var signal = variant.Method == StudentVariant.Baseline ? null : signals.For(variant.Mode,
                    DistillationMethods.TeacherNeeds(spec).HasFlag(TeacherOutputKinds.Logits) ? CacheForms.Logits : CacheForms.TopK,
                    spec.Temperature, variant.TopK, variant.Precision ?? CachePrecisions.Fp16, variant.Scale ?? 1, variant.ExactArgmax);
                using var objective = DistillationMethods.CreateObjective(spec, new ObjectiveContext(
                    ClassWeights.For(training, train, CPU), seed, student.BaseChannels << student.Depth, signal?.FeatureChannels ?? 0));
                using var outcome = new Trainer(new TrainerOptions(student, training, "cpu", numClasses))
                    .Train(train, val, objective, signal, new QuietCallbacks(variant.Label, seed), CancellationToken.None);
                runs.Add((variant, seed, outcome.FinalValidation.MeanIoU, outcome.NativeValidation?.MeanIoU, clock.Elapsed.TotalSeconds));
                JsonLines.Write(new
                {
                    kind = "student", label = settings.Label, variant = variant.Label, seed, valMIoU = Round(outcome.FinalValidation.MeanIoU),
                    nativeMIoU = Round(outcome.NativeValidation?.MeanIoU), parameters = outcome.ParameterCount,
                    seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
                });
            }
        }
        Summarise(settings, teacherScore, runs);
        return 0;
    }

    private sealed record TeacherScore(EvaluationResult AtTrainingSize, SegmentationScores? Native)
    {
        /// <summary>The figure the table compares: native when the labels have another size, else the training-size one.</summary>
        public double Headline => Native?.MeanIoU ?? AtTrainingSize.MeanIoU;
    }

    private static TeacherScore Score(UNet model, ISegmentationDataset val, int numClasses, int batchSize) =>
        new(Evaluator.Evaluate(model, val, numClasses, batchSize), Evaluator.EvaluateAtNativeResolution(model, val, numClasses));

    private static UNet LoadOrTrainTeacher(MethodTableSettings settings, ISegmentationDataset train, ISegmentationDataset val)
    {
        var spec = new ModelSpec(settings.TeacherChannels, settings.TeacherDepth);
        var clock = Stopwatch.StartNew();
        if (settings.TeacherWeights is { } path && File.Exists(path))
        {
            JsonLines.Write(new { kind = "teacher", trained = false, path });
            return ModelIO.LoadUNet(File.ReadAllBytes(path), spec, train.Classes.Count);
        }
        var training = new TrainingSpec(settings.TeacherEpochs, settings.TeacherBatchSize, settings.TeacherLr, settings.Size, settings.TeacherSeed,
            settings.Augmentation, LearningRateSchedules.Cosine, settings.ClassWeighting);
        using var objective = new CrossEntropyObjective(1, ClassWeights.For(training, train, CPU));
        using var outcome = new Trainer(new TrainerOptions(spec, training, "cpu", train.Classes.Count))
            .Train(train, val, objective, null, new QuietCallbacks("teacher", settings.TeacherSeed), CancellationToken.None);
        if (settings.TeacherWeights is { } target) File.WriteAllBytes(target, outcome.FinalModelState);
        JsonLines.Write(new { kind = "teacher", trained = true, parameters = outcome.ParameterCount, seconds = Math.Round(clock.Elapsed.TotalSeconds, 1) });
        return ModelIO.LoadUNet(outcome.FinalModelState, spec, train.Classes.Count);
    }

    private static void Summarise(
        MethodTableSettings settings, TeacherScore teacher, List<(StudentVariant Variant, int Seed, double Val, double? Native, double Seconds)> runs)
    {
        double Headline((StudentVariant Variant, int Seed, double Val, double? Native, double Seconds) run) => run.Native ?? run.Val;
        var baseline = runs.Where(r => r.Variant.Method == StudentVariant.Baseline).Select(Headline).ToList();
        var baselineSpread = baseline.Count > 0 ? Spread.Of(baseline) : null;
        foreach (var group in runs.GroupBy(r => r.Variant.Label))
        {
            var scores = group.Select(Headline).ToList();
            var spread = Spread.Of(scores);
            double? gapClosed = baselineSpread is { } b && Math.Abs(teacher.Headline - b.Mean) > 1e-9
                ? (spread.Mean - b.Mean) / (teacher.Headline - b.Mean)
                : null;
            JsonLines.Write(new
            {
                kind = "summary", label = settings.Label, variant = group.Key, runs = scores.Count,
                scoredAt = teacher.Native is null ? "training size" : "native resolution",
                meanMIoU = Round(spread.Mean), std = Round(spread.Std), min = Round(spread.Min), max = Round(spread.Max),
                valMeanMIoU = Round(group.Average(r => r.Val)),
                teacherMIoU = Round(teacher.Headline), gapClosed = Round(gapClosed),
                everySeedAboveEveryBaselineSeed = baseline.Count > 0 && group.Key != StudentVariant.Baseline ? scores.Min() > baseline.Max() : (bool?)null,
                secondsPerRun = Math.Round(group.Average(r => r.Seconds), 1),
            });
        }
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;
}
