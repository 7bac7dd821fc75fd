namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL server per test collection. Use it with
/// <c>[Collection(PostgresCollection.Name)]</c> and a constructor parameter of this type; give each
/// test class (or test) its own database via <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? server;

    public PostgresServer Server =>
        server ?? throw new InvalidOperationException("The PostgreSQL server has not been started.");

    public string ConnectionString => Server.ConnectionString;

    /// <summary>Creates a database with a unique name (prefix + random suffix) and returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string prefix = "test") =>
        Server.CreateDatabaseAsync($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)]);

    public async Task InitializeAsync() => server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
