using DistillService.Core.Torch;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Models;

/// <summary>Weights to and from bytes (TorchSharp's binary state-dict format), for artifacts and checkpoints.</summary>
public static class ModelIO
{
    public static byte[] SaveState(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        // TorchSharp writes raw bytes and refuses strided tensors (channels-last weights): save contiguous copies.
        var contiguous = module.state_dict().ToDictionary(entry => entry.Key, entry => entry.Value.contiguous());
        try
        {
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                nn.Module.save_state_dict(writer, contiguous);
            }
            return stream.ToArray();
        }
        finally
        {
            foreach (var tensor in contiguous.Values) tensor.Dispose();
        }
    }

    /// <summary>Loads weights in place; every key must match the module's schema.</summary>
    public static void LoadState(nn.Module module, byte[] state)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(state);
        using var twin = module is UNet { UsesChannelsLast: true } unet ? PlainTwin(unet) : null;
        using var stream = new MemoryStream(state, writable: false);
        (twin ?? module).load(stream, strict: true);
        if (twin is not null) CopyState(twin, module);
    }

    /// <summary>The same architecture with contiguous weights; building it leaves the default generator as it was.</summary>
    private static UNet PlainTwin(UNet unet) => TorchSeeding.PreservingRngState(() =>
        new UNet(unet.InChannels, unet.NumClasses, unet.BaseChannels, unet.Depth));

    /// <summary>Copies every parameter and buffer value; copy_ keeps each target's own memory layout.</summary>
    private static void CopyState(nn.Module source, nn.Module target)
    {
        using var noGrad = no_grad();
        var targets = target.state_dict();
        foreach (var (name, value) in source.state_dict()) targets[name].copy_(value);
    }

    /// <summary>
    /// Builds a U-Net on the CPU and loads its weights there (loading into a CPU model keeps the checkpoint format
    /// independent of where it was trained); <see cref="UNet.PlaceOn"/> puts it where it will run.
    /// </summary>
    public static UNet LoadUNet(byte[] state, ModelSpec spec, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var model = new UNet(numClasses: numClasses, baseChannels: spec.BaseChannels, depth: spec.Depth);
        try
        {
            LoadState(model, state);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
