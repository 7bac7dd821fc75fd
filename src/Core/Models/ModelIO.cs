using DistillService.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Models;

/// <summary>Weights to and from bytes (TorchSharp's binary state-dict format), for artifacts and checkpoints.</summary>
public static class ModelIO
{
    public static byte[] SaveState(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var stream = new MemoryStream();
        module.save(stream);
        return stream.ToArray();
    }

    /// <summary>Loads weights in place; every key must match the module's schema.</summary>
    public static void LoadState(nn.Module module, byte[] state)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        using var stream = new MemoryStream(state, writable: false);
        module.load(stream, strict: true);
    }

    /// <summary>
    /// Builds a U-Net on the CPU, loads its weights there and then moves it to <paramref name="device"/>
    /// (loading into a CPU model keeps the checkpoint format independent of where it was trained).
    /// </summary>
    public static UNet LoadUNet(byte[] state, ModelSpec spec, int numClasses, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var model = new UNet(numClasses: numClasses, baseChannels: spec.BaseChannels, depth: spec.Depth);
        try
        {
            LoadState(model, state);
            if (device is not null && device.type != DeviceType.CPU)
            {
                model.to(device);
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
