using DistillService.Core.Losses;
using DistillService.Core.Specs;
using DistillService.Core.Tests.Support;
using static DistillService.Core.Tests.Support.TinyDenseBatch;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Tests.Losses;

public sealed class TrainingObjectiveTests
{
    private const double Tolerance = 1e-5;
    private static readonly float[] Weights = [0.5f, 2.0f, 1.25f];

    static TrainingObjectiveTests() => TorchTestSetup.Ensure();

    [Fact]
    public void ClassWeightedCrossEntropyIsTheWeightedMeanOverLabelledPixels()
    {
        using var scope = NewDisposeScope();
        using var objective = new CrossEntropyObjective(alpha: 0.5, classWeights: tensor(Weights));

        var terms = objective.Compute(new ObjectiveInputs(Maps(StudentLogits), LabelTensor()));

        // Σ w_y · (logsumexp(s) − s_y) / Σ w_y over the labelled pixels; void pixels count in neither sum.
        double weighted = 0, weightSum = 0;
        foreach (var (n, y, x) in LabelledPixels(Labels))
        {
            var label = (int)Labels[LabelIndex(n, y, x)];
            var logits = Enumerable.Range(0, K).Select(k => (double)StudentLogits[MapIndex(n, k, y, x)]).ToArray();
            var logSumExp = Math.Log(logits.Sum(Math.Exp));
            weighted += Weights[label] * (logSumExp - logits[label]);
            weightSum += Weights[label];
        }
        var expected = weighted / weightSum;
        Assert.Equal(expected, terms.Components[0].item<float>(), Tolerance);
        Assert.Equal(0.5 * expected, terms.Total.item<float>(), Tolerance);
        // Weights that change the answer: the plain mean is another number.
        using var plain = new CrossEntropyObjective();
        Assert.True(Math.Abs(plain.Compute(new ObjectiveInputs(Maps(StudentLogits), LabelTensor())).Total.item<float>() - expected) > 1e-2);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnAllVoidBatchGivesZeroAndAFiniteGradient(bool weighted)
    {
        using var scope = NewDisposeScope();
        using var objective = new CrossEntropyObjective(classWeights: weighted ? tensor(Weights) : null);
        var student = Maps(StudentLogits).requires_grad_();

        var terms = objective.Compute(new ObjectiveInputs(student, LabelTensor(AllVoid)));
        terms.Total.backward();

        Assert.Equal(0f, terms.Total.item<float>());
        Assert.True(student.grad!.isfinite().all().item<bool>());
        Assert.Equal(0f, student.grad!.abs().sum().item<float>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PixelKlTermsAreThoseOfTheDistillationLoss(bool weighted)
    {
        using var scope = NewDisposeScope();
        var spec = new DistillationSpec(Alpha: 0.5, Beta: 2, Temperature: 3);
        var teacher = F.log_softmax(Maps(TeacherLogits), 1);
        using var objective = new PixelKlObjective(spec, weighted ? tensor(Weights) : null);

        var terms = objective.Compute(new ObjectiveInputs(Maps(StudentLogits), LabelTensor(), Teacher: new TeacherOutputs(teacher)));

        var (total, ce, kd) = DistillationLoss.Compute(Maps(StudentLogits), teacher, LabelTensor(), spec, weighted ? tensor(Weights) : null);
        Assert.Equal(total.item<float>(), terms.Total.item<float>());
        Assert.Equal([ce.item<float>(), kd.item<float>()], terms.Components.Select(c => c.item<float>()));
        Assert.True(kd.item<float>() > 0.01);
    }

    [Fact]
    public void CwdIsAlphaCePlusBetaTimesTheChannelWiseDivergenceOfTheTeachersLogits()
    {
        using var scope = NewDisposeScope();
        var spec = new DistillationSpec(Alpha: 0.5, Beta: 2, Temperature: 3, Method: ChannelWiseDivergence.MethodName);
        using var objective = new ChannelWiseDivergence(spec);
        var teacher = Maps(TeacherLogits);

        var terms = objective.Compute(new ObjectiveInputs(
            Maps(StudentLogits), LabelTensor(), Teacher: new TeacherOutputs(F.log_softmax(teacher, 1), teacher)));

        var ce = F.cross_entropy(Maps(StudentLogits), LabelTensor(), ignore_index: 255).item<float>();
        var cwd = ChannelWiseDivergence.Compute(Maps(StudentLogits), teacher, LabelTensor(), 3).item<float>();
        Assert.Equal(ce, terms.Components[0].item<float>(), Tolerance);
        Assert.Equal(cwd, terms.Components[1].item<float>(), Tolerance);
        Assert.Equal(0.5 * ce + 2 * cwd, terms.Total.item<float>(), Tolerance);
        // Probabilities alone are not enough for it.
        Assert.Throws<ArgumentException>(() => objective.Compute(new ObjectiveInputs(
            Maps(StudentLogits), LabelTensor(), Teacher: new TeacherOutputs(F.log_softmax(teacher, 1)))));
    }

    [Fact]
    public void DistIsAlphaCePlusBetaTimesTheInterAndIntraRelationLosses()
    {
        using var scope = NewDisposeScope();
        var spec = new DistillationSpec(Alpha: 0.5, Beta: 2, Temperature: 3, Method: DistRelationLoss.MethodName);
        using var objective = new DistRelationLoss(spec);
        var teacher = F.log_softmax(Maps(TeacherLogits), 1);

        var terms = objective.Compute(new ObjectiveInputs(Maps(StudentLogits), LabelTensor(), Teacher: new TeacherOutputs(teacher)));

        var ce = F.cross_entropy(Maps(StudentLogits), LabelTensor(), ignore_index: 255).item<float>();
        var (inter, intra) = DistRelationLoss.Compute(Maps(StudentLogits), teacher, LabelTensor(), 3);
        Assert.Equal([ce, inter.item<float>(), intra.item<float>()], terms.Components.Select(c => c.item<float>()), new Close(Tolerance));
        Assert.Equal(0.5 * ce + 2 * (inter.item<float>() + intra.item<float>()), terms.Total.item<float>(), Tolerance);
    }

    [Fact]
    public void FeatureIsAlphaCePlusBetaTimesTheDistanceOfTheAdaptedStudentFeatures()
    {
        using var scope = NewDisposeScope();
        var spec = new DistillationSpec(Alpha: 0.5, Beta: 2, Mode: DistillationModes.Online, Method: FeatureDistillationLoss.MethodName);
        using var objective = new FeatureDistillationLoss(spec, null, studentChannels: 4, teacherChannels: 6, seed: 3);
        using var generator = new Generator(11);
        var studentFeatures = randn([N, 4, 1, 2], generator: generator);
        var teacherFeatures = randn([N, 6, 1, 2], generator: generator);
        var teacher = Maps(TeacherLogits);

        var terms = objective.Compute(new ObjectiveInputs(
            Maps(StudentLogits), LabelTensor(), studentFeatures, new TeacherOutputs(F.log_softmax(teacher, 1), teacher, teacherFeatures)));

        var adapter = (nn.Module<Tensor, Tensor>)objective.TrainableParts;
        var feature = FeatureDistillationLoss.Compute(adapter.forward(studentFeatures), teacherFeatures).item<float>();
        var ce = F.cross_entropy(Maps(StudentLogits), LabelTensor(), ignore_index: 255).item<float>();
        Assert.Equal([ce, feature], terms.Components.Select(c => c.item<float>()), new Close(Tolerance));
        Assert.Equal(0.5 * ce + 2 * feature, terms.Total.item<float>(), Tolerance);
        Assert.True(objective.NeedsStudentFeatures);
    }

    [Fact]
    public void ABetaZeroStudentGetsThePlainCrossEntropyObjectiveWhateverItsMethod()
    {
        var spec = new DistillationSpec(Alpha: 0.5, Beta: 0, Method: ChannelWiseDivergence.MethodName);

        using var objective = DistillationMethods.CreateObjective(spec, Context());

        Assert.IsType<CrossEntropyObjective>(objective);
        Assert.Equal(CrossEntropyObjective.MethodName, objective.Name);
        Assert.Equal(["ce"], objective.ComponentNames);
        Assert.Equal(TeacherOutputKinds.None, objective.TeacherNeeds);
        Assert.Equal(TeacherOutputKinds.None, DistillationMethods.TeacherNeeds(spec));
    }

    [Fact]
    public void AnUnknownMethodIsAnArgumentExceptionNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            DistillationMethods.CreateObjective(new DistillationSpec(Method: "nope"), Context()));

        Assert.Contains("'nope'", error.Message);
        Assert.Null(DistillationMethods.Find("nope"));
    }

    [Theory]
    [InlineData(-0.5, 1, 2)]
    [InlineData(1, -1, 2)]
    [InlineData(0, 0, 2)]
    [InlineData(1, 1, 0)]
    [InlineData(1, 1, -2)]
    [InlineData(1, 1, double.PositiveInfinity)]
    [InlineData(double.NaN, 1, 2)]
    public void UnusableAlphaBetaOrTemperatureAreOutOfRange(double alpha, double beta, double temperature) =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            DistillationMethods.CreateObjective(new DistillationSpec(alpha, beta, temperature), Context()));

