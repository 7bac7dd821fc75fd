using DistillService.Core.Persistence;

namespace DistillService.Api.Contracts;

public sealed record ArtifactResponse(string Name, long Bytes, string Sha256, string ContentType, DateTime CreatedAt, string Url);

public static class ArtifactMapping
{
    public static ArtifactResponse ToResponse(this ArtifactRecord row) => new(
        row.Name, row.Bytes, row.Sha256, row.ContentType, DateTime.SpecifyKind(row.CreatedAt, DateTimeKind.Utc),
        $"/api/jobs/{row.JobId}/artifacts/{Uri.EscapeDataString(row.Name)}");
}
