using System.Data.Common;
using System.Threading.Channels;
using JoinedUp.Security;
using JoinedUp.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace JoinedUp.Access;

/// <summary>One referral to store, with its attachment, and the SPA team that starts triaging it (if the person is known).</summary>
public sealed record IntakeWrite(Referral Referral, ReferralAttachment? Attachment, int? TriageTeamId);

/// <summary>
/// Stores referrals with group commit, like the audit trail: each request waits until its referral is committed, but
/// the referrals that arrive together share one transaction, so a burst of intake is one write instead of hundreds of
/// writers queueing for SQLite's single write lock (measured: bench/RESULTS.md, issue 5). Within the transaction the
/// SPA's triage relationship is added for each known person who has none open. When a shared commit fails (a unique
/// index refused one referral: a retried idempotency key, or a second open referral for the same person and service
/// at the same instant), each referral is written again on its own so that only that one is refused.
/// </summary>
public sealed partial class IntakeWriter : IAsyncDisposable
{
    private const int MaxBatch = 256;

    private readonly StorageOptions _storage;
    private readonly ILogger<IntakeWriter> _log;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _loop;
    private DbConnection? _connection;
    private long _batches;
    private long _written;

    public IntakeWriter(StorageOptions storage, ILogger<IntakeWriter> log)
    {
        _storage = storage;
        _log = log;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Transactions committed; with <see cref="ReferralsWritten"/> it shows how many referrals share a commit.</summary>
    public long BatchesWritten => Interlocked.Read(ref _batches);

    public long ReferralsWritten => Interlocked.Read(ref _written);

    private sealed record Pending(IntakeWrite Write, TaskCompletionSource<bool> Done);

    /// <summary>
    /// Stores the referral. True when committed; false when a unique index refused it (the caller looks again: it is
    /// a retry to replay or a duplicate to link). Throws when the database cannot be written.
    /// </summary>
    public async Task<bool> WriteAsync(IntakeWrite write, CancellationToken ct)
    {
        var pending = new Pending(write, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _queue.Writer.WriteAsync(pending, ct).ConfigureAwait(false);
        return await pending.Done.Task.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
            var outcome = await TryWriteAsync(batch).ConfigureAwait(false);
            if (outcome is null) continue;
            if (batch.Count == 1)
            {
                if (outcome is DbUpdateException) batch[0].Done.TrySetResult(false);
                else batch[0].Done.TrySetException(outcome);
                continue;
            }
            foreach (var single in batch)
            {
                var error = await TryWriteAsync([single]).ConfigureAwait(false);
                if (error is null) continue;
                if (error is DbUpdateException) single.Done.TrySetResult(false);
                else single.Done.TrySetException(error);
            }
        }
    }

    /// <summary>Null when the batch is committed (and every request told so); otherwise the error, nothing committed.</summary>
    private async Task<Exception?> TryWriteAsync(List<Pending> batch)
    {
        try
        {
            await WriteAsync(batch).ConfigureAwait(false);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _written, batch.Count);
            foreach (var p in batch) p.Done.TrySetResult(true);
            return null;
        }
        catch (Exception ex)
        {
            foreach (var p in batch) p.Write.Referral.Id = 0;
            if (ex is not DbUpdateException)
            {
                LogWriteFailed(_log, ex, batch.Count);
                if (_connection is not null)
                {
                    await _connection.DisposeAsync().ConfigureAwait(false);
                    _connection = null;
                }
            }
            return ex;
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
        // SQLite: BEGIN IMMEDIATE takes the write lock at once instead of upgrading (and possibly failing) later.
        DbTransaction tx = connection is SqliteConnection sqlite ? sqlite.BeginTransaction(deferred: false) : await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (tx.ConfigureAwait(false))
        {
            await using var db = JoinedUpStorage.CreateContext(_storage, connection);
            await db.Database.UseTransactionAsync(tx).ConfigureAwait(false);
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            // The SPA's triage relationship, once per person: those already open are read in the same transaction.
            var triage = batch.Where(p => p.Write.Referral.PatientId is not null && p.Write.TriageTeamId is not null)
                .Select(p => (Patient: p.Write.Referral.PatientId!.Value, Team: p.Write.TriageTeamId!.Value)).Distinct().ToList();
            var open = new HashSet<(long, int)>();
            if (triage.Count > 0)
            {
                var patients = triage.Select(t => t.Patient).Distinct().ToList();
                var rows = await db.CareRelationships.AsNoTracking()
                    .Where(r => patients.Contains(r.PatientId) && r.Kind == RelationshipKind.Triage && r.EndedAt == null && r.TeamId != null)
                    .Select(r => new { r.PatientId, Team = r.TeamId!.Value }).ToListAsync().ConfigureAwait(false);
                foreach (var r in rows) open.Add((r.PatientId, r.Team));
            }
            foreach (var p in batch)
            {
                var referral = p.Write.Referral;
                db.Referrals.Add(referral);
                if (p.Write.Attachment is { } attachment)
                {
                    attachment.Referral = referral;
                    db.ReferralAttachments.Add(attachment);
                }
                if (referral.PatientId is { } pid && p.Write.TriageTeamId is { } team && open.Add((pid, team)))
                {
                    db.CareRelationships.Add(new CareRelationship { PatientId = pid, Kind = RelationshipKind.Triage, TeamId = team, StartedAt = referral.ReceivedAt, Source = $"referral {referral.Reference}" });
                }
            }
            db.ChangeTracker.DetectChanges();
            await db.SaveChangesAsync().ConfigureAwait(false);
            await tx.CommitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops taking referrals and waits for the queued ones to be written.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Referral intake write failed for {Count} referral(s); the requests were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception ex, int count);
}
