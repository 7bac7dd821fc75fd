using DistillService.Core.Data;
using DistillService.Core.Models;
using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using DistillService.Core.Torch;
using Microsoft.EntityFrameworkCore;
using DistillService.Core.Specs;

namespace DistillService.Core.Jobs;

/// <summary>A trained model loaded from a finished job, with what it was trained on.</summary>
public sealed class LoadedModel(Guid jobId, UNet model, ModelSpec spec, TrainingSpec training, string datasetId) : IDisposable
{
    public Guid JobId { get; } = jobId;
    public UNet Model { get; } = model;
    public ModelSpec Spec { get; } = spec;
    public TrainingSpec Training { get; } = training;
    public ImageSize ImageSize => Training.ImageSize;
    public int NumClasses => Model.NumClasses;
    public string DatasetId { get; } = datasetId;

    public void Dispose() => Model.Dispose();
}

/// <summary>The part every model-producing job's spec shares (teacher and distill specs both have these fields).</summary>
internal sealed record TrainedModelSpec(ModelSpec Model, TrainingSpec Training);

/// <summary>Loads the weights a teacher or distillation job produced, for caching, online teaching and reports.</summary>
public sealed class TrainedModelLoader(
    IDbContextFactory<DistillDbContext> dbFactory, IBlobStore blobs, DatasetCatalog datasets)
{
    public LoadedModel Load(Guid jobId, string device)
    {
        using var db = dbFactory.CreateDbContext();
        var job = db.Jobs.AsNoTracking().FirstOrDefault(j => j.Id == jobId)
            ?? throw new ArgumentException($"Job {jobId} does not exist.");
        var weights = blobs.TryReadAllBytes(BlobKeys.Artifact(jobId, ArtifactNames.Weights))
            ?? throw new InvalidDataException($"Job {jobId} ({job.Kind}) has no weights artifact.");
        var (model, training) = JobRecords.Spec<TrainedModelSpec>(job);
        var numClasses = datasets.NumClasses(job.DatasetId);
        var unet = ModelIO.LoadUNet(weights, model, numClasses);
        unet.eval();
        unet.PlaceOn(DeviceResolver.Resolve(device));
        return new LoadedModel(jobId, unet, model, training, job.DatasetId);
    }

}
