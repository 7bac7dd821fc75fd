using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistillService.Core.Persistence.Configurations;

internal sealed class DatasetRecordConfiguration : IEntityTypeConfiguration<DatasetRecord>
{
    public void Configure(EntityTypeBuilder<DatasetRecord> builder)
    {
        builder.ToTable("datasets");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).HasMaxLength(128);
        builder.Property(d => d.Name).HasMaxLength(128);
        builder.Property(d => d.Format).HasMaxLength(32);
        builder.Property(d => d.Path).HasMaxLength(1024);
        builder.Property(d => d.Description).HasMaxLength(2000);
        // Rows from before background inspection were inspected at registration.
        builder.Property(d => d.Status).HasMaxLength(16).HasDefaultValue(DatasetStatuses.Ready);
    }
}
