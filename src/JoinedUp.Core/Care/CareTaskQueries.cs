using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>
/// Reading care tasks (hand-overs, follow-ups, plan reviews) one at a time or by person, through the record rules:
/// the receiving team sees its own tasks, and so does anyone with a full view of the person's record (their teams,
/// their navigator, the person). Every read is audited; a task the caller may not see is not found.
/// </summary>
public sealed class CareTaskQueries(JoinedUpDbContext db, RecordAccessService access)
{
    /// <summary>The task, or null when there is none or the caller may not see it (the same answer either way).</summary>
    public async Task<CareTask?> GetAsync(AccessPrincipal who, long taskId, CancellationToken ct)
    {
        var task = await db.CareTasks.AsNoTracking().FirstOrDefaultAsync(t => t.Id == taskId, ct).ConfigureAwait(false);
        if (task is null) return null;
        var action = PermissionMatrix.Name(Permission.CarePlanRead);
        if (task.ToTeamId is { } team && who.TeamIds.Contains(team))
        {
            await access.AuditAsync(who, AuditOutcome.Allowed, action, $"CareTask/{taskId}", task.PatientId, "the receiving team", null, ct).ConfigureAwait(false);
            return task;
        }
        return await FullViewAsync(who, task.PatientId, $"CareTask/{taskId}", ct).ConfigureAwait(false) ? task : null;
    }

    /// <summary>
    /// The person's care tasks of the given kinds and statuses (all when empty), newest first; null when the caller has
    /// no full view of the person's record.
    /// </summary>
    public async Task<IReadOnlyList<CareTask>?> ForPatientAsync(AccessPrincipal who, long patientId, IReadOnlyCollection<CareTaskKind> kinds, IReadOnlyCollection<CareTaskStatus> statuses,
        CancellationToken ct)
    {
        if (!await FullViewAsync(who, patientId, $"CareTask?patient={patientId}", ct).ConfigureAwait(false)) return null;
        var query = db.CareTasks.AsNoTracking().Where(t => t.PatientId == patientId);
        if (kinds.Count > 0) query = query.Where(t => kinds.Contains(t.Kind));
        if (statuses.Count > 0) query = query.Where(t => statuses.Contains(t.Status));
        return await query.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id).Take(200).ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Names of the teams (and their services) the tasks go between, for display.</summary>
    public async Task<IReadOnlyDictionary<int, CareTaskTeam>> TeamsAsync(IEnumerable<CareTask> tasks, CancellationToken ct)
    {
        var ids = tasks.SelectMany(t => new[] { t.FromTeamId, t.ToTeamId }).Where(id => id is not null).Select(id => id!.Value).Distinct().ToList();
        if (ids.Count == 0) return new Dictionary<int, CareTaskTeam>();
        return await db.Teams.AsNoTracking().Where(t => ids.Contains(t.Id))
            .Select(t => new CareTaskTeam(t.Id, t.Name, t.ServiceId, t.Service!.Code, t.Service.Name)).ToDictionaryAsync(t => t.TeamId, ct).ConfigureAwait(false);
    }

    // Tasks are part of the record: like the plan, only a full view (a relationship, not triage or break-glass) reads them.
    private async Task<bool> FullViewAsync(AccessPrincipal who, long patientId, string resource, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.CarePlanRead), resource, ct).ConfigureAwait(false);
        return opened.View is { Level: AccessLevel.Full, Emergency: false };
    }
}

/// <summary>A team a care task goes from or to, with its service.</summary>
public sealed record CareTaskTeam(int TeamId, string TeamName, int ServiceId, string ServiceCode, string ServiceName);
