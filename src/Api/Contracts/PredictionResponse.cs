using System.ComponentModel;

namespace DistillService.Api.Contracts;

/// <summary>
/// The class map of <c>POST /api/models/{jobId}/predict?format=raw</c>: <see cref="Mask"/> has
/// <see cref="Height"/> rows of <see cref="Width"/> class ids each (row-major, top row first), ids
/// index <see cref="Classes"/>.
/// </summary>
public sealed record PredictionResponse(Guid JobId, int Width, int Height, IReadOnlyList<DatasetClass> Classes, int[][] Mask);

/// <summary>The multipart form of a prediction (documents the endpoint; the handler reads the form itself).</summary>
public sealed record PredictForm(IFormFile Image);

/// <summary>The multipart form of a teacher import: the safetensors file and its spec as JSON text.</summary>
public sealed record ImportTeacherForm(
    [property: Description("The teacher's state dict as safetensors (F32, F16 or BF16).")] IFormFile Weights,
    [property: Description("""JSON, e.g. { "datasetId": "synthetic-shapes", "model": { "baseChannels": 16, "depth": 3 }, "imageSize": 64 }""")]
    string Spec);
