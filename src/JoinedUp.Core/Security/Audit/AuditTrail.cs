using System.Data.Common;
using System.Threading.Channels;
using JoinedUp.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

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

    public AuditTrail(StorageOptions storage, ILogger<AuditTrail> log)
    {
        _storage = storage;
        _log = log;
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
            try
            {
                await WriteAsync(batch).ConfigureAwait(false);
                foreach (var p in batch) p.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                LogWriteFailed(_log, ex, batch.Count);
                if (_connection is not null)
                {
                    await _connection.DisposeAsync().ConfigureAwait(false);
                    _connection = null;
                }
                foreach (var p in batch) p.Done.TrySetException(new AuditUnavailableException("The audit trail could not be written, so the request was refused.", ex));
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        _connection ??= await JoinedUpStorage.OpenConnectionAsync(_storage, CancellationToken.None).ConfigureAwait(false);
        var connection = _connection;
        // SQLite: BEGIN IMMEDIATE takes the write lock at once, so reading the chain's head and appending are one step.
        DbTransaction tx = connection is SqliteConnection sqlite
            ? sqlite.BeginTransaction(deferred: false)
            : await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (tx.ConfigureAwait(false))
        {
            if (_storage.Provider == StorageProvider.Postgres)
            {
                await using var lockCmd = connection.CreateCommand();
                lockCmd.Transaction = tx;
                lockCmd.CommandText = "SELECT pg_advisory_xact_lock(7301001)";
                await lockCmd.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            string previous;
            await using (var head = connection.CreateCommand())
            {
                head.Transaction = tx;
                head.CommandText = "SELECT hash FROM audit_entry ORDER BY id DESC LIMIT 1";
                previous = await head.ExecuteScalarAsync().ConfigureAwait(false) as string ?? AuditChain.Genesis;
            }
            await using var insert = connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO audit_entry (at, user_id, user_name, role, organisation_code, client_id, patient_id, action, resource, outcome, basis, detail, previous_hash, hash)
                VALUES (@at, @user_id, @user_name, @role, @organisation_code, @client_id, @patient_id, @action, @resource, @outcome, @basis, @detail, @previous_hash, @hash)
                """;
            var names = new[] { "at", "user_id", "user_name", "role", "organisation_code", "client_id", "patient_id", "action", "resource", "outcome", "basis", "detail", "previous_hash", "hash" };
            var parameters = names.Select(n =>
            {
                var p = insert.CreateParameter();
                p.ParameterName = "@" + n;
                insert.Parameters.Add(p);
                return p;
            }).ToArray();
            foreach (var item in batch)
            {
                var e = item.Event;
                var at = AuditChain.Normalise(e.At);
                var hash = AuditChain.Compute(previous, at, e.UserId, e.UserName, e.Role, e.OrganisationCode, e.ClientId, e.PatientId, e.Action, e.Resource, e.Outcome, e.Basis, e.Detail);
                object?[] values = [at, e.UserId, e.UserName, e.Role, e.OrganisationCode, e.ClientId, e.PatientId, e.Action, e.Resource, e.Outcome, e.Basis, e.Detail, previous, hash];
                for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
                await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
                previous = hash;
            }
            await tx.CommitAsync().ConfigureAwait(false);
        }
    }

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

/// <summary>The audit trail could not be written; the request that needed it must not go ahead.</summary>
public sealed class AuditUnavailableException(string message, Exception inner) : Exception(message, inner);
