using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace JoinedUp.Storage;

/// <summary>Builds contexts and connections for the configured provider, and turns low-level failures into messages a person can act on.</summary>
public static class JoinedUpStorage
{
    /// <summary>Registers <see cref="JoinedUpDbContext"/> (scoped) for the configured provider.</summary>
    public static IServiceCollection AddJoinedUpStorage(this IServiceCollection services, StorageOptions options)
    {
        options.Validate();
        services.AddSingleton(options);
        services.AddScoped<JoinedUpDbContext>(_ => CreateContext(options));
        services.AddScoped<DatabaseMigrator>();
        return services;
    }

    // Built options per StorageOptions instance: building them (connection string, folder check, provider setup) on
    // every request cost more than the query itself on a warm read (measured with the load benchmark, issue 4).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StorageOptions, DbContextOptions> Built = new();

    /// <summary>A new context on the configured database. The caller disposes it.</summary>
    public static JoinedUpDbContext CreateContext(StorageOptions options)
    {
        var built = Built.GetValue(options, Build);
        return options.Provider == StorageProvider.Postgres
            ? new PostgresJoinedUpDbContext((DbContextOptions<PostgresJoinedUpDbContext>)built)
            : new SqliteJoinedUpDbContext((DbContextOptions<SqliteJoinedUpDbContext>)built);
    }

    private static DbContextOptions Build(StorageOptions options)
    {
        options.Validate();
        if (options.Provider == StorageProvider.Postgres)
        {
            return new DbContextOptionsBuilder<PostgresJoinedUpDbContext>()
                .UseNpgsql(options.ConnectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history")).Options;
        }
        return new DbContextOptionsBuilder<SqliteJoinedUpDbContext>()
            .UseSqlite(SqliteConnectionString(options), s => s.MigrationsHistoryTable("__ef_migrations_history"))
            .AddInterceptors(SqlitePragmas.Instance).Options;
    }

    /// <summary>A context on an already open connection (so EF work can share a transaction with bulk writes).</summary>
    public static JoinedUpDbContext CreateContext(StorageOptions options, DbConnection connection)
    {
        if (options.Provider == StorageProvider.Postgres)
        {
            return new PostgresJoinedUpDbContext(new DbContextOptionsBuilder<PostgresJoinedUpDbContext>()
                .UseNpgsql(connection, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history")).Options);
        }
        return new SqliteJoinedUpDbContext(new DbContextOptionsBuilder<SqliteJoinedUpDbContext>()
            .UseSqlite(connection, s => s.MigrationsHistoryTable("__ef_migrations_history")).Options);
    }

    /// <summary>The SQLite connection string, creating the folder for the file if needed.</summary>
    public static string SqliteConnectionString(StorageOptions options)
    {
        var builder = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(options.SqlitePath) }
            : new SqliteConnectionStringBuilder(options.ConnectionString);
        builder.Pooling = true;
        builder.DefaultTimeout = 60;
        var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(folder) && builder.DataSource != ":memory:")
        {
            System.IO.Directory.CreateDirectory(folder);
        }
        return builder.ToString();
    }

    /// <summary>An open ADO.NET connection for bulk work that bypasses EF (the generator, benchmarks).</summary>
    public static async Task<DbConnection> OpenConnectionAsync(StorageOptions options, CancellationToken ct)
    {
        options.Validate();
        DbConnection connection = options.Provider == StorageProvider.Postgres
            ? new NpgsqlConnection(options.ConnectionString)
            : new SqliteConnection(SqliteConnectionString(options));
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            if (connection is SqliteConnection)
            {
                await SqlitePragmas.ApplyAsync(connection, ct).ConfigureAwait(false);
            }
            return connection;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Unavailable(options, ex);
        }
    }

    /// <summary>True for the failures that mean "the database is not there or will not let us in", as opposed to a bug.</summary>
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        PostgresException { SqlState: "28P01" or "28000" or "3D000" or "57P03" } => true,
        PostgresException => false,
        NpgsqlException => true,
        SocketException => true,
        SqliteException { SqliteErrorCode: 14 or 26 or 8 or 23 } => true, // cannot open, not a database, read-only, no auth
        InvalidOperationException { InnerException: { } inner } => IsUnavailable(inner),
        _ => false,
    };

    /// <summary>Wraps a connection failure in a message that names the database and says what to check.</summary>
    public static StorageUnavailableException Unavailable(StorageOptions options, Exception ex)
    {
        var root = ex;
        while (root.InnerException is not null && root is not PostgresException && root is not SqliteException) root = root.InnerException;
        var advice = options.Provider == StorageProvider.Postgres
            ? "Check that the server is running and that Storage__ConnectionString has the right host, port, database, user and password."
            : "Check that the file exists or its folder is writable, and that it is a JoinedUp SQLite database.";
        return new StorageUnavailableException($"Cannot use the {options.Describe()}: {root.Message.TrimEnd('.')}. {advice}", ex);
    }
}

/// <summary>
/// Per-connection SQLite settings: WAL so readers never block the writer, NORMAL sync which is safe in WAL mode, and a busy timeout.
/// Pooled connections keep their settings, so they are applied once per physical connection, not on every open
/// (which would add a round trip to every query).
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> Configured = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (IsConfigured(connection)) return;
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Sql;
        cmd.ExecuteNonQuery();
        MarkConfigured(connection);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (IsConfigured(connection)) return;
        await ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
        MarkConfigured(connection);
    }

    private static bool IsConfigured(DbConnection connection) =>
        connection is SqliteConnection { Handle: { } handle } && Configured.TryGetValue(handle, out _);

    private static void MarkConfigured(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle }) Configured.AddOrUpdate(handle, Instance);
    }

    // busy_timeout: a writer that finds the write lock taken waits inside SQLite (sleeping a millisecond or a few at a
    // time) instead of returning BUSY to Microsoft.Data.Sqlite, whose own retry sleeps 150 ms between attempts: with
    // the audit trail and intake each committing every few milliseconds, those sleeps were most of intake's latency.
    private const string Sql = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;";

    public static async Task ApplyAsync(DbConnection connection, CancellationToken ct)
    {
        var cmd = connection.CreateCommand();
        await using (cmd.ConfigureAwait(false))
        {
            cmd.CommandText = Sql;
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// One async gate per SQLite file for this process's group-commit writers (the audit trail and referral intake).
/// SQLite has one writer at a time; two writers of the same process that take turns through this gate wait without
/// holding a thread, instead of one of them sleeping inside SQLite's busy handler on a thread-pool thread. Other
/// processes (the CLI) are still handled by the busy timeout.
/// </summary>
public static class SqliteWriteGate
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>The gate for this database, or null on PostgreSQL (which has row-level locks and needs none).</summary>
    public static SemaphoreSlim? For(StorageOptions options) =>
        options.Provider == StorageProvider.Sqlite ? Gates.GetOrAdd(Path.GetFullPath(options.SqlitePath), _ => new SemaphoreSlim(1, 1)) : null;
}
