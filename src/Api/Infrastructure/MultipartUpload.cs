using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace DistillService.Api.Infrastructure;

/// <summary>A multipart upload that cannot be accepted; <see cref="StatusCode"/> is 400 or 413.</summary>
public sealed class UploadRejectedException(int statusCode, string field, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Field { get; } = field;
}

/// <summary>The text fields of a multipart upload, and whether its file part was received.</summary>
public sealed record UploadForm(IReadOnlyDictionary<string, string> Fields, bool HasFile);

/// <summary>
/// Reads a multipart/form-data body section by section: the file part is streamed straight to disk with
/// a byte limit (nothing is buffered in memory or in ASP.NET's temp files), other parts are short text fields.
/// </summary>
public static class MultipartUpload
{
    public const int MaxFieldLength = 1024;

    /// <summary>Room for the text fields and multipart headers on top of the file limit.</summary>
    private const long FormOverheadBytes = 64 * 1024;

    /// <param name="fileDescription">What the file part holds, for messages ("zip", "safetensors file").</param>
    /// <param name="limitSetting">The setting that holds <paramref name="maxFileBytes"/>, named in the 413.</param>
    public static async Task<UploadForm> ReadAsync(
        HttpContext context, string fileField, string filePath, long maxFileBytes, CancellationToken cancellationToken,
        string fileDescription = "zip", string limitSetting = "Datasets:MaxUploadBytes")
    {
        var request = context.Request;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, fileField,
                $"send multipart/form-data with a '{fileField}' part holding the {fileDescription}.");
        }
        if (request.ContentLength > maxFileBytes + FormOverheadBytes) throw TooLarge(fileField, maxFileBytes, limitSetting);
        // Kestrel's default limit (30 MB) would cut large uploads off; this endpoint has its own.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxFileBytes + FormOverheadBytes;

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var hasFile = false;
        var reader = new MultipartReader(boundary, request.Body);
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                // IsFormDisposition() is false for file parts, so the type is compared directly.
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";

                if (name == fileField)
                {
                    if (hasFile) throw new UploadRejectedException(StatusCodes.Status400BadRequest, fileField, $"send one {fileDescription} only.");
                    await CopyLimitedAsync(section.Body, filePath, maxFileBytes, fileField, limitSetting, cancellationToken);
                    hasFile = true;
                }
                else if (disposition.IsFileDisposition())
                {
                    throw new UploadRejectedException(StatusCodes.Status400BadRequest, name,
                        $"unexpected file part '{name}'; the {fileDescription} goes in '{fileField}'.");
                }
                else
                {
                    fields[name] = await ReadFieldAsync(section.Body, name, cancellationToken);
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(fileField, maxFileBytes, limitSetting);
        }
        catch (IOException e)
        {
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, fileField, $"malformed multipart body ({e.Message.TrimEnd('.')}).");
        }
        return new UploadForm(fields, hasFile);
    }

    private static async Task CopyLimitedAsync(
        Stream body, string path, long maxBytes, string field, string limitSetting, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes) throw TooLarge(field, maxBytes, limitSetting);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private static async Task<string> ReadFieldAsync(Stream body, string name, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldLength + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0) length += read;
        if (length > MaxFieldLength)
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, name, $"{name} is longer than {MaxFieldLength} bytes.");
        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }

    private static UploadRejectedException TooLarge(string field, long maxBytes, string limitSetting) =>
        new(StatusCodes.Status413PayloadTooLarge, field, $"the upload is larger than {maxBytes:N0} bytes ({limitSetting}).");
}
