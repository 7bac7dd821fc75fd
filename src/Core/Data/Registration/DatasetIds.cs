using System.Text;

namespace DistillService.Core.Data.Registration;

/// <summary>A dataset's id is its name as a URL-safe slug ("CamVid 360×480" → "camvid-360-480"), so job requests stay readable.</summary>
public static class DatasetIds
{
    public const int MaxLength = 64;

    public static string FromName(string name)
    {
        var slug = new StringBuilder();
        foreach (var c in name.Trim().ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_') slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        }
        var id = slug.ToString().Trim('-', '.');
        return id.Length > MaxLength ? id[..MaxLength].TrimEnd('-', '.') : id;
    }
}
