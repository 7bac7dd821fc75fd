using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace DistillService.Core.Persistence.Configurations;

internal sealed class ArtifactRecordConfiguration : IEntityTypeConfiguration<ArtifactRecord>
{
    public void Configure(EntityTypeBuilder<ArtifactRecord> builder)
    {
        builder.ToTable("artifacts");
        builder.HasKey(a => new { a.JobId, a.Name });
        builder.Property(a => a.Name).HasMaxLength(128);
        builder.Property(a => a.BlobKey).HasMaxLength(512);
        builder.Property(a => a.ContentType).HasMaxLength(128);
        builder.Property(a => a.Sha256).HasMaxLength(64);
        builder.HasOne<JobRecord>().WithMany().HasForeignKey(a => a.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
