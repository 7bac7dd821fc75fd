using Npgsql;

namespace DistillService.Api.Tests.Infrastructure;

[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresFixture fixture)
{
    [Fact]
    public async Task Server_answers_select_version()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select version()", connection);

        var version = (string?)await command.ExecuteScalarAsync();

        Assert.NotNull(version);
        Assert.StartsWith("PostgreSQL", version);
    }

    [Fact]
    public async Task Created_database_is_reachable_and_writable()
    {
        var connectionString = await fixture.CreateDatabaseAsync("pgserver");

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("create table t (id int primary key); insert into t values (42);", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using var query = new NpgsqlCommand("select current_database(), (select id from t)", connection);
        await using var reader = await query.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(new NpgsqlConnectionStringBuilder(connectionString).Database, reader.GetString(0));
        Assert.Equal(42, reader.GetInt32(1));
    }

    [Fact]
    public async Task Created_databases_are_independent()
    {
        var first = await fixture.CreateDatabaseAsync();
        var second = await fixture.CreateDatabaseAsync();

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        await using var connection = new NpgsqlConnection(second);
        await connection.OpenAsync();
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }

    [Fact]
    public async Task Invalid_database_name_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Server.CreateDatabaseAsync("bad\"name"));
    }

    [Fact]
    public async Task Server_restarts_on_the_same_port_and_keeps_data()
    {
        // Own server: a restart would disturb the other tests sharing the collection fixture.
        await using var server = await PostgresServer.StartAsync();
        var connectionString = await server.CreateDatabaseAsync("restart_check");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("create table t (v text); insert into t values ('kept');", connection);
            await create.ExecuteNonQueryAsync();
        }

        var port = server.Port;
        await server.RestartAsync("immediate");

        Assert.Equal(port, server.Port);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var query = new NpgsqlCommand("select v from t", connection);
            Assert.Equal("kept", (string?)await query.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task Dispose_stops_the_server_and_deletes_its_folder()
    {
        var server = await PostgresServer.StartAsync();
        var root = server.RootDirectory;
        Assert.True(Directory.Exists(root));

        await server.DisposeAsync();

        Assert.False(Directory.Exists(root));
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Timeout=3");
        await Assert.ThrowsAnyAsync<Exception>(() => connection.OpenAsync());
    }
}
