using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Registration;

public sealed class DatasetFoldersTests : IDisposable
{
    private readonly TempFolder folder = new();
    private readonly TempFolder outside = new();
    private readonly DatasetFolders folders;

    public DatasetFoldersTests()
    {
        Directory.CreateDirectory(folder.Combine("root", "sets", "camvid"));
        Directory.CreateDirectory(folder.Combine("root", ".upload-123", "files"));
        Directory.CreateDirectory(folder.Combine("sibling"));
        folders = new DatasetFolders(folder.Combine("root"));
    }

    [Theory]
    [InlineData("sets/camvid")]
    [InlineData("./sets/camvid/")]
    [InlineData("sets%2Fcamvid")]
    public void FoldersInsideTheRootResolve(string path)
    {
        Assert.True(folders.TryResolveRequested(path, out var resolved, out var error), error);
        Assert.Equal(folder.Combine("root", "sets", "camvid"), resolved.TrimEnd('/'));
    }

    [Theory]
    [InlineData("../sibling", "'..'")]
    [InlineData("sets/../../sibling", "'..'")]
    [InlineData("%2e%2e/sibling", "'..'")]
    [InlineData("%252e%252e/sibling", "'..'")]
    [InlineData("/etc", "relative")]
    [InlineData("%2Fetc", "relative")]
    [InlineData("..\\sibling", "relative")]
    [InlineData("C:/Windows", "relative")]
    [InlineData("~/data", "relative")]
    [InlineData(".upload-123/files", "hidden")]
    [InlineData("", "required")]
    [InlineData("sets/nothing-here", "no folder")]
    public void PathsThatLeaveTheRootOrNameNothingAreRefused(string path, string expected)
    {
        Assert.False(folders.TryResolveRequested(path, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void ALinkToAFolderOutsideTheRootIsRefused()
    {
        Directory.CreateSymbolicLink(folder.Combine("root", "escape"), outside.Path);
        Directory.CreateSymbolicLink(folder.Combine("root", "sets", "relative-escape"), "../../sibling");

        Assert.False(folders.TryResolveRequested("escape", out _, out var error));
        Assert.Contains("outside", error);
        Assert.False(folders.TryResolveRequested("sets/relative-escape", out _, out error));
        Assert.Contains("outside", error);
    }

    [Fact]
    public void ALinkThatStaysInsideTheRootIsFollowed()
    {
        Directory.CreateSymbolicLink(folder.Combine("root", "alias"), "sets/camvid");

        Assert.True(folders.TryResolveRequested("alias", out _, out var error), error);
    }

    [Fact]
    public void RealPathResolvesLinksBeforeDotDot()
    {
        // root/deep -> sets/camvid, so deep/.. is root/sets; read lexically it would be root itself.
        Directory.CreateSymbolicLink(folder.Combine("root", "deep"), "sets/camvid");

        Assert.Equal(RealPath.Resolve(folder.Combine("root", "sets")), RealPath.Resolve(folder.Combine("root", "deep", "..")));
    }

    public void Dispose()
    {
        folder.Dispose();
        outside.Dispose();
    }
}
