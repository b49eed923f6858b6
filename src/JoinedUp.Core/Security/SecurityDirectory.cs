using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Security;

/// <summary>
/// The directory facts every record decision needs (which services are sensitive, which service each team delivers),
/// read once and kept for a minute: they change only when the catalogue is imported, and reading them on every
/// request would double the cost of a decision. Safe to share across requests.
/// </summary>
public sealed class SecurityDirectory(TimeProvider clock)
{
    /// <summary>How long a snapshot is used before it is read again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private Snapshot? _current;

    public sealed record Snapshot(IReadOnlyList<int> SensitiveServiceIds, IReadOnlyDictionary<int, int> ServiceOfTeam, DateTimeOffset ReadAt)
    {
        /// <summary>The services the given teams deliver.</summary>
        public IReadOnlyList<int> ServicesOf(IReadOnlySet<int> teamIds) =>
            teamIds.Count == 0 ? [] : teamIds.Select(t => ServiceOfTeam.TryGetValue(t, out var s) ? s : -1).Where(s => s >= 0).Distinct().ToList();
    }

    public async Task<Snapshot> GetAsync(JoinedUpDbContext db, CancellationToken ct)
    {
        var current = _current;
        if (current is not null && clock.GetUtcNow() - current.ReadAt < Lifetime) return current;
        var sensitive = await db.Services.AsNoTracking().Where(s => s.IsSensitive).Select(s => s.Id).ToListAsync(ct).ConfigureAwait(false);
        var teams = await db.Teams.AsNoTracking().Select(t => new { t.Id, t.ServiceId }).ToDictionaryAsync(t => t.Id, t => t.ServiceId, ct).ConfigureAwait(false);
        current = new Snapshot(sensitive, teams, clock.GetUtcNow());
        _current = current;
        return current;
    }

    /// <summary>Forgets the snapshot (after a catalogue import).</summary>
    public void Invalidate() => _current = null;
}
