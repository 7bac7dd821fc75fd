using System.Text.Json;
using DistillService.Core.Data.Layouts;

namespace DistillService.Core.Tests.Support.Datasets;

/// <summary>
/// Writes tiny datasets in every supported layout. Masks are 2×2 blocks cycling through the given raw
/// values (shifted per image), so small images still hold every value; images follow their labels.
/// </summary>
internal static class DatasetFixtures
{
    public static readonly string[] FolderClassNames = ["sky", "road", "car"];

    /// <summary><c>classes.json</c> + <c>{split}/images</c> + <c>{split}/masks</c>; classes 0–2 and 255. The second train image is smaller and a JPEG.</summary>
    public static DatasetFixture Folder(string root, int train = 3, int val = 2, int height = 12, int width = 16)
    {
        var fixture = new DatasetFixture(root, "folder");
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(root).FullName, "classes.json"), JsonSerializer.Serialize(new
        {
            classes = FolderClassNames.Select((name, id) => new { id, name, color = new[] { 40 * id, 80, 200 - 50 * id } }),
            ignore_index = 255,
        }));
        byte[] values = [0, 1, 2, 255];
        for (var i = 0; i < train + val; i++)
        {
            var split = i < train ? "train" : "val";
            var small = i == 1;
            var (h, w) = small ? (height - 2, width - 4) : (height, width);
            var name = $"img_{i:D3}";
            var image = Path.Combine(root, split, "images", name + (small ? ".jpg" : ".png"));
            Add(fixture, split, image, Path.Combine(root, split, "masks", name + ".png"), values, h, w, i);
        }
        return fixture;
    }

    /// <summary>SegNet's CamVid: <c>train/</c>, <c>trainannot/</c>, … with 11 as void.</summary>
    public static DatasetFixture CamVidSegNet(string root, int train = 2, int val = 2, int test = 1, int height = 12, int width = 16)
    {
        var fixture = new DatasetFixture(root, "camvid");
        byte[] values = [.. Enumerable.Range(0, 12).Select(v => (byte)v)];
        var index = 0;
        foreach (var (split, count) in new[] { ("train", train), ("val", val), ("test", test) })
        {
            for (var i = 0; i < count; i++, index++)
            {
                var name = $"0001TP_{index:D6}.png";
                Add(fixture, split, Path.Combine(root, split, name), Path.Combine(root, split + "annot", name), values, height, width, index);
            }
        }
        return fixture;
    }

    /// <summary>The shared copy's CamVid layout: <c>{split}/images</c>, <c>{split}/masks</c>, void already 255.</summary>
    public static DatasetFixture CamVidNested(string root, int train = 2, int val = 2, int height = 12, int width = 16)
    {
        var fixture = new DatasetFixture(root, "camvid");
        byte[] values = [.. Enumerable.Range(0, 11).Select(v => (byte)v), 255];
        var index = 0;
        foreach (var (split, count) in new[] { ("train", train), ("val", val) })
        {
            var names = new List<string>();
            for (var i = 0; i < count; i++, index++)
            {
                var name = $"0016E5_{index:D5}.png";
                names.Add(name);
                Add(fixture, split, Path.Combine(root, split, "images", name), Path.Combine(root, split, "masks", name), values, height, width, index);
            }
            File.WriteAllLines(Path.Combine(root, split + ".txt"), names);
        }
        return fixture;
    }

    /// <summary>Cityscapes with two cities per split; masks hold every labelId 0–33.</summary>
    public static DatasetFixture Cityscapes(string root, int perCity = 1, int height = 16, int width = 16)
    {
        var fixture = new DatasetFixture(root, "cityscapes");
        byte[] values = [.. Enumerable.Range(0, 34).Select(v => (byte)v)];
        var index = 0;
        foreach (var (split, cities) in new[] { ("train", new[] { "aachen", "bochum" }), ("val", new[] { "frankfurt" }) })
        {
            foreach (var city in cities)
            {
                for (var i = 0; i < perCity; i++, index++)
                {
                    var name = $"{city}_{index:D6}_000019";
                    Add(fixture, split,
                        Path.Combine(root, "leftImg8bit", split, city, name + "_leftImg8bit.png"),
                        Path.Combine(root, "gtFine", split, city, name + "_gtFine_labelIds.png"),
                        values, height, width, index);
                }
            }
        }
        return fixture;
    }

    /// <summary>PASCAL VOC 2012 under <c>VOCdevkit/VOC2012</c>: JPEG images, palette masks (0–20 and 255), id lists.</summary>
    public static DatasetFixture Voc(string root, int train = 2, int val = 2, int height = 12, int width = 16)
    {
        var fixture = new DatasetFixture(root, "voc");
        var voc = Path.Combine(root, "VOCdevkit", "VOC2012");
        byte[] values = [.. Enumerable.Range(0, 21).Select(v => (byte)v), 255];
        var palette = Enumerable.Range(0, 256).Select(VocPalette.Colour).ToArray();
        var index = 0;
        foreach (var (split, count) in new[] { ("train", train), ("val", val) })
        {
            var ids = new List<string>();
            for (var i = 0; i < count; i++, index++)
            {
                var id = $"2007_{index:D6}";
                ids.Add(id);
                var raw = Blocks(values, height, width, index);
                var image = Path.Combine(voc, "JPEGImages", id + ".jpg");
                var mask = Path.Combine(voc, "SegmentationClass", id + ".png");
                ImageWriter.Write(image, ImageWriter.ColoursFor(raw, index), height, width);
                PngWriter.WritePalette(mask, raw, height, width, palette);
                fixture.Images.Add(new FixtureImage(split, image, mask, raw, height, width));
            }
            var lists = Directory.CreateDirectory(Path.Combine(voc, "ImageSets", "Segmentation")).FullName;
            File.WriteAllLines(Path.Combine(lists, split + ".txt"), ids);
        }
        return fixture;
    }

    /// <summary>2×2 blocks cycling through <paramref name="values"/>, starting at an offset that depends on <paramref name="shift"/>.</summary>
    public static byte[] Blocks(byte[] values, int height, int width, int shift)
    {
        var mask = new byte[height * width];
        var blocksPerRow = (width + 1) / 2;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                mask[y * width + x] = values[((y / 2) * blocksPerRow + x / 2 + shift * 5) % values.Length];
            }
        }
        return mask;
    }

    private static void Add(DatasetFixture fixture, string split, string image, string mask, byte[] values, int height, int width, int index)
    {
        var raw = Blocks(values, height, width, index);
        ImageWriter.Write(image, ImageWriter.ColoursFor(raw, index), height, width);
        PngWriter.WriteGray(mask, raw, height, width);
        fixture.Images.Add(new FixtureImage(split, image, mask, raw, height, width));
    }
}
