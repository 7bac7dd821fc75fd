using DistillService.Core.Specs;
using System.Security.Cryptography;
using System.Text;
using DistillService.Core.Data.Layouts;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// Identifies a registered dataset's exact content at a size: layout, every file's path, length and
/// modification time, and the sample size. A teacher cache made before a file changed no longer matches.
/// </summary>
public static class DatasetFingerprint
{
    // Bump when the way samples are produced (resizing, label mapping) changes.
    private const int SampleVersion = 1;

    public static string Compute(string format, LayoutScan scan, ImageSize imageSize)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, $"{format}|v{SampleVersion}|size={DatasetCatalog.SizeText(imageSize)}\n");
        foreach (var split in DatasetLayouts.Splits)
        {
            if (!scan.Splits.TryGetValue(split, out var pairs)) continue;
            Append(hash, $"[{split}] {pairs.Count}\n");
            foreach (var pair in pairs)
            {
                AppendFile(hash, scan, pair.Image);
                AppendFile(hash, scan, pair.Mask);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendFile(IncrementalHash hash, LayoutScan scan, string path)
    {
        var info = new FileInfo(path);
        Append(hash, $"{scan.Relative(path)}|{info.Length}|{info.LastWriteTimeUtc.Ticks}\n");
    }

    private static void Append(IncrementalHash hash, string text) => hash.AppendData(Encoding.UTF8.GetBytes(text));
}
