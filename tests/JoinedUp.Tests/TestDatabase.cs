using JoinedUp.Storage;
using Npgsql;

namespace JoinedUp.Tests;

/// <summary>
/// A clean database of its own for one test, on SQLite (a temp file) or PostgreSQL (a new database on the server
/// named by JOINEDUP_TEST_POSTGRES, which the test command starts). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "JOINEDUP_TEST_POSTGRES";

    public StorageOptions Options { get; }

    private readonly string? _pgName;
    private readonly string? _sqlitePath;

    private TestDatabase(StorageOptions options, string? pgName, string? sqlitePath)
    {
        Options = options;
        _pgName = pgName;
        _sqlitePath = sqlitePath;
    }

    public static async Task<TestDatabase> CreateAsync(StorageProvider provider)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var path = Path.Combine(Path.GetTempPath(), "joinedup-tests", $"{Guid.NewGuid():N}.db");
            return new TestDatabase(new StorageOptions { SqlitePath = path }, null, path);
        }
        var admin = AdminConnectionString();
        var name = $"ju_test_{Guid.NewGuid():N}";
        await using (var conn = new NpgsqlConnection(admin))
        {
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
#pragma warning disable CA2100 // generated name, not input
            cmd.CommandText = $"CREATE DATABASE {name}";
#pragma warning restore CA2100
            await cmd.ExecuteNonQueryAsync();
        }
        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
        return new TestDatabase(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = cs }, name, null);
    }

    /// <summary>The server the test command started. Storage tests must run on PostgreSQL too, so its absence is a failure, not a skip.</summary>
    public static string AdminConnectionString() =>
        System.Environment.GetEnvironmentVariable(PostgresVariable)
        ?? throw new InvalidOperationException(
            $"{PostgresVariable} is not set. Run the tests with ./scripts/test.sh, which starts a throwaway PostgreSQL and sets it.");

    /// <summary>Environment variables that point the app or CLI at this database.</summary>
    public IDictionary<string, string?> EnvironmentVariables() => new Dictionary<string, string?>
    {
        ["Storage__Provider"] = Options.Provider.ToString(),
        ["Storage__ConnectionString"] = Options.ConnectionString,
        ["Storage__SqlitePath"] = Options.SqlitePath,
    };

    public async ValueTask DisposeAsync()
    {
        if (_sqlitePath is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                try { File.Delete(_sqlitePath + suffix); } catch (IOException) { }
            }
        }
        if (_pgName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(AdminConnectionString());
            await conn.OpenAsync();
            await using var cmd = conn.CreateCommand();
#pragma warning disable CA2100
            cmd.CommandText = $"DROP DATABASE IF EXISTS {_pgName} WITH (FORCE)";
#pragma warning restore CA2100
            await cmd.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>Both providers, for [Theory] storage tests.</summary>
public sealed class Providers : TheoryData<StorageProvider>
{
    public Providers()
    {
        Add(StorageProvider.Sqlite);
        Add(StorageProvider.Postgres);
    }
}
