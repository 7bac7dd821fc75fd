using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistillService.Core.Persistence.Configurations;

internal sealed class EpochMetricRecordConfiguration : IEntityTypeConfiguration<EpochMetricRecord>
{
    public void Configure(EntityTypeBuilder<EpochMetricRecord> builder)
    {
        builder.ToTable("epoch_metrics");
        builder.HasKey(m => new { m.JobId, m.Epoch, m.Split });
        builder.Property(m => m.Split).HasMaxLength(16);
        builder.HasOne<JobRecord>().WithMany().HasForeignKey(m => m.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
