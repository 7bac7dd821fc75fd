using DistillService.Core.Configuration;
using DistillService.Core.Inference;
using DistillService.Core.Jobs;
using DistillService.Core.Specs;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace DistillService.Api.Inference;

/// <summary>
/// The last few models used for predictions, kept loaded so repeated requests skip reading and
/// building the network. A model is disposed only once no prediction is using it.
/// </summary>
public sealed class ModelCache(TrainedModelLoader models, IOptions<InferenceOptions> inference, IOptions<TorchOptions> torch) : IDisposable
{
    /// <summary>Models kept at once; a teacher of the default size takes a few MB, a large one ~30 MB.</summary>
    public const int Capacity = 4;

    private readonly Lock gate = new();
    private readonly LinkedList<Entry> recent = new(); // most recently used first
    private readonly Dictionary<Guid, LinkedListNode<Entry>> byJob = [];

    /// <summary>Runs <paramref name="use"/> with the job's model, loading it on first use. Synchronous (torch scopes).</summary>
    public T Use<T>(Guid jobId, Func<PredictionModel, T> use)
    {
        while (true)
        {
            var entry = Acquire(jobId);
            // One prediction at a time per model: forward passes share the module's buffers.
            lock (entry.Gate)
            {
                if (entry.Disposed) continue; // evicted between lookup and use: load again
                return use(entry.Model);
            }
        }
    }

    /// <summary>Whether the job's model is loaded now (for tests and diagnostics).</summary>
    public bool Contains(Guid jobId)
    {
        lock (gate) return byJob.ContainsKey(jobId);
    }

    /// <summary>Unloads a job's model (its job was deleted); a prediction still running on it finishes first.</summary>
    public void Evict(Guid jobId)
    {
        LinkedListNode<Entry>? node;
        lock (gate)
        {
            if (!byJob.Remove(jobId, out node)) return;
            recent.Remove(node);
        }
        node.Value.Dispose();
    }

    private Entry Acquire(Guid jobId)
    {
        List<Entry> evicted = [];
        Entry entry;
        lock (gate)
        {
            if (byJob.TryGetValue(jobId, out var node))
            {
                recent.Remove(node);
                recent.AddFirst(node);
                return node.Value;
            }
            entry = new Entry(Load(jobId));
            byJob[jobId] = recent.AddFirst(entry);
            while (recent.Count > Capacity)
            {
                var last = recent.Last!.Value;
                recent.RemoveLast();
                byJob.Remove(last.Model.Loaded.JobId);
                evicted.Add(last);
            }
        }
        // Outside the cache lock: waits for a prediction still running on the evicted model.
        foreach (var old in evicted) old.Dispose();
        return entry;
    }

    private PredictionModel Load(Guid jobId)
    {
        try
        {
            var loaded = models.Load(jobId, "cpu");
            if (inference.Value.Engine != InferenceOptions.OnnxRuntime) return new PredictionModel(loaded, loaded.Model);
            try
            {
                return new PredictionModel(loaded, OnnxRuntimeUNet.From(loaded.Model, torch.Value.EffectiveThreads));
            }
            catch
            {
                loaded.Dispose();
                throw;
            }
        }
        catch (InvalidDataException noWeights)
        {
            // A succeeded job whose weights are gone or damaged: the request is fine, the model is not there.
            throw new ConflictException("Model not available", noWeights.Message);
        }
    }

    public void Dispose()
    {
        List<Entry> all;
        lock (gate)
        {
            all = [.. recent];
            recent.Clear();
            byJob.Clear();
        }
        foreach (var entry in all) entry.Dispose();
    }

    private sealed class Entry(PredictionModel model) : IDisposable
    {
        public Lock Gate { get; } = new();
        public PredictionModel Model { get; } = model;
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            lock (Gate)
            {
                if (Disposed) return;
                Disposed = true;
                Model.Dispose();
            }
        }
    }
}

/// <summary>A loaded model and what runs its predictions: the TorchSharp module itself or its ONNX Runtime twin.</summary>
public sealed class PredictionModel(LoadedModel loaded, nn.Module<Tensor, Tensor> predictor) : IDisposable
{
    public LoadedModel Loaded { get; } = loaded;
    public nn.Module<Tensor, Tensor> Predictor { get; } = predictor;

    public void Dispose()
    {
        if (!ReferenceEquals(Predictor, Loaded.Model)) Predictor.Dispose();
        Loaded.Dispose();
    }
}
