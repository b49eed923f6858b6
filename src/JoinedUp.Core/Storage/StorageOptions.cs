namespace JoinedUp.Storage;

/// <summary>Which database holds the record.</summary>
public enum StorageProvider
{
    /// <summary>Embedded SQLite file in WAL mode: no server needed. The default.</summary>
    Sqlite = 0,

    /// <summary>PostgreSQL: the production store.</summary>
    Postgres = 1,
}

/// <summary>
/// Storage configuration, bound from the "Storage" section:
/// <c>Storage__Provider=Postgres</c> and <c>Storage__ConnectionString="Host=...;Database=...;Username=...;Password=..."</c>,
/// or for SQLite <c>Storage__SqlitePath=/var/lib/joinedup/joinedup.db</c> (default <c>data/joinedup.db</c>).
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public const string DefaultSqlitePath = "data/joinedup.db";

    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Full ADO.NET connection string. Required for PostgreSQL; for SQLite it overrides <see cref="SqlitePath"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Path of the SQLite database file, relative to the working directory unless absolute.</summary>
    public string SqlitePath { get; set; } = DefaultSqlitePath;

    /// <summary>Human description of the target without secrets, for messages and logs.</summary>
    public string Describe()
    {
        if (Provider == StorageProvider.Sqlite)
        {
            return $"SQLite database {SqliteFilePath()}";
        }
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        return $"PostgreSQL database '{builder.Database}' on {builder.Host}:{builder.Port}";
    }

    /// <summary>The SQLite file path in use (from the connection string when one is given).</summary>
    public string SqliteFilePath()
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(ConnectionString).DataSource;
        }
        return Path.GetFullPath(SqlitePath);
    }

    /// <summary>Checks the settings and says what to fix.</summary>
    public void Validate()
    {
        if (Provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new StorageConfigurationException(
                "Storage:Provider is Postgres but Storage:ConnectionString is empty. Set Storage__ConnectionString, " +
                "for example \"Host=localhost;Port=5432;Database=joinedup;Username=joinedup;Password=...\".");
        }
        if (Provider == StorageProvider.Postgres)
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
            }
            catch (ArgumentException ex)
            {
                throw new StorageConfigurationException($"Storage:ConnectionString is not a valid PostgreSQL connection string: {ex.Message}", ex);
            }
        }
    }
}

/// <summary>The storage settings are wrong; the message says which and how to fix them.</summary>
public sealed class StorageConfigurationException : Exception
{
    public StorageConfigurationException(string message) : base(message) { }

    public StorageConfigurationException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The database could not be reached or opened; the message names it (never its password) and says what to check.</summary>
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException(string message, Exception inner) : base(message, inner) { }
}
