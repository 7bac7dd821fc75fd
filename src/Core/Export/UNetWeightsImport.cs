using DistillService.Core.Models;
using DistillService.Core.Specs;
using static TorchSharp.torch;

namespace DistillService.Core.Export;

/// <summary>Why a weights file cannot become the U-Net it claims to be; every problem found, each naming its tensor.</summary>
public sealed class WeightsImportException(IReadOnlyList<string> problems)
    : Exception(string.Join(" ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Builds a <see cref="UNet"/> from a safetensors file written by another framework (PyTorch with the README's
/// definition, or this service's own export). Strict: the file must hold exactly the architecture's state-dict keys
/// with their shapes, in F32, F16 or BF16, every value finite. Only <c>num_batches_tracked</c> may be absent (a counter
/// inference never reads) or stored as I64. Nothing is executed or unpickled: safetensors is data only.
/// </summary>
public static class UNetWeightsImport
{
    public static readonly IReadOnlySet<string> FloatDtypes = new HashSet<string>(StringComparer.Ordinal) { "F32", "F16", "BF16" };

    private const int MaxProblemsListed = 20;
    private const string BatchCounterSuffix = ".num_batches_tracked";

    public static UNet Load(SafetensorsReader file, ModelSpec spec, int inChannels, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(spec);
        var model = new UNet(inChannels, numClasses, spec.BaseChannels, spec.Depth);
        try
        {
            var problems = Check(file, model);
            if (problems.Count > 0) throw new WeightsImportException(problems);
            Copy(file, model);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static List<string> Check(SafetensorsReader file, UNet model)
    {
        var problems = new List<string>();
        var expected = model.state_dict();
        var stored = file.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        var missing = expected.Keys.Where(k => !stored.ContainsKey(k) && !k.EndsWith(BatchCounterSuffix, StringComparison.Ordinal)).ToList();
        var extra = stored.Keys.Where(k => !expected.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            problems.Add($"Missing tensors for UNet(base_channels={model.BaseChannels}, depth={model.Depth}): {List(missing)}.");
        if (extra.Count > 0)
            problems.Add($"Tensors that are no part of UNet(base_channels={model.BaseChannels}, depth={model.Depth}): {List(extra)}"
                + " (renamed keys, a 'module.' or 'model.' prefix, or another architecture?).");

        foreach (var (name, tensor) in expected)
        {
            if (!stored.TryGetValue(name, out var entry)) continue;
            if (name.EndsWith(BatchCounterSuffix, StringComparison.Ordinal))
            {
                if (entry.Dtype != "I64" || entry.Shape.Length != 0)
                    problems.Add($"'{name}' must be an I64 scalar; it is {entry.Dtype} [{string.Join(", ", entry.Shape)}].");
                continue;
            }
            if (!FloatDtypes.Contains(entry.Dtype))
                problems.Add($"'{name}' is {entry.Dtype}; weights must be F32, F16 or BF16.");
            if (!entry.Shape.SequenceEqual(tensor.shape))
                problems.Add(ShapeProblem(name, entry.Shape, tensor.shape, model));
        }
        if (problems.Count > 0) return problems;

        foreach (var entry in file.Entries)
        {
            if (entry.Name.EndsWith(BatchCounterSuffix, StringComparison.Ordinal)) continue;
            using var values = file.ReadTensor(entry.Name);
            if (!values.isfinite().all().item<bool>()) problems.Add($"'{entry.Name}' holds NaN or infinite values.");
            if (problems.Count >= MaxProblemsListed) break;
        }
        return problems;
    }

    private static string ShapeProblem(string name, long[] actual, long[] expected, UNet model)
    {
        var message = $"'{name}' has shape [{string.Join(", ", actual)}]; UNet(base_channels={model.BaseChannels}, depth={model.Depth}, "
            + $"num_classes={model.NumClasses}) needs [{string.Join(", ", expected)}].";
        if (name.StartsWith("head.", StringComparison.Ordinal) && actual.Length > 0 && actual[0] != expected[0])
            message += $" The file has {actual[0]} classes; the dataset has {model.NumClasses}.";
        return message;
    }

    private static void Copy(SafetensorsReader file, UNet model)
    {
        using var noGrad = no_grad();
        foreach (var (name, target) in model.state_dict())
        {
            if (!file.Entries.Any(e => e.Name == name)) continue; // an absent batch counter keeps its 0
            using var scope = NewDisposeScope();
            target.copy_(file.ReadTensor(name).to_type(target.dtype));
        }
    }

    private static string List(List<string> names) =>
        string.Join(", ", names.Take(MaxProblemsListed).Select(n => $"'{n}'")) + (names.Count > MaxProblemsListed ? $" and {names.Count - MaxProblemsListed} more" : "");
}
