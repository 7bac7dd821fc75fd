using DistillService.Api.Contracts;

namespace DistillService.Api.Events;

/// <summary>The event types of <c>GET /api/jobs/{id}/events</c>.</summary>
public static class JobEventTypes
{
    /// <summary>Data: the job (as <c>GET /api/jobs/{id}</c>), sent when it changed, at most once a second.</summary>
    public const string Progress = "progress";

    /// <summary>Data: <see cref="JobEpochEvent"/>, once per finished epoch; the event id is the epoch number.</summary>
    public const string Epoch = "epoch";

    /// <summary>Data: the job in its final status; the stream closes after it.</summary>
    public const string End = "end";
}

/// <summary>One finished epoch: its train row (loss, and for distillation CE and KD) and its val row (loss, mIoU, …).</summary>
public sealed record JobEpochEvent(int Epoch, MetricResponse? Train, MetricResponse? Val);
