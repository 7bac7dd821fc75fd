namespace DistillService.Api.Contracts;

/// <summary>
/// Registers a folder under the datasets root. <c>format</c>: folder, cityscapes, voc or camvid;
/// <c>path</c>: relative to the datasets root. The dataset's id is made from <c>name</c>.
/// </summary>
public sealed record RegisterDatasetRequest(string? Name, string? Format, string? Path);

/// <summary>The multipart form of an upload (documents the endpoint; the body is streamed, not bound).</summary>
public sealed record UploadDatasetForm(IFormFile File, string Name, string Format);
