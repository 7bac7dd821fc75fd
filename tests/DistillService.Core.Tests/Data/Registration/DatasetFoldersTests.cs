using DistillService.Core.Data.Registration;
using DistillService.Core.Tests.Support.Datasets;

namespace DistillService.Core.Tests.Data.Registration;

public sealed class DatasetFoldersTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly TempFolder _outside = new();
    private readonly DatasetFolders _folders;

    public DatasetFoldersTests()
    {
        Directory.CreateDirectory(_folder.Combine("root", "sets", "camvid"));
        Directory.CreateDirectory(_folder.Combine("root", ".upload-123", "files"));
        Directory.CreateDirectory(_folder.Combine("sibling"));
        _folders = new DatasetFolders(_folder.Combine("root"));
    }

    [Theory]
    [InlineData("sets/camvid")]
    [InlineData("./sets/camvid/")]
    [InlineData("sets%2Fcamvid")]
    public void FoldersInsideTheRootResolve(string path)
    {
        Assert.True(_folders.TryResolveRequested(path, out var folder, out var error), error);
        Assert.Equal(_folder.Combine("root", "sets", "camvid"), folder.TrimEnd('/'));
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
        Assert.False(_folders.TryResolveRequested(path, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void ALinkToAFolderOutsideTheRootIsRefused()
    {
        Directory.CreateSymbolicLink(_folder.Combine("root", "escape"), _outside.Path);
        Directory.CreateSymbolicLink(_folder.Combine("root", "sets", "relative-escape"), "../../sibling");

        Assert.False(_folders.TryResolveRequested("escape", out _, out var error));
        Assert.Contains("outside", error);
        Assert.False(_folders.TryResolveRequested("sets/relative-escape", out _, out error));
        Assert.Contains("outside", error);
    }

    [Fact]
    public void ALinkThatStaysInsideTheRootIsFollowed()
    {
        Directory.CreateSymbolicLink(_folder.Combine("root", "alias"), "sets/camvid");

        Assert.True(_folders.TryResolveRequested("alias", out _, out var error), error);
    }

    [Fact]
    public void RealPathResolvesLinksBeforeDotDot()
    {
        // root/deep -> sets/camvid, so deep/.. is root/sets; read lexically it would be root itself.
        Directory.CreateSymbolicLink(_folder.Combine("root", "deep"), "sets/camvid");

        Assert.Equal(RealPath.Resolve(_folder.Combine("root", "sets")), RealPath.Resolve(_folder.Combine("root", "deep", "..")));
    }

    public void Dispose()
    {
        _folder.Dispose();
        _outside.Dispose();
    }
}
