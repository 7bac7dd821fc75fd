namespace DistillService.Api.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL server per test collection. Use it with
/// <c>[Collection(PostgresCollection.Name)]</c> and a constructor parameter of this type; give each
/// test class (or test) its own database via <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server =>
        _server ?? throw new InvalidOperationException("The PostgreSQL server has not been started.");

    public string ConnectionString => Server.ConnectionString;

    /// <summary>Creates a database with a unique name (prefix + random suffix) and returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string prefix = "test") =>
        Server.CreateDatabaseAsync($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)]);

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
