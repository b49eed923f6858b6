using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>What one escalation run did.</summary>
public sealed record EscalationRun(int ToNavigator, int ToTeamLead);

/// <summary>
/// Escalation of overdue work between services (docs/adr/0005): a task past its due time goes to the person's care
/// navigator (level 1); one still open a day later goes to the receiving team's lead (level 2). Set-based, reads the
/// time from <see cref="TimeProvider"/> (tests move the clock), safe to run again (each step happens once). The
/// scheduler runs it every minute; each escalation is audited.
/// </summary>
public sealed class EscalationService(JoinedUpDbContext db, RecordAccessService access, TimeProvider clock)
{
    /// <summary>How long a task stays with the navigator before it goes to the team lead.</summary>
    public static readonly TimeSpan NavigatorGrace = TimeSpan.FromDays(1);

    public async Task<EscalationRun> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var toLeadBefore = now - NavigatorGrace;
        var open = new[] { CareTaskStatus.Requested, CareTaskStatus.Accepted };
        var toNavigator = await db.CareTasks.Where(t => t.EscalationLevel == 0 && open.Contains(t.Status) && t.DueAt < now && (t.Kind != CareTaskKind.HandOver || t.Status == CareTaskStatus.Requested))
            .Select(t => new { t.Id, t.PatientId }).ToListAsync(ct).ConfigureAwait(false);
        var toLead = await db.CareTasks.Where(t => t.EscalationLevel == 1 && open.Contains(t.Status) && t.EscalatedAt < toLeadBefore && (t.Kind != CareTaskKind.HandOver || t.Status == CareTaskStatus.Requested))
            .Select(t => new { t.Id, t.PatientId }).ToListAsync(ct).ConfigureAwait(false);
        var ids1 = toNavigator.Select(t => t.Id).ToList();
        var ids2 = toLead.Select(t => t.Id).ToList();
        // The level in the WHERE clause makes a second run, or two schedulers at once, escalate each task once.
        var n1 = ids1.Count == 0 ? 0 : await db.CareTasks.Where(t => ids1.Contains(t.Id) && t.EscalationLevel == 0)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.EscalationLevel, 1).SetProperty(t => t.EscalatedAt, now).SetProperty(t => t.VersionId, t => t.VersionId + 1), ct).ConfigureAwait(false);
        var n2 = ids2.Count == 0 ? 0 : await db.CareTasks.Where(t => ids2.Contains(t.Id) && t.EscalationLevel == 1)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.EscalationLevel, 2).SetProperty(t => t.EscalatedAt, now).SetProperty(t => t.VersionId, t => t.VersionId + 1), ct).ConfigureAwait(false);
        foreach (var t in toNavigator) await access.AuditAsync(null, AuditOutcome.Allowed, "task.escalate", $"CareTask/{t.Id}", t.PatientId, "overdue: escalated to the care navigator", null, ct).ConfigureAwait(false);
        foreach (var t in toLead) await access.AuditAsync(null, AuditOutcome.Allowed, "task.escalate", $"CareTask/{t.Id}", t.PatientId, "still overdue: escalated to the team lead", null, ct).ConfigureAwait(false);
        return new EscalationRun(n1, n2);
    }

    /// <summary>
    /// Escalated tasks the caller must act on: level 1 and up for people they navigate, level 2 for teams they lead.
    /// </summary>
    public async Task<IReadOnlyList<CareTask>> ForAsync(AccessPrincipal who, CancellationToken ct)
    {
        var staff = who.StaffMemberId;
        if (staff is null) return [];
        var led = await db.TeamMemberships.AsNoTracking().Where(m => m.StaffMemberId == staff && m.IsLead).Select(m => m.TeamId).ToListAsync(ct).ConfigureAwait(false);
        var tasks = await db.CareTasks.AsNoTracking()
            .Where(t => t.EscalationLevel > 0 && (t.Status == CareTaskStatus.Requested || (t.Status == CareTaskStatus.Accepted && t.Kind != CareTaskKind.HandOver))
                && ((t.EscalationLevel >= 1 && db.CareRelationships.Any(r => r.PatientId == t.PatientId && r.Kind == RelationshipKind.Navigator && r.StaffMemberId == staff && r.EndedAt == null))
                    || (t.EscalationLevel == 2 && t.ToTeamId != null && led.Contains(t.ToTeamId.Value))))
            .OrderByDescending(t => t.EscalationLevel).ThenBy(t => t.DueAt).Take(200).ToListAsync(ct).ConfigureAwait(false);
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RecordRead), "CareTask?escalated", null, "escalated tasks", $"{tasks.Count} listed", ct).ConfigureAwait(false);
        return tasks;
    }
}
