using DistillService.Core.Persistence;
using DistillService.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace DistillService.Core.Jobs;

/// <summary>Makes the <see cref="JobTrainingCallbacks"/> that connect one job's trainer to its records.</summary>
public sealed class JobTrainingCallbacksFactory(
    IDbContextFactory<DistillDbContext> dbFactory, IBlobStore blobs, ILogger<JobTrainingCallbacks> logger)
{
    public JobTrainingCallbacks For(Guid jobId, int batchSize) => new(jobId, batchSize, dbFactory, blobs, logger);
}
