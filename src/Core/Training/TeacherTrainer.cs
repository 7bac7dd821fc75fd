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
        TrainingGuards.Validate(options.Training, options.Device);
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
        // Built on the CPU, placed before the optimiser sees the parameters.
        model.PlaceOn(device);
        using var optimizer = new AdamOptimizer(model.parameters(), spec.LearningRate);
        var resumedFrom = CheckpointState.Resume(callbacks, spec.Epochs, model, optimizer);

        var augmenter = spec.Augmentation is { } augmentation ? new Augmenter(augmentation, spec.Seed) : null;
        var stepsPerEpoch = EpochPlan.StepsPerEpoch(train.Count, spec.BatchSize);
        EvaluationResult? validation = null;
        for (var epoch = (resumedFrom ?? 0) + 1; epoch <= spec.Epochs; epoch++)
        {
            model.train();
            var currentEpoch = epoch;
            var losses = EpochLoop.Run(train, spec, device, epoch, callbacks, cancellationToken,
                (step, _, samples) => TrainingBatch.Prepare(samples, augmenter, currentEpoch, step, device),
                (_, batch, step) =>
                {
                    using var owned = batch;
                    optimizer.LearningRate = LearningRateSchedules.At(spec, currentEpoch, step, stepsPerEpoch);
                    return new StepLosses(TrainStep(model, optimizer, device, batch));
                });
            validation = Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
            callbacks.EpochCompleted(new EpochResult(epoch, losses.Total, validation));
            callbacks.SaveCheckpoint(CheckpointState.Capture(epoch, model, optimizer));
        }
        // A run resumed after its last epoch has nothing left to train but still reports its score.
        validation ??= Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
        return new TrainingOutcome(ModelIO.SaveState(model), validation, model.ParameterCount, resumedFrom);
    }

    /// <summary>Forward, loss, backward and update in one dispose scope; returns the batch loss.</summary>
    private static double TrainStep(UNet model, AdamOptimizer optimizer, Device device, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        var (images, masks) = batch.ToTensors(device);
        optimizer.ZeroGrad();
        var loss = F.cross_entropy(model.forward(images), masks, ignore_index: Labels.Ignore);
        var value = loss.item<float>();
        // A non-finite loss must not reach the weights; the caller turns it into an error.
        if (!float.IsFinite(value)) return value;
        loss.backward();
        optimizer.Step();
        return value;
    }
}
