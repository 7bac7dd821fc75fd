using System.ComponentModel.DataAnnotations;

namespace DistillService.Core.Configuration;

/// <summary>Section "Worker": how jobs are executed.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>The API also runs a Hangfire server (the embedded default: one process is the whole system).</summary>
    public bool InProcess { get; set; } = true;

    /// <summary>Comma-separated queues to consume; empty means "gpu,cpu" where CUDA is available, else "cpu".</summary>
    public string? Queues { get; set; }

    /// <summary>Overrides the device of jobs that ask for "auto".</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Jobs run at once by one server. Each training job uses all torch threads, so 1.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 1;

    /// <summary>
    /// How long a fetched job stays invisible to other servers without a heartbeat (PostgreSQL
    /// storage, sliding): after a worker dies its job is picked up again after about this long.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a queue lock (PostgreSQL storage) lives when its holder dies. Hangfire takes one per job for every state
    /// change, for milliseconds; a worker killed while holding it would otherwise block that job for the storage's
    /// default of 10 minutes (the soak benchmark saw a job wait 9.8 minutes).
    /// </summary>
    public TimeSpan DistributedLockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often idle servers poll the queue.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longer than Hangfire's own so a job gets to stop at its next step before the host exits.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
