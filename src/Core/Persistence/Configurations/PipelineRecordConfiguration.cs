using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistillService.Core.Persistence.Configurations;

internal sealed class PipelineRecordConfiguration : IEntityTypeConfiguration<PipelineRecord>
{
    public void Configure(EntityTypeBuilder<PipelineRecord> builder)
    {
        builder.ToTable("pipelines");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.DatasetId).HasMaxLength(128);
        builder.Property(p => p.Error).HasMaxLength(4000);
        builder.HasIndex(p => p.CreatedAt);
    }
}
