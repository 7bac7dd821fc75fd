using DistillService.Core.Metrics;
using DistillService.Core.Training;

namespace DistillService.Core.Jobs;

/// <summary>What a job body hands back: whether it resumed, and its kind-specific result (stored as JSON).</summary>
public sealed record JobOutcome(int? ResumedFromEpoch, object? Result);

/// <summary>The result of a training job (teacher or student), stored with the job.</summary>
/// <param name="ValNative">The scores at the labels' native resolution, when the job measured them.</param>
public sealed record ModelResult(
    long ParameterCount, long WeightsBytes, double ValMeanIoU, double ValPixelAccuracy, double?[]? ValPerClassIoU = null,
    SegmentationScores? ValNative = null)
{
    public static ModelResult Of(TrainingOutcome outcome, long weightsBytes) => new(
        outcome.ParameterCount, weightsBytes, outcome.FinalValidation.MeanIoU, outcome.FinalValidation.PixelAccuracy,
        outcome.FinalValidation.PerClassIoU, outcome.NativeValidation);
}

/// <summary>The job queue's storage refused a submission; the submission was undone and can be sent again.</summary>
public sealed class QueueUnavailableException(Exception inner)
    : Exception("The job queue is unavailable; nothing was submitted. Try again shortly.", inner);
