using System.Threading.Channels;

namespace DistillService.Core.Data.Registration;

/// <summary>Ids of datasets recorded as inspecting, for <see cref="DatasetInspectionService"/> to read one after another.</summary>
public sealed class DatasetInspectionQueue
{
    private readonly Channel<string> ids = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(string datasetId) => ids.Writer.TryWrite(datasetId);

    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken cancellationToken) => ids.Reader.ReadAllAsync(cancellationToken);
}
