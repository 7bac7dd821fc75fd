using System.Text.Json;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

public sealed record PipelineJob(Guid Id, string Kind, string Role, string Status, string? Error);

/// <summary>A pipeline: its jobs in order, an overall status and, once the report job has run, the report.</summary>
public sealed record PipelineResponse(
    Guid Id, string Status, string DatasetId, IReadOnlyList<PipelineJob> Jobs, JsonElement? Report, string? Error,
    DateTime CreatedAt, DateTime? FinishedAt);

public static class PipelineMapping
{
    private static readonly string[] RoleOrder = [PipelineRoles.Teacher, PipelineRoles.Cache, PipelineRoles.Student,
        PipelineRoles.Baseline, PipelineRoles.Report];

    public static PipelineResponse ToResponse(this PipelineRecord pipeline, IEnumerable<JobRecord> jobs)
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
            failed is null ? null : $"The {failed.PipelineRole} job {failed.Id} {failed.Status}: {failed.Error}",
            DateTime.SpecifyKind(pipeline.CreatedAt, DateTimeKind.Utc),
            pipeline.FinishedAt is { } f ? DateTime.SpecifyKind(f, DateTimeKind.Utc) : null);
    }
}
