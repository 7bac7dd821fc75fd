namespace DistillService.Core.Persistence;

/// <summary>
/// A teacher → cache → student (→ baseline) → report chain submitted as one request. Its status is
/// derived from its jobs' rows, so it can never disagree with them.
/// </summary>
public sealed class PipelineRecord
{
    public Guid Id { get; set; }
    public required string DatasetId { get; set; }
    public required string SpecJson { get; set; }
    /// <summary>The comparison of teacher, student and baseline, once every job has finished.</summary>
    public string? ReportJson { get; set; }
    public string? Error { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}
