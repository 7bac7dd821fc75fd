using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Persistence;

/// <summary>
/// Jobs, metrics, artifacts and datasets. Provider-specific subclasses exist only so that each
/// provider has its own migrations; the model is the same.
/// </summary>
public abstract class DistillDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<JobRecord> Jobs => Set<JobRecord>();
    public DbSet<EpochMetricRecord> EpochMetrics => Set<EpochMetricRecord>();
    public DbSet<ArtifactRecord> Artifacts => Set<ArtifactRecord>();
    public DbSet<DatasetRecord> Datasets => Set<DatasetRecord>();
    public DbSet<PipelineRecord> Pipelines => Set<PipelineRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(DistillDbContext).Assembly);
}

public sealed class SqliteDistillDbContext(DbContextOptions<SqliteDistillDbContext> options) : DistillDbContext(options);

public sealed class PostgresDistillDbContext(DbContextOptions<PostgresDistillDbContext> options) : DistillDbContext(options);
