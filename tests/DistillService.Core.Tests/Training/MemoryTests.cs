using DistillService.Core.Models;
using DistillService.Core.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using DistillService.Core.Specs;

namespace DistillService.Core.Tests.Training;

public sealed class MemoryTests(ITestOutputHelper output)
{
    private const double MiB = 1024 * 1024;

    static MemoryTests() => TorchTestSetup.Ensure();

    [Fact]
    public void TrainingStepsLeaveNoLiveTensorsBehind()
    {
        var statistics = DisposeScopeManager.Statistics;
        // TorchSharp's biased convolutions leave one tensor in the count per module when built and
        // disposed, and a Parameter built from a tensor one more (an emptied wrapper): their own bookkeeping,
        // not ours. Measure that for this architecture as the trainer builds it (channels-last on the CPU) first.
        statistics.Reset();
        using (var model = new UNet(numClasses: TinyRuns.NumClasses, baseChannels: 4, depth: 2)) model.UseChannelsLast();
        var constructionResidue = statistics.ThreadTotalLiveCount;
        statistics.Reset();
        var liveAfterStep = new List<long>();
        var callbacks = new RecordingCallbacks(onProgress: _ => liveAfterStep.Add(statistics.ThreadTotalLiveCount));
        var trainer = new TeacherRun(TinyRuns.Options(epochs: 1, batchSize: 2, baseChannels: 4, depth: 2, size: 16));

        trainer.Train(TinyRuns.Shapes("train", 48, size: 16), TinyRuns.Shapes("val", 4, size: 16), callbacks, CancellationToken.None).Dispose();

        output.WriteLine($"live tensors after steps 1, 5, 24: {liveAfterStep[0]}, {liveAfterStep[4]}, {liveAfterStep[^1]}; "
            + $"after the run: {statistics.ThreadTotalLiveCount} (construction residue {constructionResidue})");
        Assert.Equal(24, liveAfterStep.Count);
        // Steps 5 to 24 add nothing: everything a step creates dies with its dispose scope.
        Assert.Equal(liveAfterStep[4], liveAfterStep[^1]);
        // And once the run is over, model, optimiser state and checkpoints are gone too.
        Assert.Equal(constructionResidue, statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void ResidentMemoryStaysFlatOverHundredsOfSteps()
    {
        if (ProcessMemory.ResidentBytes() is null) return; // Linux only.
        var samples = new Dictionary<int, long>();
        int[] checkpoints = [50, 100, 400, 500];
        var callbacks = new RecordingCallbacks(onProgress: p =>
        {
            if (checkpoints.Contains(p.Step)) samples[p.Step] = ProcessMemory.ResidentBytes()!.Value;
        });
        var trainer = new TeacherRun(TinyRuns.Options(epochs: 1, batchSize: 4, baseChannels: 4, depth: 2, size: 32));

        trainer.Train(TinyRuns.Shapes("train", 2000), TinyRuns.Shapes("val", 8), callbacks, CancellationToken.None);

        output.WriteLine(string.Join(", ", checkpoints.Select(step => $"RSS at step {step}: {samples[step] / MiB:F1} MiB")));
        var growth = (samples[400] - samples[100]) / MiB;
        output.WriteLine($"growth from step 100 to 400: {growth:F1} MiB");
        Assert.True(growth < 50, $"RSS grew {growth:F1} MiB between steps 100 and 400");
    }

    [Fact]
    public void TrainingSurvivesGarbageCollectionsTriggeredByOtherThreads()
    {
        // Stock TorchSharp BatchNorm/Adam crash here within a few hundred steps ("Unknown scalar type"):
        // a GC on another thread finalises temporary Scalars mid-call. See TorchScalars.
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                // Still collections back to back, but the managed part of a step (its batch is prepared on the
                // training thread when torch takes every core) is not suspended all the time.
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        collector.Start();
        try
        {
            var trainer = new TeacherRun(TinyRuns.Options(epochs: 1, batchSize: 2, baseChannels: 2, depth: 1, size: 8,
                augmentation: new AugmentationSpec()));
            // 600 steps: the stock crash came within a few hundred.
            var outcome = trainer.Train(TinyRuns.Shapes("train", 1200, size: 8), TinyRuns.Shapes("val", 64, size: 8),
                new RecordingCallbacks(), CancellationToken.None);

            Assert.True(double.IsFinite(outcome.FinalValidation.Loss));
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }
}
