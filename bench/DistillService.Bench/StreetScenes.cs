using System.Diagnostics;
using System.Text.Json;
using DistillService.Core.Data.Layouts;
using SkiaSharp;

namespace DistillService.Bench;

/// <summary>
/// Writes a Cityscapes-shaped dataset of generated street scenes: <c>leftImg8bit/{split}/gen/*_leftImg8bit.png</c>
/// (2048×1024 RGB by default) and <c>gtFine/{split}/gen/*_gtFine_labelIds.png</c> with every one of the 19 evaluation
/// classes and some void, plus <c>statistics.json</c>: per split the image count and the pixels of each train id, counted
/// from the masks as written, to check the service's dataset statistics against. For scale tests, never for accuracy.
/// </summary>
internal static class StreetScenes
{
    // Cityscapes labelIds of the 19 train ids, in train-id order.
    private static readonly byte[] LabelIds = [7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33];

    public static int Run(string output, int train, int val, int width, int height, int seed)
    {
        var clock = Stopwatch.StartNew();
        var statistics = new Dictionary<string, object>();
        long bytes = 0;
        foreach (var (split, count) in new[] { ("train", train), ("val", val) })
        {
            var imageFolder = Directory.CreateDirectory(Path.Combine(output, "leftImg8bit", split, "gen")).FullName;
            var maskFolder = Directory.CreateDirectory(Path.Combine(output, "gtFine", split, "gen")).FullName;
            var classPixels = new long[LabelIds.Length];
            long ignorePixels = 0;
            var gate = new object();
            Parallel.For(0, count, i =>
            {
                var name = $"gen_{i:D6}_000019";
                var (image, mask) = Draw(width, height, HashCode.Combine(seed, split, i));
                var counts = new long[256];
                foreach (var labelId in mask) counts[labelId]++;
                var written = Write(Path.Combine(imageFolder, name + "_leftImg8bit.png"), image, width, height, SKColorType.Rgba8888)
                    + Write(Path.Combine(maskFolder, name + "_gtFine_labelIds.png"), mask, width, height, SKColorType.Gray8);
                lock (gate)
                {
                    bytes += written;
                    for (var labelId = 0; labelId < 256; labelId++)
                    {
                        var trainId = labelId < CityscapesLabels.TrainIdOfLabelId.Count ? CityscapesLabels.TrainIdOfLabelId[labelId] : (byte)255;
                        if (trainId == 255) ignorePixels += counts[labelId];
                        else classPixels[trainId] += counts[labelId];
                    }
                }
            });
            statistics[split] = new { images = count, classPixels, ignorePixels };
        }
        File.WriteAllText(Path.Combine(output, "statistics.json"), JsonSerializer.Serialize(statistics));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            step = "street_scenes", output, train, val, width, height, megabytes = Report.Round(bytes / 1e6),
            bytesPerPair = bytes / Math.Max(1, train + val), seconds = Report.Round(clock.Elapsed.TotalSeconds),
        }));
        return 0;
    }

    private static long Write(string path, byte[] pixels, int width, int height, SKColorType type)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var pixmap = bitmap.PeekPixels();
        // Fast zlib: the files are for reading back, not for keeping.
        using var data = pixmap!.Encode(new SKPngEncoderOptions(SKPngEncoderFilterFlags.Sub, zLibLevel: 1));
        using var file = File.Create(path);
        data!.SaveTo(file);
        return file.Length;
    }

    /// <summary>RGBA pixels and labelIds of one scene: sky, buildings, road and sidewalk, then objects in front.</summary>
    private static (byte[] Image, byte[] Mask) Draw(int width, int height, int seed)
    {
        var random = new Random(seed);
        using var image = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var maskColours = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var picture = new SKCanvas(image);
        using var labels = new SKCanvas(maskColours);
        picture.Clear(SKColors.Black);
        labels.Clear(new SKColor(0, 0, 0)); // unlabeled

        float W = width, H = height, horizon = H * (0.38f + 0.1f * (float)random.NextDouble());
        void Fill(int trainId, SKPath path, SKColor colour)
        {
            using var paint = new SKPaint { Color = Vary(colour, random), IsAntialias = true };
            picture.DrawPath(path, paint);
            using var label = new SKPaint { Color = new SKColor(LabelIds[trainId], 0, 0), IsAntialias = false };
            labels.DrawPath(path, label);
        }
        SKPath Rect(float x, float y, float w, float h) { var p = new SKPath(); p.AddRect(SKRect.Create(x, y, w, h)); return p; }
        SKPath Oval(float x, float y, float w, float h) { var p = new SKPath(); p.AddOval(SKRect.Create(x, y, w, h)); return p; }
        SKPath Poly(params SKPoint[] points) { var p = new SKPath(); p.AddPoly(points); return p; }
        SKColor Colour(int trainId) => CityscapesLabels.TrainClasses[trainId] is var c ? new SKColor(c.R, c.G, c.B) : default;

        using (var sky = Rect(0, 0, W, horizon)) Fill(10, sky, Colour(10));
        for (var x = 0f; x < W; x += W * (0.08f + 0.1f * (float)random.NextDouble()))
        {
            var top = horizon * (0.1f + 0.7f * (float)random.NextDouble());
            using var building = Rect(x, top, W * 0.12f, horizon - top + 2);
            Fill(random.Next(4) == 0 ? 3 : 2, building, Colour(2));
        }
        using (var terrain = Rect(0, horizon, W, H - horizon)) Fill(9, terrain, Colour(9));
        using (var road = Poly(new(W * 0.42f, horizon), new(W * 0.58f, horizon), new(W * 1.1f, H), new(-W * 0.1f, H))) Fill(0, road, Colour(0));
        using (var left = Poly(new(W * 0.40f, horizon), new(W * 0.42f, horizon), new(-W * 0.1f, H), new(-W * 0.3f, H))) Fill(1, left, Colour(1));
        using (var right = Poly(new(W * 0.58f, horizon), new(W * 0.60f, horizon), new(W * 1.3f, H), new(W * 1.1f, H))) Fill(1, right, Colour(1));
        for (var i = 0; i < 3; i++)
        {
            var x = (float)random.NextDouble() * W;
            using var tree = Oval(x, horizon * 0.5f, W * 0.08f, horizon * 0.6f);
            Fill(8, tree, Colour(8));
        }
        using (var fence = Rect(0, horizon - H * 0.05f, W * 0.25f, H * 0.05f)) Fill(4, fence, Colour(4));
        // Things: every class at least once per scene, at random places on the road's depth.
        foreach (var trainId in new[] { 5, 6, 7, 11, 12, 13, 14, 15, 16, 17, 18, 13 })
        {
            var depth = 0.1f + 0.9f * (float)random.NextDouble();
            var y = horizon + (H - horizon) * depth;
            var scale = 0.2f + depth;
            var x = (float)random.NextDouble() * W;
            var (w, h) = trainId switch
            {
                5 => (W * 0.006f, H * 0.35f), 6 => (W * 0.012f, H * 0.05f), 7 => (W * 0.025f, H * 0.035f),
                11 or 12 => (W * 0.02f, H * 0.12f), 13 => (W * 0.09f, H * 0.08f), 14 or 15 or 16 => (W * 0.18f, H * 0.2f),
                _ => (W * 0.04f, H * 0.06f),
            };
            using var thing = trainId is 11 or 12 or 17 or 18 ? Oval(x, y - h * scale, w * scale, h * scale) : Rect(x, y - h * scale, w * scale, h * scale);
            Fill(trainId, thing, Colour(trainId));
        }
        // A strip of void (ego vehicle) at the bottom, as in Cityscapes.
        using (var ego = Rect(0, H * 0.96f, W, H * 0.04f))
        {
            using var paint = new SKPaint { Color = new SKColor(30, 30, 30) };
            picture.DrawPath(ego, paint);
            using var label = new SKPaint { Color = new SKColor(1, 0, 0), IsAntialias = false };
            labels.DrawPath(ego, label);
        }

        // Sensor-like noise, so that files are about as large and slow to decode as Cityscapes' (about 2 MB each).
        var rgba = image.Bytes;
        var state = (uint)seed | 1;
        for (var p = 0; p < rgba.Length; p++)
        {
            if ((p & 3) == 3) continue;
            state ^= state << 13; state ^= state >> 17; state ^= state << 5;
            rgba[p] = (byte)Math.Clamp(rgba[p] + (int)(state % 13) - 6, 0, 255);
        }
        var colours = maskColours.Bytes;
        var mask = new byte[width * height];
        for (var p = 0; p < mask.Length; p++) mask[p] = colours[p * 4];
        return (rgba, mask);
    }

    private static SKColor Vary(SKColor colour, Random random)
    {
        byte Jitter(byte v) => (byte)Math.Clamp(v + random.Next(-25, 26), 0, 255);
        return new SKColor(Jitter(colour.Red), Jitter(colour.Green), Jitter(colour.Blue));
    }
}
