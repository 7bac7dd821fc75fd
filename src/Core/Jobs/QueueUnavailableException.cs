namespace DistillService.Core.Jobs;

/// <summary>The job queue's storage refused a submission; the submission was undone and can be sent again.</summary>
public sealed class QueueUnavailableException(Exception inner)
    : Exception("The job queue is unavailable; nothing was submitted. Try again shortly.", inner);