    [Theory]
    [InlineData("pixel-kl", TeacherOutputKinds.Probabilities, new[] { "ce", "kd" })]
    [InlineData("cwd", TeacherOutputKinds.Logits, new[] { "ce", "cwd" })]
    [InlineData("dist", TeacherOutputKinds.Probabilities, new[] { "ce", "inter", "intra" })]
    [InlineData("feature", TeacherOutputKinds.Features, new[] { "ce", "feature" })]
    public void EachMethodNamesItsPartsAndWhatItNeedsFromTheTeacher(string method, TeacherOutputKinds needs, string[] components)
    {
        var spec = new DistillationSpec(Method: method);

        using var objective = DistillationMethods.CreateObjective(spec, Context());

        Assert.Equal(method, objective.Name);
        Assert.Equal(components, objective.ComponentNames);
        Assert.Equal(needs, objective.TeacherNeeds);
        Assert.Equal(needs, DistillationMethods.TeacherNeeds(spec));
        Assert.Equal(needs, DistillationMethods.Find(method)!.TeacherNeeds);
        // Only the feature method has parts of its own to train.
        Assert.Equal(method == "feature", objective.TrainableParts is not null);
    }

    [Fact]
    public void TheFeatureMethodWithoutTeacherFeaturesIsRefused() =>
        Assert.Throws<ArgumentException>(() => DistillationMethods.CreateObjective(
            new DistillationSpec(Method: FeatureDistillationLoss.MethodName), Context() with { TeacherFeatureChannels = 0 }));

    private static ObjectiveContext Context() => new(null, Seed: 7, StudentFeatureChannels: 16, TeacherFeatureChannels: 32);

    private sealed class Close(double tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
