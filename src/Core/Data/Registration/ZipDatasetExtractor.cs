using System.IO.Compression;
using DistillService.Core.Specs;

namespace DistillService.Core.Data.Registration;

/// <summary>
/// Extracts an uploaded zip into a fresh folder after checking every entry first: names with
/// <c>..</c>, absolute or drive paths, backslashes, symbolic links and special files are refused, and the
/// bytes written are counted against a limit (the sizes a zip declares can lie). Nothing is extracted
/// unless every entry is acceptable.
/// </summary>
public static class ZipDatasetExtractor
{
    private const int UnixFileTypeMask = 0xF000;
    private const int UnixRegularFile = 0x8000;
    private const int UnixDirectory = 0x4000;

    public static void Extract(string zipPath, string target, long maxExtractedBytes, string field, CancellationToken cancellationToken)
    {
        using var archive = OpenArchive(zipPath, field);
        var errors = new ValidationErrors();
        var problems = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            var problem = Check(entry) ?? (names.Add(entry.FullName.TrimEnd('/')) ? null : "the zip holds this name twice.");
            if (problem is null) continue;
            if (++problems <= DatasetInspection.ReportedProblems) errors.Add(field, $"{entry.FullName}: {problem}");
        }
        if (problems > DatasetInspection.ReportedProblems)
            errors.Add(field, $"… and {problems - DatasetInspection.ReportedProblems} more rejected entries.");
        if (!errors.IsEmpty) throw new InvalidRequestException(errors);
        if (archive.Entries.Count == 0) throw InvalidRequestException.For(field, "the zip is empty.");

        Directory.CreateDirectory(target);
        var root = Path.GetFullPath(target) + Path.DirectorySeparatorChar;
        long written = 0;
        var buffer = new byte[81920];
        foreach (var entry in archive.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var destination = Path.GetFullPath(Path.Join(root, entry.FullName));
            // Already implied by Check; kept as the last line of defence against zip slip.
            if (!destination.StartsWith(root, StringComparison.Ordinal))
                throw InvalidRequestException.For(field, $"{entry.FullName}: would be extracted outside the dataset folder.");
            if (IsDirectory(entry))
            {
                Directory.CreateDirectory(destination);
                continue;
            }
            written = ExtractFile(entry, destination, buffer, written, maxExtractedBytes, field);
        }
    }

    private static long ExtractFile(
        ZipArchiveEntry entry, string destination, byte[] buffer, long written, long maxExtractedBytes, string field)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            using var input = entry.Open();
            using var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write);
            int read;
            while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
            {
                written += read;
                if (written > maxExtractedBytes)
                    throw InvalidRequestException.For(field, $"the zip extracts to more than {maxExtractedBytes:N0} bytes (Datasets:MaxExtractedBytes).");
                output.Write(buffer, 0, read);
            }
            return written;
        }
        catch (InvalidDataException e)
        {
            throw InvalidRequestException.For(field, $"{entry.FullName}: corrupt data ({e.Message.TrimEnd('.')}).");
        }
        catch (IOException e)
        {
            // A name used both as a file and as a folder, a full disk: the upload fails and is removed.
            throw InvalidRequestException.For(field, $"{entry.FullName}: cannot be extracted ({e.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>Why an entry is refused, or null.</summary>
    internal static string? Check(ZipArchiveEntry entry)
    {
        var name = entry.FullName;
        if (name.Length == 0) return "empty entry name.";
        if (name.Contains('\\')) return "backslashes are not allowed in entry names.";
        if (name.Contains('\0')) return "invalid entry name.";
        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':')) return "absolute paths are not allowed.";
        if (name.Split('/').Any(s => s == "..")) return "'..' is not allowed in entry names.";
        var unixType = (entry.ExternalAttributes >> 16) & UnixFileTypeMask;
        if (unixType != 0 && unixType != UnixRegularFile && unixType != UnixDirectory)
            return unixType == 0xA000 ? "symbolic links are not allowed." : "only regular files and folders are allowed.";
        if (IsDirectory(entry) && entry.Length > 0) return "a folder entry with content.";
        return null;
    }

    private static bool IsDirectory(ZipArchiveEntry entry) => entry.FullName.EndsWith('/');

    private static ZipArchive OpenArchive(string zipPath, string field)
    {
        try
        {
            return ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException e)
        {
            throw InvalidRequestException.For(field, $"not a readable zip file ({e.Message.TrimEnd('.')}).");
        }
    }
}
