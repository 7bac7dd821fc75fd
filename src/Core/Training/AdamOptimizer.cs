using DistillService.Core.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// Adam (Kingma &amp; Ba; PyTorch's default form: no weight decay, no AMSGrad) with a state that can
/// be saved and restored exactly.
/// </summary>
/// <remarks>
/// Written here rather than using TorchSharp's Adam, whose step passes temporary Scalars to native code
/// that a concurrent garbage collection can free mid-call (see <see cref="TorchScalars"/>). Every Scalar
/// below lives in a field or a <c>using</c> variable for the whole native call.
/// </remarks>
public sealed class AdamOptimizer : IDisposable
{
    private const int StateFormatVersion = 1;
    private static readonly byte[] StateMagic = "DSADAM"u8.ToArray();

    private readonly Parameter[] parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;
    private readonly Scalar beta1;
    private readonly Scalar beta2;
    private readonly Scalar oneMinusBeta1;
    private readonly Scalar oneMinusBeta2;
    private readonly Scalar epsilon;
    private readonly double beta1Value;
    private readonly double beta2Value;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive.");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1));
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2));

        this.parameters = parameters.ToArray();
        LearningRate = learningRate;
        (beta1Value, beta2Value) = (beta1, beta2);
        this.beta1 = beta1.ToScalar();
        this.beta2 = beta2.ToScalar();
        oneMinusBeta1 = (1 - beta1).ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        this.epsilon = epsilon.ToScalar();
        // Contiguous whatever the parameter's layout (channels-last weights): SaveState writes raw bytes.
        firstMoments = this.parameters.Select(p => zeros(p.shape, p.dtype, p.device).DetachFromDisposeScope()).ToArray();
        secondMoments = this.parameters.Select(p => zeros(p.shape, p.dtype, p.device).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>The step size of the next <see cref="Step"/>; trainers set it per step to follow a schedule.</summary>
    public double LearningRate
    {
        get;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "Must be finite and non-negative.");
            field = value;
        }
    }

    /// <summary>Updates taken so far (drives the bias correction).</summary>
    public long StepCount { get; private set; }

    /// <summary>Drops the gradients (like PyTorch's zero_grad(set_to_none=True)); backward allocates fresh ones.</summary>
    public void ZeroGrad()
    {
        foreach (var parameter in parameters) parameter.grad = null;
    }

    public void Step()
    {
        StepCount++;
        var biasCorrection1 = 1 - Math.Pow(beta1Value, StepCount);
        var biasCorrection2 = 1 - Math.Pow(beta2Value, StepCount);
        using var stepSize = (-LearningRate / biasCorrection1).ToScalar();
        using var correction2Sqrt = Math.Sqrt(biasCorrection2).ToScalar();
        using var noGrad = no_grad();
        for (var i = 0; i < parameters.Length; i++)
        {
            using var grad = parameters[i].grad;
            if (grad is null) continue;
            firstMoments[i].mul_(beta1).add_(grad, oneMinusBeta1);
            secondMoments[i].mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);
            using var denominator = secondMoments[i].sqrt();
            denominator.div_(correction2Sqrt).add_(epsilon, TorchScalars.One);
            parameters[i].addcdiv_(firstMoments[i], denominator, stepSize);
        }
    }

    /// <summary>Writes the step count and both moment tensors of every parameter.</summary>
    public void SaveState(Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(StateMagic);
        writer.Write(StateFormatVersion);
        writer.Write(parameters.Length);
        writer.Write(StepCount);
        for (var i = 0; i < parameters.Length; i++)
        {
            firstMoments[i].Save(writer);
            secondMoments[i].Save(writer);
        }
    }

    /// <summary>Restores a state saved by an optimiser over the same parameter shapes.</summary>
    public void LoadState(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        if (!reader.ReadBytes(StateMagic.Length).AsSpan().SequenceEqual(StateMagic) || reader.ReadInt32() != StateFormatVersion)
        {
            throw new InvalidDataException("Not an optimiser state written by this version of the service.");
        }
        var count = reader.ReadInt32();
        if (count != parameters.Length)
        {
            throw new InvalidDataException($"The optimiser state has {count} parameters; this model has {parameters.Length}.");
        }
        var steps = reader.ReadInt64();
        for (var i = 0; i < parameters.Length; i++)
        {
            firstMoments[i].Load(reader);
            secondMoments[i].Load(reader);
        }
        StepCount = steps;
    }

    public void Dispose()
    {
        foreach (var moment in firstMoments.Concat(secondMoments)) moment.Dispose();
        foreach (var scalar in new[] { beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon }) scalar.Dispose();
    }
}
