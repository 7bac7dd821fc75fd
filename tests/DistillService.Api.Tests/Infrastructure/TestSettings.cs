namespace DistillService.Api.Tests.Infrastructure;

public static class TestSettings
{
    /// <summary>Small synthetic splits and fast queue polling, so a real job takes seconds.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Common = new Dictionary<string, string?>
    {
        ["Datasets:SyntheticTrainCount"] = "64",
        ["Datasets:SyntheticValCount"] = "32",
        ["Worker:QueuePollInterval"] = "00:00:00.200",
        ["Worker:Queues"] = "gpu,cpu",
        ["Torch:Threads"] = "2",
        // Tests submit far more than a user would; RateLimitTests sets its own small limits.
        ["RateLimits:SubmissionsPerMinute"] = "100000",
        ["RateLimits:UploadsPerHour"] = "100000",
    };

    /// <summary>
    /// Epochs long enough to act on a job while it runs: on a fast machine, several seconds remain after the first
    /// progress row of epoch 2 (progress rows are written once a second) for a shutdown or a cancel to land.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> LongerEpochs = new Dictionary<string, string?>
    {
        ["Datasets:SyntheticTrainCount"] = "512",
        ["Torch:Threads"] = "1",
    };

    /// <summary>A teacher job that trains for real in a few seconds on 2 cores.</summary>
    public static object TinyTeacherJob(int epochs = 2) => new
    {
        datasetId = "synthetic-shapes",
        model = new { baseChannels = 4, depth = 2 },
        training = new { epochs, batchSize = 16, learningRate = 0.01, imageSize = 32, seed = 7 },
        device = "cpu",
    };
}
