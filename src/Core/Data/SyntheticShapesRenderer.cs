namespace DistillService.Core.Data;

/// <summary>
/// Draws one synthetic-shapes sample with a small signed-distance rasteriser (one-pixel anti-aliasing).
/// </summary>
/// <remarks>
/// What makes the task need a wide network: every shape's colour is a vivid hue drawn independently of
/// its kind, all kinds have similar areas, and backgrounds carry gradients, stripes, soft blobs and thin
/// vivid lines (all labelled background), so only shape — corners, holes, elongation — tells the classes
/// apart. Backgrounds are muted and grainier than shapes on purpose: with figure/ground as hard as the
/// class itself, small nets learned nothing in a few hundred steps (measured); with a local cue they learn
/// figure/ground quickly and the class still needs the whole outline (receptive field, width).
/// Later shapes cover earlier ones and the mask follows what is visible.
/// </remarks>
internal static class SyntheticShapesRenderer
{
    private const int ColourAttempts = 16;
    private const double MinColourContrast = 150; // L1 distance over RGB to the background under the shape.

    public static SegmentationSample Render(SyntheticShapesOptions options, int index)
    {
        var (height, width) = (options.Height, options.Width);
        var rng = new DeterministicRandom(Seeds.Mix(options.Seed, SplitId(options.Split), index));
        var canvas = new float[height * width * 3];
        var mask = new byte[height * width];

        PaintBackground(canvas, height, width, ref rng);
        AddNoise(canvas, rng.Range(8, 20), ref rng);
        var shapeNoise = rng.Range(2, 5);
        var shapes = rng.NextInclusive(options.MinShapes, options.MaxShapes);
        for (var i = 0; i < shapes; i++)
        {
            DrawShape(canvas, mask, height, width, shapeNoise, ref rng);
        }

        var rgb = new byte[canvas.Length];
        for (var i = 0; i < canvas.Length; i++)
        {
            rgb[i] = (byte)Math.Clamp(MathF.Round(canvas[i]), 0f, 255f);
        }
        return new SegmentationSample(rgb, mask, height, width);
    }

    private static long SplitId(string split) => split switch
    {
        "train" => 1,
        "val" => 2,
        "test" => 3,
        _ => throw SyntheticShapesOptions.UnknownSplit(split),
    };

    private static void PaintBackground(float[] canvas, int height, int width, ref DeterministicRandom rng)
    {
        // A gentle gradient between two muted colours: backgrounds vary in brightness between and
        // within images but are never as saturated as a shape.
        var from = MutedColour(ref rng);
        var to = MutedColour(ref rng);
        var angle = rng.Range(0, 2 * Math.PI);
        var (dx, dy) = (Math.Cos(angle), Math.Sin(angle));
        var halfSpan = 0.5 * (Math.Abs(dx) * width + Math.Abs(dy) * height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var t = 0.5 + ((x - 0.5 * width) * dx + (y - 0.5 * height) * dy) / (2 * halfSpan);
                var o = (y * width + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    canvas[o + c] = (float)(from[c] + (to[c] - from[c]) * t);
                }
            }
        }

