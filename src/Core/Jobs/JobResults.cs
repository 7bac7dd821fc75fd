namespace DistillService.Core.Jobs;

/// <summary>The result of a training job (teacher or student), stored with the job.</summary>
public sealed record ModelResult(long ParameterCount, long WeightsBytes, double ValMeanIoU, double ValPixelAccuracy);
