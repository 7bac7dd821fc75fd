using DistillService.Core.Data;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using static TorchSharp.torch;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Data;

/// <summary>
/// The managed staging that data workers run on a CPU must give the step the tensors the torch path (the GPU path)
/// gives: normalisation, bilinear image warp with zeros outside, nearest label warp with 255 outside.
/// </summary>
public sealed class StagedBatchTests
{
    public StagedBatchTests() => TorchTestSetup.Ensure();

    // Non-square, so that height and width cannot be swapped unnoticed.
    private static SegmentationSample[] Samples() =>
        Enumerable.Range(0, 5).Select(new SyntheticShapesDataset(new SyntheticShapesOptions(3, "train", 40, 56, 5)).Get).ToArray();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StagedEqualsTheTorchPath(bool augmented)
    {
        var samples = Samples();
        var augmenter = new Augmenter(new AugmentationSpec(HorizontalFlip: true, MaxShift: 0.2, MaxRotationDegrees: 30, Scale: [0.7, 1.3]), seed: 5);
        var theta = augmented ? augmenter.SampleTransformValues(samples.Length, 40, 56, epoch: 3, step: 2) : null;
        using var scope = NewDisposeScope();

        using var staged = SampleBatcher.Stage(samples, theta);
        var (images, masks) = staged.ToTensors();
        var (expectedImages, expectedMasks) = SampleBatcher.ToTensors(samples);
        if (theta is not null)
        {
            var thetaTensor = tensor(theta, [samples.Length, 2, 3]);
            (expectedImages, expectedMasks) = (Augmenter.WarpBilinear(expectedImages, thetaTensor), Augmenter.WarpLabels(expectedMasks, thetaTensor));
        }

        Assert.Equal(expectedImages.shape, images.shape);
        Assert.Equal(expectedMasks.shape, masks.shape);
        var imageDifference = images.sub(expectedImages).abs().max().item<float>();
        Assert.True(imageDifference < 1e-4, $"max |staged − torch| = {imageDifference:E2}");
        // Nearest sampling can round a coordinate that lies on .5 ± float error either way; nothing else may differ.
        var agreement = masks.eq(expectedMasks).to(float32).mean().item<float>();
        Assert.True(agreement >= 0.999, $"{agreement:P3} of the labels agree");
        if (augmented)
        {
            var (plainImages, plainMasks) = SampleBatcher.ToTensors(samples);
            Assert.True(images.sub(plainImages).abs().max().item<float>() > 0.5, "the warp moved the images");
            Assert.True(masks.eq(Labels.Ignore).any().item<bool>(), "pixels from outside the image are ignored");
            Assert.False(plainMasks.eq(Labels.Ignore).any().item<bool>());
        }
    }

    [Fact]
    public void ABatchIsCheckedBeforeAnythingIsStaged()
    {
        var small = new SegmentationSample(new byte[12], new byte[4], 2, 2);
        var large = new SegmentationSample(new byte[27], new byte[9], 3, 3);

        Assert.Throws<ArgumentException>(() => SampleBatcher.Stage([small, large], null));
        Assert.Contains("2 transforms for a batch of 1",
            Assert.Throws<ArgumentException>(() => SampleBatcher.Stage([small], new float[12])).Message);
    }

    [Fact]
    public void ADisposedBatchCannotBeRead()
    {
        var staged = SampleBatcher.Stage(Samples(), null);
        staged.Dispose();
        staged.Dispose(); // twice is harmless: its buffers went back to the pool once

        Assert.Throws<ObjectDisposedException>(() => staged.ToTensors());
    }
}
