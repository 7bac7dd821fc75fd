using System.Text.Json;
using DistillService.Core.Configuration;
using DistillService.Core.Storage;
using DistillService.Core.Torch;
using DistillService.Core.Training;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DistillService.Core.Jobs.Workers;

/// <summary>Writes this job server's <see cref="WorkerCard"/> when it starts and removes it when it stops.</summary>
internal sealed class WorkerCardPublisher(IBlobStore blobs, IOptions<WorkerOptions> worker, IOptions<TorchOptions> torch) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = worker.Value;
        // What "auto" jobs get here: the configured device as this machine resolves it.
        var device = RunSettings.DeviceName(DeviceResolver.Resolve(settings.Device));
        var card = new WorkerCard(JobLifecycle.WorkerName, device, torch.Value.EffectiveThreads, settings.Concurrency,
            JobServerQueues.Resolve(settings.Queues), DateTime.UtcNow);
        blobs.Write(WorkerDirectory.CardKey(card.Name), JsonSerializer.SerializeToUtf8Bytes(card, JobJson.Options));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        blobs.Delete(WorkerDirectory.CardKey(JobLifecycle.WorkerName));
        return Task.CompletedTask;
    }
}