        if (rng.Chance(0.6)) AddStripes(canvas, height, width, ref rng);
        var blobs = rng.NextInclusive(0, 3);
        for (var i = 0; i < blobs; i++) AddBlob(canvas, height, width, ref rng);
        var lines = rng.NextInclusive(0, 1);
        for (var i = 0; i < lines; i++) AddLine(canvas, height, width, ref rng);
    }

    private static void AddStripes(float[] canvas, int height, int width, ref DeterministicRandom rng)
    {
        var amplitude = rng.Range(8, 20);
        var period = rng.Range(4, 16);
        var angle = rng.Range(0, Math.PI);
        var phase = rng.Range(0, 2 * Math.PI);
        var tint = new[] { rng.Range(0.8, 1), rng.Range(0.8, 1), rng.Range(0.8, 1) };
        var (kx, ky) = (2 * Math.PI * Math.Cos(angle) / period, 2 * Math.PI * Math.Sin(angle) / period);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var wave = amplitude * Math.Sin(kx * x + ky * y + phase);
                var o = (y * width + x) * 3;
                for (var c = 0; c < 3; c++) canvas[o + c] += (float)(wave * tint[c]);
            }
        }
    }

    /// <summary>A soft Gaussian patch: no edge, so it should never be mistaken for a disc.</summary>
    private static void AddBlob(float[] canvas, int height, int width, ref DeterministicRandom rng)
    {
        var (cx, cy) = (rng.Range(0, width), rng.Range(0, height));
        var sigma = rng.Range(0.1, 0.3) * Math.Min(height, width);
        var brightness = rng.Range(-40, 40);
        var delta = new[] { brightness + rng.Range(-8, 8), brightness + rng.Range(-8, 8), brightness + rng.Range(-8, 8) };
        var inverse = -1 / (2 * sigma * sigma);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var weight = Math.Exp(((x - cx) * (x - cx) + (y - cy) * (y - cy)) * inverse);
                var o = (y * width + x) * 3;
                for (var c = 0; c < 3; c++) canvas[o + c] += (float)(delta[c] * weight);
            }
        }
    }

    /// <summary>A thin straight line across the image, labelled background (thin, unlike a bar).</summary>
    private static void AddLine(float[] canvas, int height, int width, ref DeterministicRandom rng)
    {
        var (px, py) = (rng.Range(0, width), rng.Range(0, height));
        var angle = rng.Range(0, Math.PI);
        var (nx, ny) = (-Math.Sin(angle), Math.Cos(angle));
        var halfWidth = rng.Range(0.4, 1.0);
        var colour = RandomColour(ref rng);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var distance = Math.Abs((x + 0.5 - px) * nx + (y + 0.5 - py) * ny) - halfWidth;
                if (distance >= 0.5) continue;
                Blend(canvas, (y * width + x) * 3, colour, Math.Min(1, 0.5 - distance));
            }
        }
    }

    private static void DrawShape(float[] canvas, byte[] mask, int height, int width, double noise, ref DeterministicRandom rng)
    {
        var kind = (ShapeKind)rng.NextInclusive((int)ShapeKind.Disc, (int)ShapeKind.Cross);
        var minSide = Math.Min(height, width);
        var size = rng.Range(0.12, 0.24) * minSide;
        var (cx, cy) = (rng.Range(0.05, 0.95) * width, rng.Range(0.05, 0.95) * height);
        var angle = rng.Range(0, 2 * Math.PI);
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));

        var colour = ContrastingColour(canvas, width, height, cx, cy, ref rng);
        // A gentle shading ramp across the shape, so a flat fill is not a cue either.
        var shadeAngle = rng.Range(0, 2 * Math.PI);
        var shade = rng.Range(-25, 25);
        var (sx, sy) = (shade * Math.Cos(shadeAngle) / size, shade * Math.Sin(shadeAngle) / size);

        var reach = ShapeSdf.Reach * size + 1;
        var (x0, x1) = (Math.Max(0, (int)(cx - reach)), Math.Min(width - 1, (int)(cx + reach)));
        var (y0, y1) = (Math.Max(0, (int)(cy - reach)), Math.Min(height - 1, (int)(cy + reach)));
        Span<double> shaded = stackalloc double[3];
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var (px, py) = (x + 0.5 - cx, y + 0.5 - cy);
                // Rotate into the shape's own frame.
                var u = px * cos + py * sin;
                var v = -px * sin + py * cos;
                var distance = ShapeSdf.Distance(kind, u, v, size);
                if (distance >= 0.5) continue;

                var ramp = px * sx + py * sy;
                for (var c = 0; c < 3; c++) shaded[c] = colour[c] + ramp + (rng.NextDouble() + rng.NextDouble() - 1) * noise;
                var pixel = y * width + x;
                Blend(canvas, pixel * 3, shaded, Math.Min(1, 0.5 - distance));
                if (distance < 0) mask[pixel] = (byte)kind;
            }
        }
    }

    private static double[] ContrastingColour(float[] canvas, int width, int height, double cx, double cy, ref DeterministicRandom rng)
    {
        var o = (Math.Min(height - 1, (int)cy) * width + Math.Min(width - 1, (int)cx)) * 3;
        var best = VividColour(ref rng);
        var bestContrast = Contrast(best);
        for (var attempt = 1; attempt < ColourAttempts && bestContrast < MinColourContrast; attempt++)
        {
            var candidate = VividColour(ref rng);
            var contrast = Contrast(candidate);
            if (contrast > bestContrast) (best, bestContrast) = (candidate, contrast);
        }
        return best;

        double Contrast(double[] c) =>
            Math.Abs(c[0] - canvas[o]) + Math.Abs(c[1] - canvas[o + 1]) + Math.Abs(c[2] - canvas[o + 2]);
    }

    private static double[] RandomColour(ref DeterministicRandom rng) =>
        [rng.Range(0, 256), rng.Range(0, 256), rng.Range(0, 256)];

    /// <summary>A grey of random brightness with a slight tint.</summary>
    private static double[] MutedColour(ref DeterministicRandom rng)
    {
        var grey = rng.Range(40, 216);
        return [grey + rng.Range(-20, 20), grey + rng.Range(-20, 20), grey + rng.Range(-20, 20)];
    }

    /// <summary>A saturated colour of any hue (HSV with S, V in [0.55, 1]).</summary>
    private static double[] VividColour(ref DeterministicRandom rng)
    {
        var hue = rng.Range(0, 6);
        var saturation = rng.Range(0.55, 1);
        var value = 255 * rng.Range(0.55, 1);
        var sector = (int)hue;
        var f = hue - sector;
        var (p, q, t) = (value * (1 - saturation), value * (1 - saturation * f), value * (1 - saturation * (1 - f)));
        return sector switch
        {
            0 => [value, t, p],
            1 => [q, value, p],
            2 => [p, value, t],
            3 => [p, q, value],
            4 => [t, p, value],
            _ => [value, p, q],
        };
    }

    private static void Blend(float[] canvas, int offset, ReadOnlySpan<double> colour, double alpha)
    {
        for (var c = 0; c < 3; c++)
        {
            canvas[offset + c] = (float)(canvas[offset + c] * (1 - alpha) + colour[c] * alpha);
        }
    }

    /// <summary>Per-pixel noise (triangular distribution) of the given amplitude.</summary>
    private static void AddNoise(float[] canvas, double amplitude, ref DeterministicRandom rng)
    {
        for (var i = 0; i < canvas.Length; i++)
        {
            canvas[i] += (float)((rng.NextDouble() + rng.NextDouble() - 1) * amplitude);
        }
    }
}
