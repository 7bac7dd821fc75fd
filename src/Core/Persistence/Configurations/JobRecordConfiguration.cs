using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistillService.Core.Persistence.Configurations;

internal sealed class JobRecordConfiguration : IEntityTypeConfiguration<JobRecord>
{
    public void Configure(EntityTypeBuilder<JobRecord> builder)
    {
        builder.ToTable("jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Kind).HasMaxLength(16);
        builder.Property(j => j.Status).HasMaxLength(16);
        builder.Property(j => j.DatasetId).HasMaxLength(128);
        builder.Property(j => j.Device).HasMaxLength(32);
        builder.Property(j => j.Queue).HasMaxLength(32);
        builder.Property(j => j.HangfireJobId).HasMaxLength(64);
        builder.Property(j => j.Error).HasMaxLength(4000);
        builder.HasIndex(j => j.CreatedAt);
        builder.Property(j => j.PipelineRole).HasMaxLength(16);
        builder.Property(j => j.Worker).HasMaxLength(256);
        builder.HasIndex(j => j.Status);
        builder.HasIndex(j => j.PipelineId);
    }
}
