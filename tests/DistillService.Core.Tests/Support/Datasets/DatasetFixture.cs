namespace DistillService.Core.Tests.Support.Datasets;

/// <summary>One written image/mask pair: the raw mask values as stored in the file.</summary>
internal sealed record FixtureImage(string Split, string ImagePath, string MaskPath, byte[] RawMask, int Height, int Width);

/// <summary>A tiny dataset a test wrote to disk in one of the layouts.</summary>
internal sealed class DatasetFixture(string root, string format)
{
    public string Root { get; } = root;

    public string Format { get; } = format;

    public List<FixtureImage> Images { get; } = [];

    public IEnumerable<FixtureImage> Split(string split) => Images.Where(i => i.Split == split);

    /// <summary>Expected statistics of a split: pixels per class after <paramref name="map"/>, and ignored pixels.</summary>
    public (long[] ClassPixels, long IgnorePixels) Count(string split, int numClasses, Func<byte, byte> map)
    {
        var classPixels = new long[numClasses];
        long ignore = 0;
        foreach (var image in Split(split))
        {
            foreach (var raw in image.RawMask)
            {
                var id = map(raw);
                if (id == 255) ignore++;
                else classPixels[id]++;
            }
        }
        return (classPixels, ignore);
    }
}
