using System.Diagnostics;
using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DistillService.Core.Training;

/// <summary>
/// Trains a U-Net teacher with pixel cross-entropy (ignore 255) and Adam, validating and checkpointing
/// after every epoch, and resuming from the job's last checkpoint.
/// </summary>
/// <remarks>
/// Synchronous by design: TorchSharp dispose scopes and no_grad are thread-bound, so the whole run stays
/// on the calling thread. Only plain numbers leave a step's dispose scope.
/// </remarks>
public sealed class TeacherTrainer
{
    public TeacherTrainer(TeacherTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Model);
        ArgumentNullException.ThrowIfNull(options.Training);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Training.Epochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Training.BatchSize, 1);
        if (!(options.Training.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(options), "LearningRate must be positive.");
        if (!DeviceResolver.IsValid(options.Device)) throw new ArgumentException($"Unknown device '{options.Device}'.", nameof(options));
        Options = options;
    }

    public TeacherTrainingOptions Options { get; }

    public TrainingOutcome Train(
        ISegmentationDataset train, ISegmentationDataset val, ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(val);
        ArgumentNullException.ThrowIfNull(callbacks);
        if (train.Count == 0 || val.Count == 0) throw new ArgumentException("Training and validation sets must not be empty.");
        if (train.Classes.Count != Options.NumClasses)
        {
            throw new ArgumentException($"The dataset has {train.Classes.Count} classes but the run was set up for {Options.NumClasses}.");
        }

        var spec = Options.Training;
        var device = DeviceResolver.Resolve(Options.Device);
        using var model = TorchSeeding.CreateSeeded(spec.Seed, () =>
            new UNet(numClasses: Options.NumClasses, baseChannels: Options.Model.BaseChannels, depth: Options.Model.Depth));
        // Built on the CPU, moved before the optimiser sees the parameters.
        if (device.type != DeviceType.CPU) model.to(device);
        using var optimizer = new AdamOptimizer(model.parameters(), spec.LearningRate);

        var firstEpoch = 1;
        int? resumedFrom = null;
        if (callbacks.LoadCheckpoint() is { } checkpoint)
        {
            if (checkpoint.EpochsCompleted < 0 || checkpoint.EpochsCompleted > spec.Epochs)
            {
                throw new InvalidDataException(
                    $"The checkpoint says {checkpoint.EpochsCompleted} epochs are done, but the run has {spec.Epochs}.");
            }
            CheckpointState.Restore(checkpoint, model, optimizer);
            resumedFrom = checkpoint.EpochsCompleted;
            firstEpoch = checkpoint.EpochsCompleted + 1;
        }

        var augmenter = spec.Augmentation is { } augmentation ? new Augmenter(augmentation, spec.Seed) : null;
        var context = new EpochContext(model, optimizer, augmenter, train, device, callbacks, cancellationToken);
        EvaluationResult? validation = null;
        for (var epoch = firstEpoch; epoch <= spec.Epochs; epoch++)
        {
            var trainLoss = RunEpoch(context, epoch);
            validation = Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
            callbacks.EpochCompleted(new EpochResult(epoch, trainLoss, validation));
            callbacks.SaveCheckpoint(CheckpointState.Capture(epoch, model, optimizer));
        }
        // A run resumed after its last epoch has nothing left to train but still reports its score.
        validation ??= Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
        return new TrainingOutcome(ModelIO.SaveState(model), validation, model.ParameterCount, resumedFrom);
    }

    private sealed record EpochContext(
        UNet Model,
        AdamOptimizer Optimizer,
        Augmenter? Augmenter,
        ISegmentationDataset Data,
        Device Device,
        ITrainingCallbacks Callbacks,
        CancellationToken CancellationToken);

    /// <summary>One pass over the training set; returns the sample-weighted mean loss.</summary>
    private double RunEpoch(EpochContext context, int epoch)
    {
        var spec = Options.Training;
        var order = EpochPlan.Order(context.Data.Count, spec.Seed, epoch);
        var steps = EpochPlan.StepsPerEpoch(order.Length, spec.BatchSize);
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        var seen = 0;
        context.Model.train();
        for (var step = 0; step < steps; step++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var samples = EpochPlan.Batch(context.Data, order, step, spec.BatchSize);
            var loss = TrainStep(context, samples, epoch, step);
            if (!double.IsFinite(loss)) throw new TrainingDivergedException(epoch, step + 1, loss);
            lossSum += loss * samples.Length;
            seen += samples.Length;
            context.Callbacks.ReportProgress(new TrainingProgress(
                epoch, spec.Epochs, step + 1, steps, seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), lossSum / seen));
        }
        return lossSum / seen;
    }

    /// <summary>Forward, loss, backward and update in one dispose scope; returns the batch loss.</summary>
    private static double TrainStep(EpochContext context, SegmentationSample[] samples, int epoch, int step)
    {
        using var scope = NewDisposeScope();
        var (images, masks) = SampleBatcher.ToTensors(samples, context.Device);
        if (context.Augmenter is { } augmenter) (images, masks) = augmenter.Apply(images, masks, epoch, step);
        context.Optimizer.ZeroGrad();
        var loss = F.cross_entropy(context.Model.forward(images), masks, ignore_index: Labels.Ignore);
        var value = loss.item<float>();
        // A non-finite loss must not reach the weights; the caller turns it into an error.
        if (!float.IsFinite(value)) return value;
        loss.backward();
        context.Optimizer.Step();
        return value;
    }
}
