using System.Text.RegularExpressions;

namespace DistillService.Core.Tests.Architecture;

/// <summary>
/// The folders of each project form layers: no folder imports one that (directly or through others) imports it back.
/// Read from the source, the imports (`using DistillService.X.Folder;`) and fully qualified names, so it needs no build
/// of anything but this test.
/// </summary>
public sealed partial class FolderDependencyTests
{
    [Theory]
    [InlineData("src/Core", "DistillService.Core")]
    [InlineData("src/Api", "DistillService.Api")]
    public void FoldersImportEachOtherInOneDirectionOnly(string project, string rootNamespace)
    {
        var graph = FolderGraph.Read(Path.Combine(RepositoryRoot(), project), rootNamespace);

        Assert.True(graph.Edges.Count > 0, $"no imports found under {project}: is the path right?");
        Assert.Null(graph.FindCycle());
    }

    [Fact]
    public void SpecsDependOnNoTrainingFolder()
    {
        var graph = FolderGraph.Read(Path.Combine(RepositoryRoot(), "src/Core"), "DistillService.Core");

        var reached = graph.ReachableFrom("Specs");

        Assert.Empty(reached.Intersect(["Training", "Models", "Losses", "Metrics", "Jobs", "Caching", "Persistence"]));
    }

    [Fact]
    public void ACycleIsReportedWithItsPath()
    {
        var graph = new FolderGraph(new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"],
        });

        var cycle = graph.FindCycle();

        Assert.Equal("A → B → C → A", cycle);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DistillService.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("DistillService.sln not found above the test's folder.");
    }
}

/// <summary>Top-level folders (first namespace segment below the project's) and which of them each file imports.</summary>
internal sealed partial class FolderGraph(Dictionary<string, HashSet<string>> edges)
{
    public IReadOnlyDictionary<string, HashSet<string>> Edges => edges;

    public static FolderGraph Read(string projectDirectory, string rootNamespace)
    {
        var edges = new Dictionary<string, HashSet<string>>();
        var escaped = Regex.Escape(rootNamespace);
        var reference = new Regex($@"\b{escaped}\.(\w+)");
        var declaration = new Regex($@"^namespace {escaped}(?:\.(\w+))?", RegexOptions.Multiline);
        foreach (var file in Directory.EnumerateFiles(projectDirectory, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(projectDirectory, file);
            if (relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal)) continue;
            var source = File.ReadAllText(file);
            var own = declaration.Match(source);
            if (!own.Success) continue;
            var from = own.Groups[1].Success ? own.Groups[1].Value : "(root)";
            var body = source.Remove(own.Index, own.Length);
            foreach (Match m in reference.Matches(body))
            {
                var to = m.Groups[1].Value;
                if (to == from) continue;
                if (!edges.TryGetValue(from, out var targets)) edges[from] = targets = [];
                targets.Add(to);
            }
        }
        return new FolderGraph(edges);
    }

    public IReadOnlySet<string> ReachableFrom(string start)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([start]);
        while (stack.TryPop(out var folder))
        {
            foreach (var next in edges.GetValueOrDefault(folder) ?? [])
                if (seen.Add(next)) stack.Push(next);
        }
        return seen;
    }

    /// <summary>"A → B → A" for the first cycle found, or null.</summary>
    public string? FindCycle()
    {
        var state = new Dictionary<string, int>(); // 1 = on the current path, 2 = done
        var path = new List<string>();
        string? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                    return string.Join(" → ", path.Skip(path.IndexOf(next)).Append(next));
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in edges.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        }
        return null;
    }
}
