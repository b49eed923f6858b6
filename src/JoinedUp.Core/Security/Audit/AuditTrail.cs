using System.Data.Common;
using System.Threading.Channels;
using JoinedUp.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace JoinedUp.Security.Audit;

/// <summary>
/// Writes audit events to the hash-chained audit table with group commit: each request waits until its event is
/// stored (nothing is disclosed before it is audited, and a failed audit write fails the request), but concurrent
/// requests share one transaction, so auditing does not serialise them. One writer per process; on PostgreSQL an
/// advisory lock keeps the chain in order when several processes write.
/// </summary>
public sealed partial class AuditTrail : IAsyncDisposable
{
    private const int MaxBatch = 512;

    private readonly StorageOptions _storage;
    private readonly ILogger<AuditTrail> _log;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(20_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly Task _loop;
    private DbConnection? _connection;
    private long _batches;
    private long _events;

    /// <summary>Transactions committed so far; with <see cref="EventsWritten"/> it shows how many requests share each commit.</summary>
    public long BatchesWritten => Interlocked.Read(ref _batches);

    public long EventsWritten => Interlocked.Read(ref _events);

    private readonly byte[]? _key;

    /// <summary>A writer for the configured database; with <paramref name="key"/> (see <see cref="AuditChain.ParseKey"/>) every row is written keyed.</summary>
    public AuditTrail(StorageOptions storage, ILogger<AuditTrail> log, byte[]? key = null)
    {
        _storage = storage;
        _log = log;
        _key = key;
        _loop = Task.Run(RunAsync);
    }

    private sealed record Pending(AuditEvent Event, TaskCompletionSource Done);

    /// <summary>Stores the event; completes when it is committed, and throws if it could not be.</summary>
    public async Task RecordAsync(AuditEvent auditEvent, CancellationToken ct)
    {
        var pending = new Pending(auditEvent, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct).ConfigureAwait(false);
        await pending.Done.Task.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
            if (await TryWriteAsync(batch).ConfigureAwait(false)) continue;
            // One bad event must not fail the others that shared its commit: retry them one by one.
            foreach (var single in batch) await TryWriteAsync([single]).ConfigureAwait(false);
        }
    }

