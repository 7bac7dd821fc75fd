using System.Text.Json;
using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

/// <summary>Where a job is. <c>eta</c> is in seconds.</summary>
public sealed record JobProgress(
    double Percent, int Epoch, int Epochs, int Step, int Steps, double? ImagesPerSecond, double? Eta, double? Loss);

public sealed record JobResponse(
    Guid Id,
    string Kind,
    string Status,
    string DatasetId,
    string Device,
    string Queue,
    JobProgress Progress,
    string? Error,
    int Attempts,
    int? ResumedFromEpoch,
    bool? ResumeExact,
    string? ResumeNote,
    bool CancelRequested,
    string? Worker,
    Guid? UpstreamJobId,
    Guid? PipelineId,
    string? PipelineRole,
    JsonElement? Result,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    string? Notice = null);

public static class JobMapping
{
    /// <param name="notice">Why a queued job is not being picked up (no live server takes its queue), or null.</param>
    public static JobResponse ToResponse(this JobRecord job, string? notice = null) => new(
        job.Id, job.Kind, job.Status, job.DatasetId, job.Device, job.Queue,
        new JobProgress(job.ProgressPercent, job.Epoch, job.Epochs, job.Step, job.Steps,
            job.ImagesPerSecond is { } ips ? Math.Round(ips, 2) : null,
            job.EtaSeconds is { } eta ? Math.Round(eta, 1) : null,
            job.Loss),
        job.Error, job.Attempts, job.ResumedFromEpoch, job.ResumeExact, job.ResumeNote, job.CancelRequested, job.Worker, job.UpstreamJobId, job.PipelineId, job.PipelineRole,
        job.ResultJson is null ? null : JsonDocument.Parse(job.ResultJson).RootElement.Clone(),
        Utc(job.CreatedAt), job.StartedAt is { } s ? Utc(s) : null, job.FinishedAt is { } f ? Utc(f) : null, notice);

    // SQLite returns unspecified kinds; the API always speaks UTC.
    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
