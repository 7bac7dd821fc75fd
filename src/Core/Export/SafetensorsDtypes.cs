using static TorchSharp.torch;

namespace DistillService.Core.Export;

/// <summary>The safetensors dtype names for the torch element types we export, and their sizes in bytes.</summary>
public static class SafetensorsDtypes
{
    private static readonly (ScalarType Type, string Name, int Size)[] Table =
    [
        (ScalarType.Bool, "BOOL", 1),
        (ScalarType.Byte, "U8", 1),
        (ScalarType.Int8, "I8", 1),
        (ScalarType.Int16, "I16", 2),
        (ScalarType.Int32, "I32", 4),
        (ScalarType.Int64, "I64", 8),
        (ScalarType.Float16, "F16", 2),
        (ScalarType.BFloat16, "BF16", 2),
        (ScalarType.Float32, "F32", 4),
        (ScalarType.Float64, "F64", 8),
    ];

    public static string Name(ScalarType type)
    {
        foreach (var entry in Table)
        {
            if (entry.Type == type) return entry.Name;
        }
        throw new NotSupportedException($"Tensors of type {type} cannot be written to safetensors.");
    }

    /// <summary>The torch type and element size of a safetensors dtype name; false for names we do not read.</summary>
    public static bool TryParse(string name, out ScalarType type, out int size)
    {
        foreach (var entry in Table)
        {
            if (entry.Name == name)
            {
                (type, size) = (entry.Type, entry.Size);
                return true;
            }
        }
        (type, size) = (default, 0);
        return false;
    }

    public static int Size(ScalarType type)
    {
        foreach (var entry in Table)
        {
            if (entry.Type == type) return entry.Size;
        }
        throw new NotSupportedException($"Tensors of type {type} cannot be written to safetensors.");
    }
}
