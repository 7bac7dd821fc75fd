using DistillService.Core.Data;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Training;

public sealed class AugmenterTests
{
    public AugmenterTests() => TorchTestSetup.Ensure();

    private static (Tensor Images, Tensor Masks) Batch(int count = 4, int height = 16, int width = 24)
    {
        var dataset = new SyntheticShapesDataset(new SyntheticShapesOptions(2, "train", height, width, count));
        return SampleBatcher.ToTensors(Enumerable.Range(0, count).Select(dataset.Get).ToList());
    }

    [Fact]
    public void ASpecThatChangesNothingReturnsTheBatchUnchanged()
    {
        using var scope = NewDisposeScope();
        var (images, masks) = Batch();
        var augmenter = new Augmenter(new AugmentationSpec(HorizontalFlip: false, MaxShift: 0, MaxRotationDegrees: 0), seed: 1);

        var (outImages, outMasks) = Augment(augmenter, images, masks, epoch: 1, step: 0);

        Assert.True(outImages.allclose(images, rtol: 0, atol: 1e-5));
        Assert.Equal(masks.data<long>().ToArray(), outMasks.data<long>().ToArray());
    }

    [Fact]
    public void FlipOnlyMirrorsSomeSamplesAndLeavesTheOthers()
    {
        using var scope = NewDisposeScope();
        var (images, masks) = Batch(count: 16);
        var augmenter = new Augmenter(new AugmentationSpec(HorizontalFlip: true, MaxShift: 0, MaxRotationDegrees: 0), seed: 1);

        var (_, outMasks) = Augment(augmenter, images, masks, epoch: 1, step: 0);

        var flipped = 0;
        for (var i = 0; i < 16; i++)
        {
            var same = Tensors.Same(outMasks[i], masks[i]);
            var mirrored = Tensors.Same(outMasks[i], masks[i].flip(1));
            Assert.True(same || mirrored, $"sample {i} is neither the original nor its mirror image");
            if (!same) flipped++;
        }
        Assert.InRange(flipped, 1, 15);
    }

    [Fact]
    public void SameEpochAndStepReplayTheSameTransformsAndOtherStepsDiffer()
    {
        using var scope = NewDisposeScope();
        var spec = new AugmentationSpec(MaxShift: 0.2, MaxRotationDegrees: 30, Scale: [0.8, 1.25]);
        var first = new Augmenter(spec, seed: 3);
        var second = new Augmenter(spec, seed: 3);

        var a = first.SampleTransforms(4, 16, 16, epoch: 2, step: 5);
        var b = second.SampleTransforms(4, 16, 16, epoch: 2, step: 5);
        var c = first.SampleTransforms(4, 16, 16, epoch: 2, step: 6);
        var d = first.SampleTransforms(4, 16, 16, epoch: 3, step: 5);

        Assert.True(Tensors.Same(a, b));
        Assert.False(Tensors.Same(a, c));
        Assert.False(Tensors.Same(a, d));
    }

    [Fact]
    public void PixelsFromOutsideTheImageAreIgnoredAndLabelsStayClassIds()
    {
        using var scope = NewDisposeScope();
        var (images, masks) = Batch(count: 8);
        var augmenter = new Augmenter(new AugmentationSpec(MaxShift: 0.3, MaxRotationDegrees: 45, Scale: [0.6, 0.8]), seed: 4);

        var (outImages, outMasks) = Augment(augmenter, images, masks, epoch: 1, step: 0);

        Assert.Equal(images.shape, outImages.shape);
        Assert.Equal(masks.shape, outMasks.shape);
        var labels = outMasks.unique().output.data<long>().ToArray();
        Assert.Contains(255L, labels);
        Assert.All(labels, id => Assert.True(id is >= 0 and < 7 or 255, $"label {id}"));
    }

    [Fact]
    public void WarpLabelsAndWarpBilinearAgreeWithApply()
    {
        using var scope = NewDisposeScope();
        var (images, masks) = Batch();
        var augmenter = new Augmenter(new AugmentationSpec(MaxShift: 0.1, MaxRotationDegrees: 20, Scale: [0.9, 1.1]), seed: 5);

        var (outImages, outMasks) = Augment(augmenter, images, masks, epoch: 4, step: 2);
        var theta = augmenter.SampleTransforms(4, 16, 24, epoch: 4, step: 2);

        Assert.True(Tensors.Same(Augmenter.WarpLabels(masks, theta), outMasks));
        Assert.True(Tensors.Same(Augmenter.WarpBilinear(images, theta), outImages));
    }

    /// <summary>The batch warped with the transforms the augmenter draws for (epoch, step), as the trainers apply them.</summary>
    private static (Tensor Images, Tensor Masks) Augment(Augmenter augmenter, Tensor images, Tensor masks, int epoch, int step) =>
        Augmenter.Apply(images, masks,
            augmenter.SampleTransforms((int)images.shape[0], (int)images.shape[2], (int)images.shape[3], epoch, step));
}
