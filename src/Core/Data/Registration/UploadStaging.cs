namespace DistillService.Core.Data.Registration;

/// <summary>
/// A hidden folder under the datasets root that holds one upload while it is received, extracted and
/// checked. Disposing removes it with everything left in it, so a rejected upload leaves nothing behind.
/// </summary>
public sealed class UploadStaging : IDisposable
{
    internal UploadStaging(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
    }

    public string Folder { get; }

    /// <summary>Where the uploaded zip is streamed to.</summary>
    public string ZipPath => Path.Combine(Folder, "upload.zip");

    /// <summary>Where the zip is extracted.</summary>
    public string FilesPath => Path.Combine(Folder, "files");

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a hidden staging folder can never be registered, so a leftover is only disk space.
        }
    }
}
