using JoinedUp.Access;
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
public sealed class NavigationService(JoinedUpDbContext db, RecordAccessService access, AccessDirectory directory, TimeProvider clock)
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

    /// <summary>Days a receiving service has to accept a hand-over before it is overdue (and escalates).</summary>
    public const int HandOverAcceptDays = 2;

    /// <summary>
    /// Hands the person over to another service: a task open until that service accepts it. Refused, with what to do,
    /// when the caller has no full relationship, the service does not exist or has no team, the person is not eligible,
    /// or the service's expected wait is over the routine target (no capacity). The receiving team gets a referral
    /// relationship so that it can read the record to decide.
    /// </summary>
    public async Task<CareResult<CareTask>> HandOverAsync(AccessPrincipal who, long patientId, string? serviceCode, string? note, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.RecordWrite), $"Patient/{patientId}/hand-over", ct).ConfigureAwait(false);
        if (opened.View is not { Level: AccessLevel.Full, Emergency: false }) return new(CareOutcome.Refused, null);
        if (string.IsNullOrWhiteSpace(note) || note.Trim().Length < 10) return new(CareOutcome.Invalid, null, "Say what the receiving service needs to know and do (at least 10 characters).");
        if (note.Length > 1000) return new(CareOutcome.Invalid, null, "Keep the hand-over note under 1000 characters.");
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        if (snapshot.ByCode(serviceCode?.Trim()) is not { } service || service.Code is "spa")
        {
            return new(CareOutcome.Invalid, null, $"There is no service '{serviceCode}' to hand over to. Use one of: {string.Join(", ", snapshot.Services.Where(s => s.Code != "spa").Select(s => s.Code))}.");
        }
        if (service.TeamId is not { } toTeam) return new(CareOutcome.Invalid, null, $"{service.Name} has no team to receive hand-overs yet: choose another service.");
        if (who.TeamIds.Contains(toTeam)) return new(CareOutcome.Invalid, null, "That is your own team: a hand-over moves the person to another service.");
        var now = clock.GetUtcNow().UtcDateTime;
        var person = await db.Patients.AsNoTracking().Where(p => p.Id == patientId)
            .Select(p => new { p.BirthDate, p.Postcode, Registered = p.RegisteredPracticeId != null }).FirstAsync(ct).ConfigureAwait(false);
        var conditions = await opened.View.TriageConditions(db.Conditions.AsNoTracking()).Select(c => c.Code).Distinct().ToListAsync(ct).ConfigureAwait(false);
        var triageCase = new TriageCase(ReferralSource.CommunityService, note, [], service.Code, null, UkClock.AgeYears(person.BirthDate, now),
            person.Registered || AccessDirectory.InBorough(person.Postcode), conditions, null, false, false);
        var check = TriageEngine.CheckEligibility(service.Triage, triageCase);
        if (!check.Eligible) return new(CareOutcome.Invalid, null, $"{service.Name} cannot take this person: {string.Join("; ", check.Reasons)}. Choose another service, or refer through the single point of access.");
        var services = await AccessDirectory.WithWaitingAsync(db, snapshot, ct).ConfigureAwait(false);
        var wait = TriageEngine.ExpectedWaitDays(services.First(s => s.Code == service.Code));
        var target = snapshot.Rules.TargetDays(Urgency.Routine);
        if (wait is null || wait > target)
        {
            return new(CareOutcome.Invalid, null, wait is null
                ? $"{service.Name} has no capacity recorded, so it cannot take hand-overs: ask the single point of access."
                : $"{service.Name} has no capacity: it expects a {wait}-day wait, over the {target}-day routine target. Choose another service, or ask the single point of access to arrange cover.");
        }
        var fromTeam = who.TeamIds.Count > 0 ? (int?)who.TeamIds.Min() : null;
        var episode = await db.Episodes.AsNoTracking().Where(e => e.PatientId == patientId && e.ClosedAt == null).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var task = new CareTask
        {
            PatientId = patientId, EpisodeId = episode, Kind = CareTaskKind.HandOver, Status = CareTaskStatus.Requested, FromTeamId = fromTeam, ToTeamId = toTeam,
            Description = note.Trim(), DueAt = now.AddDays(HandOverAcceptDays), CreatedAt = now, CreatedByName = who.DisplayName,
        };
        db.CareTasks.Add(task);
        if (!await db.CareRelationships.AnyAsync(r => r.PatientId == patientId && r.TeamId == toTeam && r.EndedAt == null && (r.Kind == RelationshipKind.Referral || r.Kind == RelationshipKind.Caseload), ct).ConfigureAwait(false))
        {
            db.CareRelationships.Add(new CareRelationship { PatientId = patientId, Kind = RelationshipKind.Referral, TeamId = toTeam, StartedAt = now, Source = $"hand-over from {who.DisplayName}" });
        }
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RecordWrite), $"CareTask/{task.Id}", patientId, $"hand-over to {service.Code}", null, ct).ConfigureAwait(false);
        return new(CareOutcome.Created, task);
    }

    /// <summary>The receiving team accepts a hand-over: the person joins its caseload, and a navigator is assigned if they now see several services.</summary>
    public async Task<CareResult<CareTask>> AcceptAsync(AccessPrincipal who, long taskId, CancellationToken ct)
    {
        var task = await db.CareTasks.FirstOrDefaultAsync(t => t.Id == taskId, ct).ConfigureAwait(false);
        if (task is null || task.ToTeamId is not { } team || !who.TeamIds.Contains(team)) return new(CareOutcome.NotFound, null);
        if (task.Status != CareTaskStatus.Requested) return new(CareOutcome.Conflict, task, $"This hand-over was already {task.Status.ToString().ToLowerInvariant()}{(task.AcceptedByName is null ? "" : " by " + task.AcceptedByName)}.");
        var now = clock.GetUtcNow().UtcDateTime;
        task.Status = CareTaskStatus.Accepted;
        task.AcceptedAt = now;
        task.AcceptedByName = who.DisplayName;
        task.VersionId++;
        await foreach (var r in db.CareRelationships.Where(r => r.PatientId == task.PatientId && r.TeamId == team && r.Kind == RelationshipKind.Referral && r.EndedAt == null).AsAsyncEnumerable().WithCancellation(ct).ConfigureAwait(false))
        {
            r.EndedAt = now;
            r.EndReason = "hand-over accepted";
        }
        if (!await db.CareRelationships.AnyAsync(r => r.PatientId == task.PatientId && r.TeamId == team && r.Kind == RelationshipKind.Caseload && r.EndedAt == null, ct).ConfigureAwait(false))
        {
            db.CareRelationships.Add(new CareRelationship { PatientId = task.PatientId, Kind = RelationshipKind.Caseload, TeamId = team, StartedAt = now, Source = $"hand-over {task.Id} accepted" });
        }
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(CareOutcome.Conflict, null, "Someone in your team accepted or declined this hand-over at the same moment. Reload to see what they did.");
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RecordWrite), $"CareTask/{task.Id}", task.PatientId, "hand-over accepted", null, ct).ConfigureAwait(false);
        await EnsureNavigatorAsync(task.PatientId, $"hand-over {task.Id} accepted", ct).ConfigureAwait(false);
        return new(CareOutcome.Done, task);
    }

    /// <summary>Open hand-overs to the caller's teams, oldest due first.</summary>
    public async Task<IReadOnlyList<CareTask>> IncomingAsync(AccessPrincipal who, CancellationToken ct)
    {
        var teams = who.TeamIds.ToList();
        if (teams.Count == 0) return [];
        return await db.CareTasks.AsNoTracking().Where(t => t.ToTeamId != null && teams.Contains(t.ToTeamId.Value) && t.Status == CareTaskStatus.Requested)
            .OrderBy(t => t.DueAt).Take(200).ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Schedules a follow-up owned by the caller's team (for example "call within 48 hours of discharge"). It stays
    /// open until the team completes it; when overdue it escalates like a hand-over.
    /// </summary>
    public async Task<CareResult<CareTask>> FollowUpAsync(AccessPrincipal who, long patientId, string? description, int dueInHours, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.RecordWrite), $"Patient/{patientId}/follow-up", ct).ConfigureAwait(false);
        if (opened.View is not { Level: AccessLevel.Full, Emergency: false }) return new(CareOutcome.Refused, null);
        if (string.IsNullOrWhiteSpace(description) || description.Trim().Length < 5) return new(CareOutcome.Invalid, null, "Say what the follow-up is, for example \"Phone call: how are you managing at home?\".");
        if (description.Length > 1000) return new(CareOutcome.Invalid, null, "Keep the follow-up under 1000 characters.");
        if (dueInHours is < 1 or > 24 * 90) return new(CareOutcome.Invalid, null, "Give when it is due: between 1 hour and 90 days from now (dueInHours).");
        if (who.TeamIds.Count == 0) return new(CareOutcome.Invalid, null, "A follow-up belongs to a team: you are not in one.");
        var now = clock.GetUtcNow().UtcDateTime;
        var team = who.TeamIds.Min();
        var episode = await db.Episodes.AsNoTracking().Where(e => e.PatientId == patientId && e.ClosedAt == null).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var task = new CareTask
        {
            PatientId = patientId, EpisodeId = episode, Kind = CareTaskKind.FollowUp, Status = CareTaskStatus.Accepted, FromTeamId = team, ToTeamId = team,
            Description = description.Trim(), DueAt = now.AddHours(dueInHours), CreatedAt = now, CreatedByName = who.DisplayName, AcceptedAt = now, AcceptedByName = who.DisplayName,
        };
        db.CareTasks.Add(task);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RecordWrite), $"CareTask/{task.Id}", patientId, "follow-up scheduled", null, ct).ConfigureAwait(false);
        return new(CareOutcome.Created, task);
    }

    /// <summary>The owning team completes a follow-up (or an accepted hand-over's work): it stops escalating.</summary>
    public async Task<CareResult<CareTask>> CompleteAsync(AccessPrincipal who, long taskId, CancellationToken ct)
    {
        var task = await db.CareTasks.FirstOrDefaultAsync(t => t.Id == taskId, ct).ConfigureAwait(false);
        if (task is null || task.ToTeamId is not { } team || !who.TeamIds.Contains(team)) return new(CareOutcome.NotFound, null);
        if (task.Status is CareTaskStatus.Completed or CareTaskStatus.Cancelled or CareTaskStatus.Rejected) return new(CareOutcome.Conflict, task, $"This task is already {task.Status.ToString().ToLowerInvariant()}.");
        if (task.Status == CareTaskStatus.Requested) return new(CareOutcome.Invalid, task, "Accept the hand-over before completing it.");
        task.Status = CareTaskStatus.Completed;
        task.CompletedAt = clock.GetUtcNow().UtcDateTime;
        task.VersionId++;
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(CareOutcome.Conflict, null, "Someone in your team changed this task at the same moment. Reload to see what they did.");
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RecordWrite), $"CareTask/{task.Id}", task.PatientId, "task completed", null, ct).ConfigureAwait(false);
        return new(CareOutcome.Done, task);
    }
}
