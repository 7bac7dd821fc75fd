using DistillService.Core.Data;
using DistillService.Core.Losses;
using DistillService.Core.Models;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>
/// Trains a U-Net student with α·CE + β·T²·KD against a teacher signal (online or from a cache), validating and
/// checkpointing after every epoch and resuming from the job's last checkpoint, like <see cref="TeacherTrainer"/>.
/// </summary>
/// <remarks>
/// The no-distillation baseline is the same run with β = 0 and no teacher: initial weights (from the seed), sample
/// order and augmentation (from seed, epoch and step) do not depend on the distillation settings, so a baseline and
/// a distilled student with the same seed differ only in their loss. Augmentation uses explicit affine transforms so
/// that an offline teacher map can be warped exactly as the images and masks are.
/// </remarks>
public sealed class DistillationTrainer
{
    public DistillationTrainer(DistillationTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Student);
        ArgumentNullException.ThrowIfNull(options.Distillation);
        TrainingGuards.Validate(options.Training, options.Device);
        var distillation = options.Distillation;
        if (!(distillation.Alpha >= 0) || !(distillation.Beta >= 0) || distillation.Alpha + distillation.Beta == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Alpha and Beta must be non-negative and not both zero.");
        }
        if (!(distillation.Temperature > 0) || double.IsInfinity(distillation.Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Temperature must be positive and finite.");
        }
        Options = options;
    }

    public DistillationTrainingOptions Options { get; }

    /// <summary>True when the loss has a KD term, so <see cref="Train"/> needs a teacher signal.</summary>
    public bool NeedsTeacher => Options.Distillation.Beta > 0;

    /// <param name="teacher">Required when β &gt; 0; ignored (never called) when β = 0.</param>
    public TrainingOutcome Train(
        ISegmentationDataset train, ISegmentationDataset val, ITeacherSignal? teacher, ITrainingCallbacks callbacks,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(val);
        ArgumentNullException.ThrowIfNull(callbacks);
        if (train.Count == 0 || val.Count == 0) throw new ArgumentException("Training and validation sets must not be empty.");
        if (train.Classes.Count != Options.NumClasses)
        {
            throw new ArgumentException($"The dataset has {train.Classes.Count} classes but the run was set up for {Options.NumClasses}.");
        }
        if (NeedsTeacher && teacher is null)
        {
            throw new ArgumentException($"β = {Options.Distillation.Beta} needs a teacher signal; only a β = 0 baseline trains without one.", nameof(teacher));
        }

        var spec = Options.Training;
        var device = DeviceResolver.Resolve(Options.Device);
        using var model = CreateStudent();
        // Built on the CPU, placed before the optimiser sees the parameters.
        model.PlaceOn(device);
        using var optimizer = new AdamOptimizer(model.parameters(), spec.LearningRate);
        var resumedFrom = CheckpointState.Resume(callbacks, spec.Epochs, model, optimizer);

        var step = new StepRunner(model, optimizer, NeedsTeacher ? teacher : null, Options.Distillation,
            spec.Augmentation is { } augmentation ? new Augmenter(augmentation, spec.Seed) : null, device);
        var stepsPerEpoch = EpochPlan.StepsPerEpoch(train.Count, spec.BatchSize);
        EvaluationResult? validation = null;
        for (var epoch = (resumedFrom ?? 0) + 1; epoch <= spec.Epochs; epoch++)
        {
            model.train();
            var currentEpoch = epoch;
            var losses = EpochLoop.Run(train, spec, device, epoch, callbacks, cancellationToken,
                (index, indices, samples) => step.Prepare(indices, samples, currentEpoch, index),
                (indices, batch, index) =>
                {
                    optimizer.LearningRate = LearningRateSchedules.At(spec, currentEpoch, index, stepsPerEpoch);
                    return step.Run(indices, batch);
                });
            validation = Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
            callbacks.EpochCompleted(new EpochResult(epoch, losses.Total, validation, losses.Ce, losses.Kd));
            callbacks.SaveCheckpoint(CheckpointState.Capture(epoch, model, optimizer));
        }
        // A run resumed after its last epoch has nothing left to train but still reports its score.
        validation ??= Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
        return new TrainingOutcome(ModelIO.SaveState(model), validation, model.ParameterCount, resumedFrom);
    }

    /// <summary>The untrained student: a function of the student architecture and the seed only.</summary>
    internal UNet CreateStudent() => TorchSeeding.CreateSeeded(Options.Training.Seed, () =>
        new UNet(numClasses: Options.NumClasses, baseChannels: Options.Student.BaseChannels, depth: Options.Student.Depth));

    /// <summary>A batch's images and masks and, when the signal can prepare it ahead, its teacher map.</summary>
    private sealed record StepInput(TrainingBatch Batch, PreparedTeacherMap? TeacherMap) : IDisposable
    {
        public void Dispose()
        {
            Batch.Dispose();
            TeacherMap?.Dispose();
        }
    }

    private sealed class StepRunner(
        UNet model, AdamOptimizer optimizer, ITeacherSignal? teacher, DistillationSpec distillation, Augmenter? augmenter, Device device)
    {
        /// <summary>
        /// Runs on a prefetch thread, ahead of the step: the batch with its augmentation (a pure function of epoch and
        /// step) and the teacher map of a cache, read, decoded, warped with it and logged, so on the CPU the training
        /// thread only copies them into tensors. On a GPU the compact entries cross to the device and are decoded there.
        /// </summary>
        public StepInput Prepare(int[] indices, SegmentationSample[] samples, int epoch, int step)
        {
            var batch = TrainingBatch.Prepare(samples, augmenter, epoch, step, device);
            try
            {
                var teacherMap = teacher is not null && device.type == DeviceType.CPU
                    ? teacher.PrepareAhead(indices, batch.Theta, samples[0].Height, samples[0].Width)
                    : null;
                return new StepInput(batch, teacherMap);
            }
            catch
            {
                batch.Dispose();
                throw;
            }
        }

        /// <summary>Batch and teacher signal to tensors, forward, loss, backward and update in one dispose scope.</summary>
        public StepLosses Run(int[] indices, StepInput input)
        {
            using var owned = input;
            using var scope = NewDisposeScope();
            var (images, masks) = input.Batch.ToTensors(device);
            var teacherLogProbabilities = input.TeacherMap is { } prepared
                ? prepared.ToTensor(device)
                : teacher?.LogProbabilities(indices, images, input.Batch.ThetaTensor(device));
            optimizer.ZeroGrad();
            var (total, ce, kd) = DistillationLoss.Compute(model.forward(images), teacherLogProbabilities, masks, distillation);
            var value = total.item<float>();
            // A non-finite loss must not reach the weights; the caller turns it into an error.
            if (!float.IsFinite(value)) return new StepLosses(value);
            total.backward();
            optimizer.Step();
            return new StepLosses(value, ce.item<float>(), kd.item<float>());
        }
    }
}
