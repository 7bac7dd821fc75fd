using DistillService.Core.Caching;
using DistillService.Core.Data;
using DistillService.Core.Losses;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using DistillService.Core.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Tests.Caching;

public sealed class LogitsCacheTests
{
    // fp16 keeps 11 significant bits: a value comes back within 2^-11 ≈ 4.9e-4 of itself, relatively.
    private const double Fp16Relative = 4.9e-4;
    // Room for the teacher's float32 rounding in batches of another size.
    private const double Absolute = 1e-5;

    private static readonly CacheSpec Logits = new(TopK: CacheFixtures.NumClasses, Form: CacheForms.Logits);

    static LogitsCacheTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ALogitsCacheSaysSoInItsManifestAndKeepsEveryClass()
    {
        using var folder = new ScratchFolder();

        var result = CacheFixtures.Write(folder.Cache(), Logits);

        var stored = CacheManifestJson.Load(folder.Cache());
        Assert.Equal((CacheForms.Logits, CacheFixtures.NumClasses), (result.Manifest.Form, result.Manifest.TopK));
        Assert.Equal((CacheForms.Logits, CacheFixtures.NumClasses), (stored.Form, stored.TopK));
        Assert.Contains("\"form\": \"logits\"", File.ReadAllText(Path.Combine(folder.Cache(), CacheFormat.ManifestFileName)));
        // What it stores is the distribution exactly, up to fp16: the writer measures that on what a reader decodes.
        Assert.True(result.Fidelity.ArgmaxAgreement > 0.99, $"argmax agreement {result.Fidelity.ArgmaxAgreement}");
    }

    [Fact]
    public void DecodedEntriesAreTheTeachersLogitsUpToFp16Rounding()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var splits = CacheFixtures.Splits();
        CacheFixtures.Write(folder.Cache(), Logits, teacher, splits);
        using var reader = TeacherCacheReader.Open(folder.Cache());
        int[] indices = [4, 0, 2];
        using var scope = NewDisposeScope();

        var decoded = reader.DecodeBatch("train", indices);

        var exact = ExactLogits(teacher, splits["train"], indices);
        Assert.Equal(new long[] { 3, CacheFixtures.NumClasses, CacheFixtures.Size, CacheFixtures.Size }, decoded.shape);
        Assert.True(decoded.allclose(exact, rtol: Fp16Relative, atol: Absolute), $"max |decoded − exact| = {CacheFixtures.MaxAbsDifference(decoded, exact)}");
        // Logits, not probabilities: some are negative.
        Assert.True(exact.min().item<float>() < 0);
    }

    [Fact]
    public void AnOfflineSignalOverALogitsCacheGivesTheTeachersLogitsForTheBatch()
    {
        using var folder = new ScratchFolder();
        using var teacher = CacheFixtures.Teacher();
        var splits = CacheFixtures.Splits();
        CacheFixtures.Write(folder.Cache(), Logits, teacher, splits);
        using var signal = new OfflineTeacherSignal(TeacherCacheReader.Open(folder.Cache()), ownsReader: true);
        int[] indices = [1, 3];
        using var scope = NewDisposeScope();

        var outputs = signal.Outputs(indices, zeros(2, 3, CacheFixtures.Size, CacheFixtures.Size), null, TeacherOutputKinds.Logits);

        Assert.Equal(TeacherOutputKinds.Probabilities | TeacherOutputKinds.Logits, signal.Provides);
        Assert.NotNull(outputs.Logits);
        Assert.Equal(new long[] { 2, CacheFixtures.NumClasses, CacheFixtures.Size, CacheFixtures.Size }, outputs.Logits.shape);
        var exact = ExactLogits(teacher, splits["train"], indices);
        Assert.True(outputs.Logits.allclose(exact, rtol: Fp16Relative, atol: Absolute));
        Assert.True(outputs.LogProbabilities.allclose(F.log_softmax(outputs.Logits, 1), rtol: 0, atol: 1e-6));
        Assert.Null(outputs.Features);
    }

    [Fact]
    public void ATopKCacheGivesProbabilitiesOnly()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(TopK: 3));
        using var signal = new OfflineTeacherSignal(TeacherCacheReader.Open(folder.Cache()), ownsReader: true);
        using var scope = NewDisposeScope();

        var outputs = signal.Outputs([0, 1], zeros(2, 3, CacheFixtures.Size, CacheFixtures.Size), null, TeacherOutputKinds.Logits);

        Assert.Equal(TeacherOutputKinds.Probabilities, signal.Provides);
        Assert.Equal(TeacherOutputKinds.Probabilities, OfflineTeacherSignal.ProvidesFor(CacheForms.TopK));
        Assert.Equal(TeacherOutputKinds.Probabilities | TeacherOutputKinds.Logits, OfflineTeacherSignal.ProvidesFor(CacheForms.Logits));
        Assert.Null(outputs.Logits);
        Assert.Equal(new long[] { 2, CacheFixtures.NumClasses, CacheFixtures.Size, CacheFixtures.Size }, outputs.LogProbabilities.shape);
    }

    [Fact]
    public void AManifestThatClaimsLogitsWithFewerThanEveryClassIsRefused()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(TopK: 3));
        var path = Path.Combine(folder.Cache(), CacheFormat.ManifestFileName);
        // Entry lengths still match its topK of 3: only the form is a lie.
        CacheFixtures.RewriteManifest(folder.Cache(), CacheManifestJson.Serialize(CacheManifestJson.Load(folder.Cache()) with { Form = CacheForms.Logits }));

        var error = Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache()));

        Assert.Contains("logits cache with topK 3", error.Message);
    }

    [Fact]
    public void AManifestWithAnUnknownFormIsRefused()
    {
        using var folder = new ScratchFolder();
        CacheFixtures.Write(folder.Cache(), new CacheSpec(TopK: 3));
        var path = Path.Combine(folder.Cache(), CacheFormat.ManifestFileName);
        CacheFixtures.RewriteManifest(folder.Cache(), CacheManifestJson.Serialize(CacheManifestJson.Load(folder.Cache()) with { Form = "dense" }));

        Assert.Contains("form 'dense'", Assert.Throws<InvalidDataException>(() => TeacherCacheReader.Open(folder.Cache())).Message);
    }

    [Fact]
    public void TheWriterRefusesALogitsCacheOfFewerThanEveryClass()
    {
        using var folder = new ScratchFolder();

        Assert.Throws<ArgumentException>(() => CacheFixtures.Write(folder.Cache(), new CacheSpec(TopK: 3, Form: CacheForms.Logits)));
        Assert.False(Directory.Exists(folder.Cache()));
    }

    /// <summary>The teacher's logits float32 [N, K, H, W] for images of a split, as it gives them un-augmented.</summary>
    private static Tensor ExactLogits(nn.Module<Tensor, Tensor> teacher, ISegmentationDataset dataset, IReadOnlyList<int> indices)
    {
        teacher.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (images, _) = SampleBatcher.ToTensors(indices.Select(dataset.Get).ToArray());
        return teacher.forward(images).MoveToOuterDisposeScope();
    }
}
