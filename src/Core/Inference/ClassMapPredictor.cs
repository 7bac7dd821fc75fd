using DistillService.Core.Data.Imaging;
using DistillService.Core.Models;

namespace DistillService.Core.Inference;

/// <summary>One class id per pixel (255 never occurs: models always pick a class).</summary>
public sealed record ClassMap(byte[] Ids, int Height, int Width);

/// <summary>Segments an image of any size with a model trained at a fixed square size.</summary>
public static class ClassMapPredictor
{
    /// <summary>
    /// Resizes the image to the training size with the same filter the datasets use, predicts, and
    /// resizes the class map back to the image's size with nearest neighbour (ids are never blended).
    /// </summary>
    public static ClassMap Predict(UNet model, RgbImage image, int trainingSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        var input = Resampler.ResizeRgb(image.Rgb, image.Height, image.Width, trainingSize, trainingSize);
        var ids = Segmenter.Predict(model, [(input, trainingSize, trainingSize)])[0];
        return new ClassMap(Resampler.ResizeNearest(ids, trainingSize, trainingSize, image.Height, image.Width),
            image.Height, image.Width);
    }
}
