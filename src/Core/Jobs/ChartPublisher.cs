using DistillService.Core.Persistence;
using DistillService.Core.Plots;
using DistillService.Core.Training;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Jobs;

/// <summary>
/// Publishes a job's PNG charts. A chart that cannot be drawn is logged and skipped: it must never
/// fail a job whose model trained fine.
/// </summary>
public sealed class ChartPublisher(
    ArtifactPublisher artifacts,
    ILogger<ChartPublisher> logger)
{
    public const string PngType = "image/png";

    /// <summary>training-curves.png from the run's epochs (its whole history, also after a resume).</summary>
    public void PublishTrainingCurves(JobRecord job, IReadOnlyList<EpochResult> history) =>
        Publish(job.Id, ArtifactNames.TrainingCurves,
            () => TrainingCurvesChart.Render(history, $"{job.PipelineRole ?? job.Kind} {job.Id.ToString()[..8]}"));

    /// <summary>Stores the chart <paramref name="render"/> draws; one that cannot be drawn is logged and skipped.</summary>
    public void Publish(Guid jobId, string name, Func<byte[]> render)
    {
        try
        {
            artifacts.Publish(jobId, name, PngType, render());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Job {JobId}: could not draw {Chart}", jobId, name);
        }
    }
}
