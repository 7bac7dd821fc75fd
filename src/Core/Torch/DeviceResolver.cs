using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Torch;

/// <summary>Turns the API's device strings ("auto", "cpu", "cuda", "cuda:n") into torch devices.</summary>
public static class DeviceResolver
{
    public const string Auto = "auto";

    /// <summary>Whether this process can use a CUDA device (false with the CPU build of TorchSharp).</summary>
    public static bool CudaAvailable => cuda.is_available();

    /// <summary>Syntax check only (for request validation): says nothing about whether a GPU is present.</summary>
    public static bool IsValid(string? device) => TryParse(device, out _, out _);

    /// <summary>
    /// Resolves a device string. "auto" picks CUDA when available, else CPU.
    /// </summary>
    /// <exception cref="ArgumentException">The string is not auto, cpu, cuda or cuda:n.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for but this process has no such device.</exception>
    public static Device Resolve(string? device)
    {
        if (!TryParse(device, out var kind, out var index))
        {
            throw new ArgumentException(
                $"Unknown device '{device}'. Use 'auto', 'cpu', 'cuda' or 'cuda:<index>'.", nameof(device));
        }
        switch (kind)
        {
            case DeviceKind.Cpu:
                return CPU;
            case DeviceKind.Auto:
                return cuda.is_available() ? new Device(DeviceType.CUDA, 0) : CPU;
            default:
                if (!cuda.is_available())
                {
                    throw new InvalidOperationException($"Device '{device}' was requested but CUDA is not available in this process.");
                }
                var count = cuda.device_count();
                if (index >= count)
                {
                    throw new InvalidOperationException($"Device '{device}' was requested but only {count} CUDA device(s) exist.");
                }
                return new Device(DeviceType.CUDA, index);
        }
    }

    private enum DeviceKind { Auto, Cpu, Cuda }

    private static bool TryParse(string? device, out DeviceKind kind, out int index)
    {
        kind = DeviceKind.Auto;
        index = 0;
        // Exact lowercase spelling, as documented in the API; anything else is rejected rather than guessed.
        var text = device;
        switch (text)
        {
            case Auto:
                return true;
            case "cpu":
                kind = DeviceKind.Cpu;
                return true;
            case "cuda":
                kind = DeviceKind.Cuda;
                return true;
        }
        if (text is null || !text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            return false;
        }
        kind = DeviceKind.Cuda;
        var digits = text["cuda:".Length..];
        // Digits only: int.TryParse alone would accept signs and whitespace ("cuda:+1", "cuda: 1").
        return digits.Length is > 0 and <= 2
            && digits.All(char.IsAsciiDigit)
            && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}
