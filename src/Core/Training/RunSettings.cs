using DistillService.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// What decides a run's numbers besides its spec and checkpoint: the device, torch's intra-op thread count (CPU
/// reductions are split by thread), the TorchSharp build, the weight layout and the precision. Stored with every
/// checkpoint; a resume under other settings continues but is not bit-exact, and says so.
/// </summary>
public sealed record RunSettings(string Device, int TorchThreads, string TorchSharpVersion, bool ChannelsLast, string Precision)
{
    private const string Float32 = "fp32";

    public static RunSettings Current(Device device, UNet model)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(model);
        return new RunSettings(DeviceName(device), get_num_threads(), typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "unknown",
            model.UsesChannelsLast, Float32);
    }

    /// <summary>"cpu" or "cuda:N".</summary>
    public static string DeviceName(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return device.type == DeviceType.CPU ? "cpu" : $"cuda:{Math.Max(0, (int)device.index)}";
    }

    /// <summary>Each setting that differs, as "name: saved → now".</summary>
    public IReadOnlyList<string> DifferencesTo(RunSettings now)
    {
        ArgumentNullException.ThrowIfNull(now);
        var differences = new List<string>();
        void Compare<T>(string name, T saved, T current)
        {
            if (!EqualityComparer<T>.Default.Equals(saved, current)) differences.Add($"{name}: {saved} → {current}");
        }
        Compare("device", Device, now.Device);
        Compare("torch threads", TorchThreads, now.TorchThreads);
        Compare("TorchSharp", TorchSharpVersion, now.TorchSharpVersion);
        Compare("channels-last", ChannelsLast, now.ChannelsLast);
        Compare("precision", Precision, now.Precision);
        return differences;
    }
}

/// <summary>How a run resumed: from which epoch, whether bit-exactly, and why not (or what else happened on the way).</summary>
public sealed record ResumeReport(int FromEpoch, bool Exact, IReadOnlyList<string> Notes);
