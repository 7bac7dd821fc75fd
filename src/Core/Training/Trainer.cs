using DistillService.Core.Data;
using DistillService.Core.Losses;
using DistillService.Core.Metrics;
using DistillService.Core.Models;
using DistillService.Core.Specs;
using DistillService.Core.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillService.Core.Training;

/// <summary>Everything a run needs besides its data, its objective and its teacher. <see cref="Device"/> is "auto", "cpu", "cuda" or "cuda:n".</summary>
public sealed record TrainerOptions(ModelSpec Model, TrainingSpec Training, string Device, int NumClasses);

/// <summary>
/// The one training loop of teachers, baselines and students: a U-Net built from the seed, Adam, the objective's loss
/// per step, validation and a checkpoint after every epoch, resuming from the job's last checkpoint. What is minimised
/// is the objective's business (<see cref="ITrainingObjective"/>): cross-entropy for a teacher, a distillation method
/// for a student.
/// </summary>
/// <remarks>
/// Synchronous by design: TorchSharp dispose scopes and no_grad are thread-bound, so the whole run stays on the calling
/// thread; only plain numbers leave a step's dispose scope. Initial weights (from the seed), sample order and
/// augmentation (from seed, epoch and step) do not depend on the objective, so a baseline and a distilled student with
/// the same seed differ only in their loss. Augmentation uses explicit affine transforms so that an offline teacher map
/// can be warped exactly as the images and masks are.
/// </remarks>
public sealed class Trainer
{
    public Trainer(TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Model);
        TrainingGuards.Validate(options.Training, options.Device);
        Options = options;
    }

    public TrainerOptions Options { get; }

    /// <param name="teacher">Required when the objective needs one; never called when it does not.</param>
    /// <returns>The trained model with its history; the caller disposes it.</returns>
    public TrainingOutcome Train(
        ISegmentationDataset train, ISegmentationDataset val, ITrainingObjective objective, ITeacherSignal? teacher,
        ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(val);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(callbacks);
        if (train.Count == 0 || val.Count == 0) throw new ArgumentException("Training and validation sets must not be empty.");
        if (train.Classes.Count != Options.NumClasses)
        {
            throw new ArgumentException($"The dataset has {train.Classes.Count} classes but the run was set up for {Options.NumClasses}.");
        }
        var needs = objective.TeacherNeeds;
        if (needs != TeacherOutputKinds.None && teacher is null)
        {
            throw new ArgumentException($"The '{objective.Name}' objective needs a teacher signal; only a β = 0 baseline trains without one.", nameof(teacher));
        }
        if (teacher is not null && (teacher.Provides & needs) != needs)
        {
            throw new ArgumentException(
                $"The '{objective.Name}' objective needs the teacher's {needs}; this teacher signal provides {teacher.Provides}.", nameof(teacher));
        }

        var spec = Options.Training;
        var device = DeviceResolver.Resolve(Options.Device);
        var model = CreateModel();
        try
        {
            // Built on the CPU, placed before the optimiser sees the parameters.
            model.PlaceOn(device);
            objective.TrainableParts?.to(device);
            using var optimizer = new AdamOptimizer(TrainedParameters(model, objective), spec.LearningRate);
            var resumed = CheckpointState.Resume(callbacks, spec.Epochs, model, objective.TrainableParts, optimizer);
            var history = resumed?.History.ToList() ?? [];
            var settings = RunSettings.Current(device, model);
            if (resumed is not null) callbacks.Resumed(CheckpointState.Compare(resumed, settings));

            var step = new StepRunner(model, optimizer, objective, needs == TeacherOutputKinds.None ? null : teacher,
                spec.Augmentation is { } augmentation ? new Augmenter(augmentation, spec.Seed) : null, device);
            var stepsPerEpoch = EpochPlan.StepsPerEpoch(train.Count, spec.BatchSize);
            EvaluationResult? validation = null;
            for (var epoch = (resumed?.EpochsCompleted ?? 0) + 1; epoch <= spec.Epochs; epoch++)
            {
                model.train();
                objective.TrainableParts?.train();
                var currentEpoch = epoch;
                var losses = EpochLoop.Run(train, spec, device, epoch, callbacks, cancellationToken,
                    (index, indices, samples) => step.Prepare(indices, samples, currentEpoch, index),
                    (indices, batch, index) =>
                    {
                        optimizer.LearningRate = LearningRateSchedules.At(spec, currentEpoch, index, stepsPerEpoch);
                        return step.Run(indices, batch);
                    });
                validation = Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
                var result = new EpochResult(epoch, losses.Total, validation,
                    objective.ComponentNames.Select((name, i) => (name, losses.Components[i])).ToDictionary(c => c.name, c => c.Item2));
                history.Add(result);
                callbacks.EpochCompleted(result);
                callbacks.SaveCheckpoint(CheckpointState.Capture(epoch, model, objective.TrainableParts, optimizer, history, settings));
            }
            // A run resumed after its last epoch has nothing left to train but still reports its score.
            validation ??= Evaluator.Evaluate(model, val, Options.NumClasses, spec.BatchSize, device, cancellationToken);
            var native = spec.ScoreAtNativeResolution
                ? Evaluator.EvaluateAtNativeResolution(model, val, Options.NumClasses, cancellationToken)
                : null;
            return new TrainingOutcome(model, validation, native, history, resumed?.EpochsCompleted);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The untrained model: a function of the architecture and the seed only.</summary>
    internal UNet CreateModel() => TorchSeeding.CreateSeeded(Options.Training.Seed, () =>
        new UNet(numClasses: Options.NumClasses, baseChannels: Options.Model.BaseChannels, depth: Options.Model.Depth));

    private static IEnumerable<TorchSharp.Modules.Parameter> TrainedParameters(UNet model, ITrainingObjective objective) =>
        objective.TrainableParts is { } parts ? model.parameters().Concat(parts.parameters()) : model.parameters();

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
        UNet model, AdamOptimizer optimizer, ITrainingObjective objective, ITeacherSignal? teacher, Augmenter? augmenter, Device device)
    {
        /// <summary>
        /// Runs on a prefetch thread, ahead of the step: the batch with its augmentation (a pure function of epoch and
        /// step) and, for an objective that needs only probabilities, the teacher map of a cache, read, decoded, warped
        /// with it and logged, so on the CPU the training thread only copies them into tensors. On a GPU the compact
        /// entries cross to the device and are decoded there.
        /// </summary>
        public StepInput Prepare(int[] indices, SegmentationSample[] samples, int epoch, int step)
        {
            var batch = TrainingBatch.Prepare(samples, augmenter, epoch, step, device);
            try
            {
                var teacherMap = teacher is not null && objective.TeacherNeeds == TeacherOutputKinds.Probabilities && device.type == DeviceType.CPU
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
            var teacherOutputs = input.TeacherMap is { } prepared
                ? new TeacherOutputs(prepared.ToTensor(device))
                : teacher?.Outputs(indices, images, input.Batch.ThetaTensor(device), objective.TeacherNeeds);
            optimizer.ZeroGrad();
            var (logits, features) = objective.NeedsStudentFeatures ? model.ForwardWithFeatures(images) : (model.forward(images), null);
            var terms = objective.Compute(new ObjectiveInputs(logits, masks, features, teacherOutputs));
            var value = terms.Total.item<float>();
            // A non-finite loss must not reach the weights; the caller turns it into an error.
            if (!float.IsFinite(value)) return new StepLosses(value, []);
            terms.Total.backward();
            optimizer.Step();
            return new StepLosses(value, terms.Components.Select(c => (double)c.item<float>()).ToArray());
        }
    }
}
