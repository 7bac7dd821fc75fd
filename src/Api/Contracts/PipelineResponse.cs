using System.Text.Json;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

public sealed record PipelineJob(Guid Id, string Kind, string Role, string Status, string? Error);

/// <summary>A PNG chart one of the pipeline's jobs published (comparison, training curves, predictions).</summary>
public sealed record PipelineChart(string Name, string Role, Guid JobId, string Url);

/// <summary>
/// A pipeline: its jobs in order, an overall status, the charts published so far and, once the report
/// job has run, the report.
/// </summary>
public sealed record PipelineResponse(
    Guid Id, string Status, string DatasetId, IReadOnlyList<PipelineJob> Jobs, JsonElement? Report,
    IReadOnlyList<PipelineChart> Charts, string? Error, DateTime CreatedAt, DateTime? FinishedAt);

public static class PipelineMapping
{
    private static readonly string[] RoleOrder = [PipelineRoles.Teacher, PipelineRoles.Cache, PipelineRoles.Student,
        PipelineRoles.Baseline, PipelineRoles.Report];

    public static PipelineResponse ToResponse(
        this PipelineRecord pipeline, IEnumerable<JobRecord> jobs, IEnumerable<ArtifactRecord>? charts = null)
    {
        var ordered = jobs.OrderBy(j => Array.IndexOf(RoleOrder, j.PipelineRole)).ToList();
        var failed = ordered.FirstOrDefault(j => j.Status is JobStatuses.Failed or JobStatuses.Cancelled);
        var status = failed is not null ? failed.Status
            : ordered.All(j => j.Status == JobStatuses.Succeeded) ? JobStatuses.Succeeded
            : ordered.Any(j => j.Status != JobStatuses.Queued) ? JobStatuses.Running
            : JobStatuses.Queued;
        return new PipelineResponse(
            pipeline.Id, status, pipeline.DatasetId,
            ordered.Select(j => new PipelineJob(j.Id, j.Kind, j.PipelineRole ?? j.Kind, j.Status, j.Error)).ToList(),
            pipeline.ReportJson is null ? null : JsonDocument.Parse(pipeline.ReportJson).RootElement.Clone(),
            Charts(ordered, charts ?? []),
            failed is null ? null : $"The {failed.PipelineRole} job {failed.Id} {failed.Status}: {failed.Error}",
            DateTime.SpecifyKind(pipeline.CreatedAt, DateTimeKind.Utc),
            pipeline.FinishedAt is { } f ? DateTime.SpecifyKind(f, DateTimeKind.Utc) : null);
    }

    // The report's comparison first, then each job's charts in pipeline order.
    private static List<PipelineChart> Charts(List<JobRecord> ordered, IEnumerable<ArtifactRecord> artifacts) =>
        artifacts
            .Select(a => (Artifact: a, Job: ordered.First(j => j.Id == a.JobId)))
            .OrderBy(x => x.Job.PipelineRole == PipelineRoles.Report ? -1 : ordered.IndexOf(x.Job))
            .ThenBy(x => x.Artifact.Name, StringComparer.Ordinal)
            .Select(x => new PipelineChart(x.Artifact.Name, x.Job.PipelineRole ?? x.Job.Kind, x.Job.Id, x.Artifact.ToResponse().Url))
            .ToList();
}
