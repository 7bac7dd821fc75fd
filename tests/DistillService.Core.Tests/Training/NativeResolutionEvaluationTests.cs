using DistillService.Core.Data;
using DistillService.Core.Data.Layouts;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using DistillService.Core.Tests.Support.Datasets;
using DistillService.Core.Training;
using static TorchSharp.torch;

namespace DistillService.Core.Tests.Training;

public sealed class NativeResolutionEvaluationTests : IDisposable
{
    // Masks of 50×30 scored by a model that runs at 24×8: another size and another aspect.
    private const int NativeWidth = 50, NativeHeight = 30;
    private static readonly ImageSize TrainingSize = new(24, 8);
    private const int Classes = 3;

    private readonly TempFolder folder = new();

    static NativeResolutionEvaluationTests() => TorchTestSetup.Ensure();

    [Fact]
    public void AGeneratedSetHasNoNativeMasksAndGivesNoScore()
    {
        using var model = ConstantModel(predicted: 0, numClasses: TinyRuns.NumClasses);

        Assert.Null(Evaluator.EvaluateAtNativeResolution(model, TinyRuns.Shapes("val", 2), TinyRuns.NumClasses));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void AModelThatAlwaysSaysOneClassScoresThatClasssShareOfTheNativeLabelledPixels(int predicted)
    {
        var fixture = DatasetFixtures.Folder(folder.Path, train: 2, val: 2, height: NativeHeight, width: NativeWidth);
        // The fixture's masks hold every class about equally at any size (its smaller JPEG is the second train image);
        // these masks do not keep their shares when resized.
        var mask = StripedMask();
        foreach (var image in fixture.Split("val")) PngWriter.WriteGray(image.MaskPath, mask, NativeHeight, NativeWidth);
        var scan = new FolderLayout().Scan(fixture.Root);
        var val = new FileSegmentationDataset(scan.Splits["val"], scan.Classes, scan.Labels, TrainingSize, cacheBytes: 0);
        using var model = ConstantModel(predicted, Classes);
        model.train();

        var native = Evaluator.EvaluateAtNativeResolution(model, val, Classes);

        // By hand from the mask files (the folder layout keeps ids 0–2 and 255 as they are).
        var labelled = mask.Where(l => l != Labels.Ignore).ToArray();
        var nativeShare = (double)labelled.Count(l => l == predicted) / labelled.Length;
        var trainingPixels = Enumerable.Range(0, val.Count).SelectMany(i => val.Get(i).Mask).Where(l => l != Labels.Ignore).ToArray();
        var trainingShare = (double)trainingPixels.Count(l => l == predicted) / trainingPixels.Length;
        Assert.NotNull(native);
        Assert.Equal(nativeShare, native.PixelAccuracy, 12);
        // Every labelled pixel is predicted as the class: its IoU is its share, every other class present scores 0.
        Assert.Equal(nativeShare, native.PerClassIoU[predicted]!.Value, 12);
        Assert.All(Enumerable.Range(0, Classes).Where(c => c != predicted), c => Assert.Equal(0.0, native.PerClassIoU[c]));
        Assert.Equal(nativeShare / Classes, native.MeanIoU, 12);
        // Scored at the training size instead, the share is another one: the test tells the two apart.
        Assert.True(Math.Abs(nativeShare - trainingShare) > 1e-3, $"native {nativeShare} vs training size {trainingShare}");
        Assert.Equal(trainingShare, Evaluator.Evaluate(model, val, Classes, batchSize: 2).PixelAccuracy, 12);
        Assert.True(model.training, "the model's mode is restored");
    }

    /// <summary>
    /// Class 0 left of column 17, class 1 in a stripe three columns wide, class 2 on the right; the top three rows void.
    /// Shares of the labelled pixels: 17/50, 3/50 and 30/50, which nearest resizing to 24 columns turns into 8/24, 2/24, 14/24.
    /// </summary>
    private static byte[] StripedMask()
    {
        var mask = new byte[NativeHeight * NativeWidth];
        for (var y = 0; y < NativeHeight; y++)
        {
            for (var x = 0; x < NativeWidth; x++)
            {
                mask[y * NativeWidth + x] = y < 3 ? Labels.Ignore : x < 17 ? (byte)0 : x < 20 ? (byte)1 : (byte)2;
            }
        }
        return mask;
    }

    /// <summary>A tiny U-Net whose head ignores its input: zero weights, and a bias that makes one class win everywhere.</summary>
    private static UNet ConstantModel(int predicted, int numClasses)
    {
        var model = new UNet(numClasses: numClasses, baseChannels: 4, depth: 2);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name == "head.weight") parameter.zero_();
            if (name != "head.bias") continue;
            parameter.zero_();
            using var winner = parameter[predicted];
            winner.fill_(5f);
        }
        return model;
    }

    public void Dispose() => folder.Dispose();
}