    private async Task<bool> TryWriteAsync(List<Pending> batch)
    {
        try
        {
            await WriteAsync(batch).ConfigureAwait(false);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _events, batch.Count);
            foreach (var p in batch) p.Done.TrySetResult();
            return true;
        }
        catch (Exception ex)
        {
            LogWriteFailed(_log, ex, batch.Count);
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
            }
            if (batch.Count == 1) batch[0].Done.TrySetException(new AuditUnavailableException("The audit trail could not be written, so the request was refused.", ex));
            return false;
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        var gate = SqliteWriteGate.For(_storage);
        if (gate is not null) await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            await WriteGatedAsync(batch).ConfigureAwait(false);
        }
        finally
        {
            gate?.Release();
        }
    }

    private async Task WriteGatedAsync(List<Pending> batch)
    {
        _connection ??= await JoinedUpStorage.OpenConnectionAsync(_storage, CancellationToken.None).ConfigureAwait(false);
        var connection = _connection;
        // SQLite: BEGIN IMMEDIATE takes the write lock at once, so reading the chain's head and appending are one step.
        DbTransaction tx = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (tx.ConfigureAwait(false))
        {
            string previous;
            await using (var head = connection.CreateCommand())
            {
                head.Transaction = tx;
                // On PostgreSQL the advisory lock (several app instances, one chain) and the head come back in one round trip.
                if (_storage.Provider == StorageProvider.Postgres) head.CommandText = PostgresHeadSql;
                else head.CommandText = SqliteHeadSql;
                await using var reader = await head.ExecuteReaderAsync().ConfigureAwait(false);
                if (_storage.Provider == StorageProvider.Postgres) await reader.NextResultAsync().ConfigureAwait(false);
                previous = await reader.ReadAsync().ConfigureAwait(false) ? reader.GetString(0) : AuditChain.Genesis;
            }
            var rows = new List<object?[]>(batch.Count);
            foreach (var item in batch)
            {
                var e = AuditEntryLimits.Fit(item.Event);
                var at = AuditChain.Normalise(e.At);
                var hash = AuditChain.Compute(_key, previous, at, e.UserId, e.UserName, e.Role, e.OrganisationCode, e.ClientId, e.PatientId, e.Action, e.Resource, e.Outcome, e.Basis, e.Detail);
                rows.Add([at, e.UserId, e.UserName, e.Role, e.OrganisationCode, e.ClientId, e.PatientId, e.Action, e.Resource, e.Outcome, e.Basis, e.Detail, previous, hash, _key is not null]);
                previous = hash;
            }
            if (connection is NpgsqlConnection npgsql)
            {
                // One round trip for the whole batch.
                await using var insert = new NpgsqlBatch(npgsql, (NpgsqlTransaction)tx);
                foreach (var row in rows)
                {
                    var command = new NpgsqlBatchCommand(InsertSql);
                    for (var i = 0; i < Columns.Length; i++) command.Parameters.Add(new NpgsqlParameter("@" + Columns[i], row[i] ?? DBNull.Value));
                    insert.BatchCommands.Add(command);
                }
                await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            else
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = tx;
                insert.CommandText = InsertSql;
                var parameters = Columns.Select(n =>
                {
                    var p = insert.CreateParameter();
                    p.ParameterName = "@" + n;
                    insert.Parameters.Add(p);
                    return p;
                }).ToArray();
                foreach (var row in rows)
                {
                    for (var i = 0; i < row.Length; i++) parameters[i].Value = row[i] ?? DBNull.Value;
                    await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
            await tx.CommitAsync().ConfigureAwait(false);
        }
    }

    private const string SqliteHeadSql = "SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1";

    private const string PostgresHeadSql = "SELECT pg_advisory_xact_lock(7301001); SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1";

    private static readonly string[] Columns =
        ["at", "user_id", "user_name", "role", "organisation_code", "client_id", "patient_id", "action", "resource", "outcome", "basis", "detail", "previous_hash", "hash", "keyed"];

    private const string InsertSql = """
        INSERT INTO audit_entry (at, user_id, user_name, role, organisation_code, client_id, patient_id, action, resource, outcome, basis, detail, previous_hash, hash, keyed)
        VALUES (@at, @user_id, @user_name, @role, @organisation_code, @client_id, @patient_id, @action, @resource, @outcome, @basis, @detail, @previous_hash, @hash, @keyed)
        """;

    /// <summary>Stops taking events and waits for the queued ones to be written.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit write failed for {Count} event(s); the requests were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, int count);
}

/// <summary>Column sizes of audit_entry: text from callers (paths, reasons) is cut to fit, so no event can fail a shared commit.</summary>
public static class AuditEntryLimits
{
    public static AuditEvent Fit(AuditEvent e) => e with
    {
        UserId = Cut(e.UserId, 64),
        UserName = Cut(e.UserName, 200),
        Role = Cut(e.Role, 32),
        OrganisationCode = Cut(e.OrganisationCode, 16),
        ClientId = Cut(e.ClientId, 100),
        Action = Cut(e.Action, 64)!,
        Resource = Cut(e.Resource, 300)!,
        Outcome = Cut(e.Outcome, 32)!,
        Basis = Cut(e.Basis, 1200),
        Detail = Cut(e.Detail, 1000),
    };

    private static string? Cut(string? value, int max) => value is null || value.Length <= max ? value : value[..(max - 1)] + "…";
}

/// <summary>The audit trail could not be written; the request that needed it must not go ahead.</summary>
public sealed class AuditUnavailableException(string message, Exception inner) : Exception(message, inner);
