namespace DistillService.Core.Persistence;

public static class JobKinds
{
    public const string Teacher = "teacher";
    /// <summary>A teacher trained elsewhere, uploaded as safetensors (POST /api/models/import).</summary>
    public const string ImportedTeacher = "teacher-import";
    public const string Cache = "cache";
    public const string Distill = "distill";
    /// <summary>The last step of a pipeline: compares teacher, student and baseline.</summary>
    public const string Report = "report";

    /// <summary>The kinds a cache, a distill job or a pipeline takes as its teacher.</summary>
    public static readonly IReadOnlyList<string> Teachers = [Teacher, ImportedTeacher];
}

/// <summary>What a job is for inside a pipeline.</summary>
public static class PipelineRoles
{
    public const string Teacher = "teacher";
    /// <summary>A teacher trained elsewhere, uploaded as safetensors (POST /api/models/import).</summary>
    public const string ImportedTeacher = "teacher-import";
    public const string Cache = "cache";
    public const string Student = "student";
    public const string Baseline = "baseline";
    public const string Report = "report";
}

public static class JobStatuses
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled;
}

/// <summary>A submitted job: its specification, where it is and how far it got.</summary>
public sealed class JobRecord
{
    public Guid Id { get; set; }
    public required string Kind { get; set; }
    public required string Status { get; set; }
    public required string DatasetId { get; set; }
    /// <summary>The request as submitted, normalised, in JSON.</summary>
    public required string SpecJson { get; set; }
    public required string Device { get; set; }
    public required string Queue { get; set; }
    public string? HangfireJobId { get; set; }

    /// <summary>The job whose output this one consumes (a cache's teacher, a student's cache or teacher).</summary>
    public Guid? UpstreamJobId { get; set; }
    public Guid? PipelineId { get; set; }
    public string? PipelineRole { get; set; }

    /// <summary>Kind-specific outcome in JSON (parameter count, cache fidelity, …), set when the job succeeds.</summary>
    public string? ResultJson { get; set; }

    public double ProgressPercent { get; set; }
    public int Epoch { get; set; }
    public int Epochs { get; set; }
    public int Step { get; set; }
    public int Steps { get; set; }
    public double? ImagesPerSecond { get; set; }
    public double? EtaSeconds { get; set; }
    public double? Loss { get; set; }

    /// <summary>How many times execution started (Hangfire retries and crash recoveries included).</summary>
    public int Attempts { get; set; }
    public int? ResumedFromEpoch { get; set; }

    /// <summary>
    /// After a resume: true when the run continued under the settings its checkpoint records (bit-exact with an
    /// uninterrupted run), false when not; null when it never resumed.
    /// </summary>
    public bool? ResumeExact { get; set; }

    /// <summary>Why a resume was not exact, or what else happened (a damaged checkpoint skipped); null when nothing.</summary>
    public string? ResumeNote { get; set; }

    /// <summary>Set by POST /cancel; the running job sees it within a second and stops at its next step.</summary>
    public bool CancelRequested { get; set; }

    /// <summary>The job server (host:pid) that last started it.</summary>
    public string? Worker { get; set; }
    public string? Error { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
}
