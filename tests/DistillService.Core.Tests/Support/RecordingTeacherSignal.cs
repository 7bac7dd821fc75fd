using DistillService.Core.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Tests.Support;

/// <summary>A uniform teacher that keeps copies of everything the trainer hands it.</summary>
internal sealed class RecordingTeacherSignal(int numClasses) : ITeacherSignal
{
    public List<(int[] Indices, Tensor Images, Tensor? Theta)> Calls { get; } = [];

    public Tensor LogProbabilities(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta)
    {
        Calls.Add(([.. sampleIndices],
            augmentedImages.detach().clone().DetachFromDisposeScope(),
            theta?.detach().clone().DetachFromDisposeScope()));
        var shape = augmentedImages.shape;
        return F.log_softmax(zeros([shape[0], numClasses, shape[2], shape[3]]), 1);
    }

    public void Dispose()
    {
        foreach (var (_, images, theta) in Calls)
        {
            images.Dispose();
            theta?.Dispose();
        }
    }
}

/// <summary>A teacher that must never be asked: a β = 0 run has no use for it.</summary>
internal sealed class ForbiddenTeacherSignal : ITeacherSignal
{
    public Tensor LogProbabilities(IReadOnlyList<int> sampleIndices, Tensor augmentedImages, Tensor? theta) =>
        throw new InvalidOperationException("A β = 0 run asked its teacher.");

    public void Dispose()
    {
    }
}
