using DistillService.Core.Jobs.Catalog;
using DistillService.Core.Jobs.Deletion;
using DistillService.Core.Persistence;
using DistillService.Core.Specs;

namespace DistillService.Api.Contracts;

/// <summary>
/// A model (a succeeded teacher, imported teacher or student job; the id is the job's). <see cref="Artifacts"/> are
/// listed by <c>GET /api/models/{id}</c>, not in the list.
/// </summary>
public sealed record ModelResponse(
    Guid Id, string Role, string JobKind, string DatasetId, ModelArchitecture Architecture, long ParameterCount,
    double ValMeanIoU, double? ValNativeMeanIoU, long BytesOnDisk, DateTime CreatedAt, IReadOnlyList<LineageStep> Lineage,
    DistillationSpec? Distillation, Guid? PipelineId, string? PipelineRole, string Url, string PredictUrl,
    IReadOnlyList<ArtifactResponse>? Artifacts);

/// <summary>What <c>DELETE /api/jobs/{id}</c> or <c>DELETE /api/pipelines/{id}</c> removed.</summary>
public sealed record DeletionResponse(Guid? PipelineId, IReadOnlyList<Guid> DeletedJobIds, long BytesFreed);

public static class ModelMapping
{
    public static ModelResponse ToResponse(this ModelEntry model, IEnumerable<ArtifactRecord>? artifacts = null) => new(
        model.Id, model.Role, model.JobKind, model.DatasetId, model.Architecture, model.ParameterCount, model.ValMeanIoU,
        model.ValNativeMeanIoU, model.BytesOnDisk, model.CreatedAt, model.Lineage, model.Distillation, model.PipelineId,
        model.PipelineRole, $"/api/models/{model.Id}", $"/api/models/{model.Id}/predict",
        artifacts?.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => a.ToResponse()).ToList());

    public static DeletionResponse ToResponse(this DeletionReport report) => new(report.PipelineId, report.JobIds, report.BytesFreed);
}
