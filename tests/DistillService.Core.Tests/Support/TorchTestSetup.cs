using DistillService.Core.Torch;

namespace DistillService.Core.Tests.Support;

/// <summary>The process setup every host does at start, applied once for the test process.</summary>
internal static class TorchTestSetup
{
    public const int Threads = 2;

    public static void Ensure() => TorchRuntime.Configure(Threads);
}
