using DistillService.Core.Specs;

namespace DistillService.Core.Jobs.TeacherImport;

/// <summary>Per-channel normalisation the weights were trained with: (x/255 − mean)/std.</summary>
public sealed record NormalizationSpec(float[]? Mean, float[]? Std);

/// <summary>
/// The <c>spec</c> part of <c>POST /api/models/import</c>: what the uploaded safetensors file is. Class names and
/// colours come from the dataset, which cache and distill jobs run the teacher on.
/// </summary>
/// <param name="DatasetId">The dataset whose classes the teacher predicts (its class count must match the weights).</param>
/// <param name="Model">The U-Net's base channels and depth (3 input channels).</param>
/// <param name="ImageSize">The input size the teacher was trained at; caches and predictions resize to it.</param>
/// <param name="Normalization">Left out: ImageNet's, which the service uses; anything else is refused.</param>
/// <param name="Device">Where the evaluation of the imported teacher runs: auto, cpu, cuda, cuda:N.</param>
public sealed record TeacherImportRequest(
    string? DatasetId, ModelSpec? Model, ImageSize? ImageSize, NormalizationSpec? Normalization = null, string? Device = "auto");

/// <summary>
/// The stored spec of an import job. It has the fields a teacher job's spec has (dataset, model, training size,
/// device), so everything that loads a teacher loads an imported one the same way.
/// </summary>
public sealed record ImportedTeacherSpec(
    string DatasetId, ModelSpec Model, TrainingSpec Training, string Device, string WeightsSha256, long WeightsBytes);
