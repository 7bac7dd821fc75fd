using System.Runtime.InteropServices;

namespace DistillService.Core.Torch;

/// <summary>
/// How long libtorch's OpenMP threads (GNU libgomp) spin when idle before they sleep. libgomp's default of 300,000
/// rounds keeps a core busy for milliseconds after every CPU training step, while the trainer prepares the next batch;
/// 30,000 rounds still spans the gaps between parallel regions inside a step, so steps keep their speed, and frees the
/// core right after it (measurements: docs/performance.md).
/// </summary>
/// <remarks>
/// libgomp reads <c>GOMP_SPINCOUNT</c> once, when libtorch loads it, from the native environment (which .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change), so it is set with libc's
/// <c>setenv</c>, first thing in the hosts' <c>Program</c>: <c>setenv</c> may move the environment while another
/// thread reads it, and loading libtorch reads it, so it must run before any other thread can touch torch. A value the
/// user set (or <c>OMP_WAIT_POLICY</c>) is left alone.
/// </remarks>
public static class OpenMpSpin
{
    public const string Variable = "GOMP_SPINCOUNT";

    /// <summary>The spin rounds set when the environment has none.</summary>
    public const int Rounds = 30_000;

    /// <summary>Whether to set the spin count: not when the user chose a spin or wait policy, nor once libgomp has read the environment.</summary>
    public static bool ShouldSet(string? spinCount, string? waitPolicy, bool openMpLoaded) =>
        spinCount is null && waitPolicy is null && !openMpLoaded;

    /// <summary>True once <see cref="TrySet"/> has set the spin in this process.</summary>
    public static bool Applied { get; private set; }

    /// <summary>
    /// Sets <see cref="Variable"/> to <see cref="Rounds"/> if <see cref="ShouldSet"/>; true when it did (Linux only).
    /// Call it first thing in <c>Main</c>, before any thread can load libtorch.
    /// </summary>
    public static bool TrySet()
    {
        if (Applied) return true;
        if (!OperatingSystem.IsLinux()) return false;
        if (!ShouldSet(Environment.GetEnvironmentVariable(Variable), Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"), OpenMpLoaded()))
            return false;
        try
        {
            // Failure only costs speed, so it is not an error.
            // Overwrite 0: a second host in the process (tests) finds it set and leaves the environment as it is.
            return Applied = setenv(Variable, Rounds.ToString(System.Globalization.CultureInfo.InvariantCulture), 0) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether libgomp is mapped into this process, that is, has already read its environment.</summary>
    public static bool OpenMpLoaded() =>
        OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(line => line.Contains("libgomp", StringComparison.Ordinal));

    [DllImport("libc.so.6", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
