using JoinedUp.Storage;

namespace JoinedUp.Bench;

/// <summary>Fresh, empty databases for a benchmark phase.</summary>
internal static class Bench
{
    /// <summary>A new SQLite file (TARGET+suffix) or a new PostgreSQL database (named after TARGET's database + suffix).</summary>
    public static async Task<StorageOptions> FreshAsync(StorageProvider provider, string target, string suffix)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var path = target + suffix;
            foreach (var s in new[] { "", "-wal", "-shm" }) File.Delete(path + s);
            return new StorageOptions { SqlitePath = path };
        }
        var b = new Npgsql.NpgsqlConnectionStringBuilder(target);
        var db = (b.Database ?? "joinedup_bench") + suffix.Replace("-", "_", StringComparison.Ordinal);
        await using (var admin = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(target) { Database = "postgres" }.ToString()))
        {
            await admin.OpenAsync();
            await using var cmd = admin.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {db} WITH (FORCE)";
            await cmd.ExecuteNonQueryAsync();
            cmd.CommandText = $"CREATE DATABASE {db}";
            await cmd.ExecuteNonQueryAsync();
        }
        b.Database = db;
        return new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = b.ToString() };
    }
}
