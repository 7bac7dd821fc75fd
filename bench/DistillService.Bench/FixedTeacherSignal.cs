using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Bench;

/// <summary>
/// A teacher signal that costs nothing: the same random log-probabilities for every batch. It isolates the
/// student's own offline-KD step (forward, α·CE + β·T²·KD, backward, Adam) from cache reading and warping,
/// which <c>kd_offline_end_to_end</c> adds back.
/// </summary>
internal sealed class FixedTeacherSignal : ITeacherSignal
{
    private readonly Tensor logProbabilities;

    public FixedTeacherSignal(int batch, int numClasses, int size, Device device)
    {
        using var generator = new Generator(3, device);
        using var logits = randn([batch, numClasses, size, size], generator: generator, device: device);
        logProbabilities = logits.log_softmax(1).DetachFromDisposeScope();
    }

    // An alias is a new handle on the same storage; the step's dispose scope frees the handle, never the data.
    public Tensor LogProbabilities(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta) => logProbabilities.alias();

    public void Dispose() => logProbabilities.Dispose();
}
