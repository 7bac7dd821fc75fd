using DistillService.Core.Data.Layouts;
using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Registration;

public sealed class DatasetFingerprintTests : IDisposable
{
    private readonly TempFolder folder = new();

    [Fact]
    public void TheFingerprintFollowsFilesAndSizeAndNothingElse()
    {
        var fixture = DatasetFixtures.Folder(folder.Path);
        var layout = new FolderLayout();
        string Fingerprint(int size) => DatasetFingerprint.Compute("folder", layout.Scan(fixture.Root), size);

        var original = Fingerprint(32);
        Assert.Equal(original, Fingerprint(32));
        Assert.NotEqual(original, Fingerprint(64));

        File.SetLastWriteTimeUtc(fixture.Images[0].MaskPath, DateTime.UtcNow.AddMinutes(-5));
        var touched = Fingerprint(32);
        Assert.NotEqual(original, touched);

        File.Delete(fixture.Images[4].ImagePath);
        File.Delete(fixture.Images[4].MaskPath);
        Assert.NotEqual(touched, Fingerprint(32));
    }

    public void Dispose() => folder.Dispose();
}
