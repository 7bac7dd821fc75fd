using DistillService.Core.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Torch;

/// <summary>Applies the process-wide torch settings before the job server takes its first job.</summary>
internal sealed class TorchInitializer(IOptions<TorchOptions> options, ILogger<TorchInitializer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var threads = options.Value.EffectiveThreads;
        TorchRuntime.Configure(threads);
        logger.LogInformation("TorchSharp ready: {Threads} threads, CUDA {Cuda}, allocator tuned {Allocator}, OpenMP spin {Spin}",
            threads, DeviceResolver.CudaAvailable ? "available" : "not available", TorchRuntime.AllocatorTuned,
            OpenMpSpin.Applied ? $"{OpenMpSpin.Rounds} rounds" : "as the environment or libgomp sets it");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
