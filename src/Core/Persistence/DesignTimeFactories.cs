using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace DistillService.Core.Persistence;

// Used only by `dotnet ef migrations add`; the running service configures contexts from options.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteDistillDbContext>
{
    public SqliteDistillDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteDistillDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresDistillDbContext>
{
    public PostgresDistillDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresDistillDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
