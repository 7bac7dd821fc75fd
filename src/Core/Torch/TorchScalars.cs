using TorchSharp;

namespace DistillService.Core.Torch;

/// <summary>
/// Long-lived <see cref="Scalar"/> values for hot paths.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 passes a <see cref="Scalar"/>'s raw native pointer to libtorch without keeping the
/// managed object alive. An implicit temporary (<c>t.add_(1)</c>, <c>t.ne(255)</c>, and TorchSharp's own
/// BatchNorm and Adam, which create such temporaries internally) can therefore be finalised by a garbage
/// collection that another thread triggers while the native call still reads it: a use-after-free that
/// surfaces as "Unknown scalar type" or wrong results. In a service other threads allocate all the time.
/// Rule for this codebase: never pass an implicit temporary Scalar; use these static instances (rooted for
/// the life of the process) or create one with <c>using var s = value.ToScalar();</c> so it outlives the call.
/// </remarks>
public static class TorchScalars
{
    public static readonly Scalar Zero = 0.ToScalar();
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar MinusOne = (-1).ToScalar();
    /// <summary>The ignore label, 255.</summary>
    public static readonly Scalar Ignore = 255.ToScalar();
}
