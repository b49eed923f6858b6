using JoinedUp.Directory;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>
/// Care navigation (issue 6, docs/adr/0005): everyone cared for by more than one service gets a care navigator, who
/// owns their journey between services. The navigator with the fewest people is chosen; the assignment starts the
/// existing navigator relationship (so they may open the record) and is audited.
/// </summary>
public sealed class NavigationService(JoinedUpDbContext db, RecordAccessService access, TimeProvider clock)
{
    /// <summary>
    /// Assigns a navigator when the person has open referral or caseload relationships with more than one team and no
    /// navigator yet. Returns the navigator's staff id (new or existing), or null when none is needed or none exists.
    /// </summary>
    public async Task<int?> EnsureNavigatorAsync(long patientId, string because, CancellationToken ct)
    {
        var open = await db.CareRelationships.AsNoTracking().Where(r => r.PatientId == patientId && r.EndedAt == null).Select(r => new { r.Kind, r.TeamId, r.StaffMemberId }).ToListAsync(ct).ConfigureAwait(false);
        if (open.FirstOrDefault(r => r.Kind == RelationshipKind.Navigator) is { StaffMemberId: { } existing }) return existing;
        var teams = open.Where(r => r.Kind is RelationshipKind.Referral or RelationshipKind.Caseload && r.TeamId is not null).Select(r => r.TeamId).Distinct().Count();
        if (teams < 2) return null;
        var navigator = await db.Staff.AsNoTracking().Where(s => s.Role == StaffRole.CareNavigator)
            .Select(s => new { s.Id, s.StaffCode, Load = db.CareRelationships.Count(r => r.StaffMemberId == s.Id && r.Kind == RelationshipKind.Navigator && r.EndedAt == null) })
            .OrderBy(s => s.Load).ThenBy(s => s.StaffCode).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (navigator is null) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        db.CareRelationships.Add(new CareRelationship { PatientId = patientId, Kind = RelationshipKind.Navigator, StaffMemberId = navigator.Id, StartedAt = now, Source = $"assigned: {because}" });
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await access.AuditAsync(null, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RelationshipManage), $"Patient/{patientId}/navigator/{navigator.StaffCode}", patientId,
            "care navigator assigned: more than one service", because, ct).ConfigureAwait(false);
        return navigator.Id;
    }
}
