using JoinedUp.Access;
using JoinedUp.Directory;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>A task for a team's list, with the person's name and date of birth and the team it came from.</summary>
public sealed record TeamTask(CareTask Task, string Name, DateOnly? BirthDate, string? FromTeam);

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

    /// <summary>
    /// Gives the person another care navigator (for example when theirs leaves or the person asks), with a reason kept on
    /// the ended relationship and in the audit. Returns the new navigator's name.
    /// </summary>
    public async Task<CareResult<string>> ReassignAsync(AccessPrincipal who, long patientId, string? staffCode, string? reason, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.NavigationManage), $"Patient/{patientId}/navigator", ct).ConfigureAwait(false);
        if (opened.View is null || opened.View.Emergency) return new(CareOutcome.Refused, null);
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 10) return new(CareOutcome.Invalid, null, "Say why the navigator changes (at least 10 characters), for example \"Sam is on leave for six weeks\".");
        if (reason.Length > 500) return new(CareOutcome.Invalid, null, "Keep the reason under 500 characters.");
        var navigators = await db.Staff.AsNoTracking().Where(s => s.Role == StaffRole.CareNavigator).OrderBy(s => s.StaffCode)
            .Select(s => new { s.Id, s.StaffCode, Name = s.GivenName + " " + s.FamilyName }).ToListAsync(ct).ConfigureAwait(false);
        var chosen = navigators.FirstOrDefault(n => string.Equals(n.StaffCode, staffCode?.Trim(), StringComparison.OrdinalIgnoreCase));
        if (chosen is null)
        {
            return new(CareOutcome.Invalid, null, $"'{staffCode}' is not a care navigator. Choose one of: {string.Join(", ", navigators.Select(n => $"{n.StaffCode} ({n.Name})"))}.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var current = await db.CareRelationships.Where(r => r.PatientId == patientId && r.Kind == RelationshipKind.Navigator && r.EndedAt == null).ToListAsync(ct).ConfigureAwait(false);
        if (current.Any(r => r.StaffMemberId == chosen.Id)) return new(CareOutcome.Invalid, null, $"{chosen.Name} is already this person's care navigator.");
        foreach (var r in current)
        {
            r.EndedAt = now;
            r.EndReason = $"reassigned by {who.DisplayName}: {reason.Trim()}";
        }
        db.CareRelationships.Add(new CareRelationship { PatientId = patientId, Kind = RelationshipKind.Navigator, StaffMemberId = chosen.Id, StartedAt = now, Source = $"reassigned by {who.DisplayName}" });
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.NavigationManage), $"Patient/{patientId}/navigator/{chosen.StaffCode}", patientId,
            "care navigator reassigned", reason.Trim(), ct).ConfigureAwait(false);
        return new(CareOutcome.Done, chosen.Name);
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
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.TaskManage), $"Patient/{patientId}/hand-over", ct).ConfigureAwait(false);
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
        var waiting = await db.CareTasks.AsNoTracking().Where(t => t.PatientId == patientId && t.ToTeamId == toTeam && t.Kind == CareTaskKind.HandOver && t.Status == CareTaskStatus.Requested)
            .Select(t => new { t.CreatedAt, t.CreatedByName }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (waiting is not null)
        {
            return new(CareOutcome.Invalid, null, $"{service.Name} already has a hand-over for this person, sent by {waiting.CreatedByName} at {UkClock.ToLocal(waiting.CreatedAt):HH:mm} on {UkClock.ToLocal(waiting.CreatedAt):d MMM}, waiting to be accepted. It escalates if nobody accepts it in time.");
        }
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
        // From the caller's own team when it cares for the person; a navigator hands over from the service caring for them now.
        var caseloads = await db.CareRelationships.AsNoTracking().Where(r => r.PatientId == patientId && r.Kind == RelationshipKind.Caseload && r.EndedAt == null && r.TeamId != null && r.TeamId != toTeam)
            .OrderByDescending(r => r.StartedAt).Select(r => r.TeamId!.Value).ToListAsync(ct).ConfigureAwait(false);
        var fromTeam = caseloads.Where(who.TeamIds.Contains).Cast<int?>().FirstOrDefault() ?? caseloads.Cast<int?>().FirstOrDefault() ?? (who.TeamIds.Count > 0 ? who.TeamIds.Min() : null);
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
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.TaskManage), $"CareTask/{task.Id}", patientId, $"hand-over to {service.Code}", null, ct).ConfigureAwait(false);
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
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.TaskManage), $"CareTask/{task.Id}", task.PatientId, "hand-over accepted", null, ct).ConfigureAwait(false);
        await EnsureNavigatorAsync(task.PatientId, $"hand-over {task.Id} accepted", ct).ConfigureAwait(false);
        return new(CareOutcome.Done, task);
    }

    /// <summary>
    /// The receiving team declines a hand-over, saying why (for example "needs the children's team"): the task is closed
    /// as rejected with the reason, shown to the sender and the navigator on the person's journey, and the referral
    /// relationship the hand-over gave the team ends. The person stays with the services caring for them.
    /// </summary>
    public async Task<CareResult<CareTask>> DeclineAsync(AccessPrincipal who, long taskId, string? reason, CancellationToken ct)
    {
        var task = await db.CareTasks.FirstOrDefaultAsync(t => t.Id == taskId, ct).ConfigureAwait(false);
        if (task is null || task.Kind != CareTaskKind.HandOver || task.ToTeamId is not { } team || !who.TeamIds.Contains(team)) return new(CareOutcome.NotFound, null);
        if (task.Status != CareTaskStatus.Requested) return new(CareOutcome.Conflict, task, $"This hand-over was already {task.Status.ToString().ToLowerInvariant()}{(task.AcceptedByName is null ? "" : " by " + task.AcceptedByName)}.");
        if (string.IsNullOrWhiteSpace(reason) || reason.Trim().Length < 10) return new(CareOutcome.Invalid, task, "Say why your team cannot take this person, and what the sender should do instead (at least 10 characters).");
        if (reason.Length > 1000) return new(CareOutcome.Invalid, task, "Keep the reason under 1000 characters.");
        var now = clock.GetUtcNow().UtcDateTime;
        task.Status = CareTaskStatus.Rejected;
        task.RejectionReason = reason.Trim();
        task.CompletedAt = now;
        task.CompletedByName = who.DisplayName;
        task.VersionId++;
        // The referral relationship was for deciding: it ends unless something else of the person's still waits for the team.
        var otherWaiting = await db.CareTasks.AnyAsync(t => t.Id != task.Id && t.PatientId == task.PatientId && t.ToTeamId == team && t.Status == CareTaskStatus.Requested, ct).ConfigureAwait(false)
            || await db.ReferralRoutes.AnyAsync(r => r.TeamId == team && r.Status == RouteStatus.Waiting && r.Referral!.PatientId == task.PatientId, ct).ConfigureAwait(false);
        if (!otherWaiting)
        {
            await foreach (var r in db.CareRelationships.Where(r => r.PatientId == task.PatientId && r.TeamId == team && r.Kind == RelationshipKind.Referral && r.EndedAt == null).AsAsyncEnumerable().WithCancellation(ct).ConfigureAwait(false))
            {
                r.EndedAt = now;
                r.EndReason = "hand-over declined";
            }
        }
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(CareOutcome.Conflict, null, "Someone in your team accepted or declined this hand-over at the same moment. Reload to see what they did.");
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.TaskManage), $"CareTask/{task.Id}", task.PatientId, "hand-over declined", task.RejectionReason, ct).ConfigureAwait(false);
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

    /// <summary>A review done: the plan's next review is due <see cref="CarePlanService.ReviewIntervalDays"/> days from today, and the change is kept in its history.</summary>
    private async Task ScheduleNextReviewAsync(AccessPrincipal who, long episodeId, CancellationToken ct)
    {
        // Another service may change the plan at the same moment: read it again and retry, so the review date always moves.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            db.ChangeTracker.Clear();
            var plan = await db.CarePlans.FirstOrDefaultAsync(p => p.EpisodeId == episodeId, ct).ConfigureAwait(false);
            if (plan is null) return;
            var now = clock.GetUtcNow().UtcDateTime;
            var before = System.Text.Json.JsonSerializer.Serialize(new { plan.ReviewDue });
            plan.ReviewDue = DateOnly.FromDateTime(UkClock.ToLocal(now)).AddDays(CarePlanService.ReviewIntervalDays);
            plan.VersionId++;
            plan.LastUpdated = now;
            plan.LastUpdatedBy = who.DisplayName;
            db.CarePlanChanges.Add(new CarePlanChange
            {
                CarePlanId = plan.Id, ItemKind = "plan", ItemId = plan.Id, ItemVersion = plan.VersionId, At = now, ByName = who.DisplayName, ByUserId = who.UserId,
                Reason = "plan reviewed", BeforeJson = before, AfterJson = System.Text.Json.JsonSerializer.Serialize(new { plan.ReviewDue }),
            });
            try
            {
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (DbUpdateConcurrencyException)
            {
                // Changed by someone else between the read and the write: go round again on the fresh row.
            }
        }
    }

    /// <summary>
    /// What the caller's teams have to act on, soonest due first: hand-overs to accept, then follow-ups and plan reviews
    /// to do, each with the person's name (the team has a relationship with each of them: the hand-over gave it one).
    /// </summary>
    public async Task<IReadOnlyList<TeamTask>> TeamTasksAsync(AccessPrincipal who, CancellationToken ct)
    {
        var teams = who.TeamIds.ToList();
        if (teams.Count == 0) return [];
        var rows = await db.CareTasks.AsNoTracking()
            .Where(t => t.ToTeamId != null && teams.Contains(t.ToTeamId.Value)
                && ((t.Kind == CareTaskKind.HandOver && t.Status == CareTaskStatus.Requested) || (t.Kind != CareTaskKind.HandOver && (t.Status == CareTaskStatus.Requested || t.Status == CareTaskStatus.Accepted))))
            .OrderBy(t => t.DueAt).Take(200)
            .Join(db.Patients, t => t.PatientId, p => p.Id, (t, p) => new { Task = t, Name = p.GivenName + " " + p.FamilyName, p.BirthDate })
            .ToListAsync(ct).ConfigureAwait(false);
        var names = await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Name }).ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        return rows.Select(r => new TeamTask(r.Task, r.Name, r.BirthDate, r.Task.FromTeamId is { } f && names.TryGetValue(f, out var n) ? n : null)).ToList();
    }

    /// <summary>
    /// Schedules a follow-up owned by the caller's team (for example "call within 48 hours of discharge"). It stays
    /// open until the team completes it; when overdue it escalates like a hand-over.
    /// </summary>
    public async Task<CareResult<CareTask>> FollowUpAsync(AccessPrincipal who, long patientId, string? description, int dueInHours, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.TaskManage), $"Patient/{patientId}/follow-up", ct).ConfigureAwait(false);
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
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.TaskManage), $"CareTask/{task.Id}", patientId, "follow-up scheduled", null, ct).ConfigureAwait(false);
        return new(CareOutcome.Created, task);
    }

    /// <summary>The owning team completes a follow-up (or an accepted hand-over's work): it stops escalating.</summary>
    public async Task<CareResult<CareTask>> CompleteAsync(AccessPrincipal who, long taskId, CancellationToken ct)
    {
        var task = await db.CareTasks.FirstOrDefaultAsync(t => t.Id == taskId, ct).ConfigureAwait(false);
        if (task is null || task.ToTeamId is not { } team || !who.TeamIds.Contains(team)) return new(CareOutcome.NotFound, null);
        if (task.Status is CareTaskStatus.Completed or CareTaskStatus.Cancelled or CareTaskStatus.Rejected) return new(CareOutcome.Conflict, task, $"This task is already {task.Status.ToString().ToLowerInvariant()}.");
        if (task.Status == CareTaskStatus.Requested && task.Kind == CareTaskKind.HandOver) return new(CareOutcome.Invalid, task, "Accept the hand-over before completing it.");
        task.Status = CareTaskStatus.Completed;
        task.CompletedAt = clock.GetUtcNow().UtcDateTime;
        task.CompletedByName = who.DisplayName;
        task.VersionId++;
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new(CareOutcome.Conflict, null, "Someone in your team changed this task at the same moment. Reload to see what they did.");
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.TaskManage), $"CareTask/{task.Id}", task.PatientId, "task completed", null, ct).ConfigureAwait(false);
        if (task.Kind == CareTaskKind.PlanReview && task.EpisodeId is { } episode) await ScheduleNextReviewAsync(who, episode, ct).ConfigureAwait(false);
        return new(CareOutcome.Done, task);
    }
}
