namespace DistillService.Api.Tests.Infrastructure;

/// <summary>Screenshots go to TestResults/screenshots at the repository root, where CI collects test results.</summary>
public static class Screenshots
{
    public static string PathFor(string fileName)
    {
        var folder = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, fileName);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DistillService.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No DistillService.sln above {AppContext.BaseDirectory}.");
    }
}
