using DistillService.Core.Data.Imaging;
using DistillService.Core.Inference;
using DistillService.Core.Specs;

namespace DistillService.Api.Infrastructure;

/// <summary>Reads one image file field of a multipart form and decodes it; what cannot be used is refused naming the field.</summary>
public static class UploadedImage
{
    /// <exception cref="InvalidRequestException">No form, no such field, an unreadable body or an unusable image.</exception>
    /// <exception cref="BadHttpRequestException">Over <paramref name="maxBytes"/> (413).</exception>
    public static async Task<RgbImage> ReadAsync(
        HttpRequest request, string field, long maxBytes, int maxSide, CancellationToken cancellationToken)
    {
        var missing = $"send the image as a multipart/form-data file field named '{field}'.";
        if (!request.HasFormContentType) throw InvalidRequestException.For(field, missing);
        IFormFile? image;
        try
        {
            image = (await request.ReadFormAsync(cancellationToken)).Files.GetFile(field);
        }
        catch (Exception e) when (e is InvalidDataException or IOException
            || e is BadHttpRequestException { StatusCode: not StatusCodes.Status413PayloadTooLarge })
        {
            throw InvalidRequestException.For(field, $"the multipart body could not be read ({e.Message.TrimEnd('.')}).");
        }
        if (image is null) throw InvalidRequestException.For(field, missing);
        if (image.Length > maxBytes)
            throw new BadHttpRequestException($"At most {maxBytes:N0} bytes are accepted.", StatusCodes.Status413PayloadTooLarge);

        using var buffer = new MemoryStream((int)image.Length);
        await image.CopyToAsync(buffer, cancellationToken);
        try
        {
            return ImageDecoding.Decode(buffer.ToArray(), maxSide);
        }
        catch (UnusableImageException unusable)
        {
            throw InvalidRequestException.For(field, $"{image.FileName}: {unusable.Message}");
        }
    }
}
