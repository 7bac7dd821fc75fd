using DistillService.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace DistillService.Core.Tests.Support;

/// <summary>A migrated SQLite database in a temporary file, with a blob store beside it; both removed on dispose.</summary>
internal sealed class SqliteTestDatabase : IDbContextFactory<DistillDbContext>, IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("distill-core-test-").FullName;
    private readonly DbContextOptions<SqliteDistillDbContext> options;

    public SqliteTestDatabase()
    {
        options = new DbContextOptionsBuilder<SqliteDistillDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "records.db")};Pooling=False").Options;
        using var db = CreateDbContext();
        db.Database.Migrate();
    }

    public string BlobRoot => Path.Combine(folder, "blobs");

    public DistillDbContext CreateDbContext() => new SqliteDistillDbContext(options);

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
