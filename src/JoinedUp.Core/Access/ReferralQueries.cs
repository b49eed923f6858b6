using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Access;

/// <summary>One row of the single point of access worklist.</summary>
public sealed record WorklistItem(string Reference, ReferralStatus Status, Urgency Urgency, ReferralSource Source, string Name, DateOnly? BirthDate, bool Matched,
    DateTime ReceivedAt, ReferralClock Clock, string? LinkedReference, string? RequestedService, bool Interpreter, bool Advocacy, string Reason, bool Returned);

/// <summary>The worklist: referrals to triage, and triaged ones whose first contact is still to come, most urgent and least time left first.</summary>
public sealed record Worklist(IReadOnlyList<WorklistItem> ToTriage, IReadOnlyList<WorklistItem> AwaitingContact, int ToTriageTotal, int AwaitingContactTotal, int Breached, string? EscalatedTo);

/// <summary>A referral routed to one of the caller's teams.</summary>
public sealed record TeamReferral(long RouteId, string Reference, long? PatientId, string Name, DateOnly? BirthDate, string ServiceName, Urgency Urgency, RouteStatus Status,
    bool IsBooking, DateTime ReceivedAt, DateTime RoutedAt, string Reason, string RouteReason, int? ExpectedWaitDays, ReferralClock Clock, IReadOnlyList<(string Question, string Answer)>? Holistic, string? ServiceSection, int VersionId);

/// <summary>What a referrer or the patient sees of a referral: where it is, not the clinical detail.</summary>
public sealed record ReferralStatusView(string Reference, ReferralStatus Status, string StatusText, Urgency Urgency, DateTime ReceivedAt, DateTime? TriagedAt,
    DateTime? FirstContactAt, IReadOnlyList<RouteStatusView> Routes, string? DeclineReason, string? LinkedReference, ReferralClock Clock);

public sealed record RouteStatusView(string ServiceCode, string ServiceName, RouteStatus Status, bool IsBooking, int? ExpectedWaitDays, DateTime? AcceptedAt, DateTime? FirstContactAt);

public enum RouteActionOutcome
{
    Done,
    NotFound,
    Invalid,
    Conflict,
}

public sealed record RouteActionResult(RouteActionOutcome Outcome, string? Problem = null);

/// <summary>
/// The worklists (single point of access, receiving teams), the status a referrer or patient sees, and the receiving
/// team's acceptance, decline and first contact. Acceptance turns the team's referral relationship into a caseload one.
/// </summary>
public sealed class ReferralQueries(JoinedUpDbContext db, AccessDirectory directory, RecordAccessService access, TimeProvider clock)
{
    /// <summary>
    /// The SPA worklist, at most <paramref name="limit"/> rows per section. Viewing it is audited once, with the count.
    /// Within one section and urgency the clock's due time only grows with the time received, so each (section,
    /// urgency) pair reads just its oldest <paramref name="limit"/> rows and counts its breaches in SQL: the page costs
    /// the same with a backlog of 10,000 as with 10 (bench/RESULTS.md, issue 5).
    /// </summary>
    public async Task<Worklist> WorklistAsync(AccessPrincipal who, int limit, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var items = new List<WorklistItem>();
        int toTriageTotal = 0, awaitingTotal = 0, breached = 0;
        foreach (var received in new[] { true, false })
        {
            var section = received
                ? db.Referrals.AsNoTracking().Where(r => r.Status == ReferralStatus.Received)
                : db.Referrals.AsNoTracking().Where(r => (r.Status == ReferralStatus.Routed || r.Status == ReferralStatus.Accepted) && r.FirstContactAt == null);
            foreach (var urgency in new[] { Urgency.Within2Hours, Urgency.Within2Days, Urgency.Routine })
            {
                var u = urgency;
                var query = section.Where(r => r.Urgency == u);
                var count = await query.CountAsync(ct).ConfigureAwait(false);
                if (count == 0) continue;
                if (received) toTriageTotal += count;
                else awaitingTotal += count;
                breached += await BreachedAsync(query, received, urgency, now, ct).ConfigureAwait(false);
                var rows = await query.OrderBy(r => r.ReceivedAt).ThenBy(r => r.Id).Take(limit)
                    .Select(r => new
                    {
                        r.Reference, r.Status, r.Urgency, r.Source, r.GivenName, r.FamilyName, r.BirthDate, r.PatientId, r.ReceivedAt, r.FirstContactAt,
                        Linked = r.LinkedReferralId == null ? null : db.Referrals.Where(l => l.Id == r.LinkedReferralId).Select(l => l.Reference).FirstOrDefault(),
                        r.RequestedServiceId, r.InterpreterNeeded, r.AdvocacyRequested, r.Reason, Returned = r.TriagedAt != null && r.Status == ReferralStatus.Received,
                    })
                    .ToListAsync(ct).ConfigureAwait(false);
                items.AddRange(rows.Select(r => new WorklistItem(r.Reference, r.Status, r.Urgency, r.Source, $"{r.FamilyName}, {r.GivenName}", r.BirthDate, r.PatientId != null, r.ReceivedAt,
                    ReferralClocks.For(r.Status, r.Urgency, r.ReceivedAt, r.FirstContactAt, now), r.Linked, snapshot.ById(r.RequestedServiceId)?.Name,
                    r.InterpreterNeeded, r.AdvocacyRequested, r.Reason.Length > 140 ? r.Reason[..139] + "…" : r.Reason, r.Returned)));
            }
        }
        static List<WorklistItem> Order(IEnumerable<WorklistItem> list, int limit) => list
            .OrderByDescending(i => i.Clock.Breached).ThenByDescending(i => i.Urgency).ThenBy(i => i.Clock.DueAt).ThenBy(i => i.ReceivedAt).Take(limit).ToList();
        var worklist = new Worklist(Order(items.Where(i => i.Status == ReferralStatus.Received), limit), Order(items.Where(i => i.Status != ReferralStatus.Received), limit),
            toTriageTotal, awaitingTotal, breached, snapshot.SpaTeamLead);
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralRead), "Referral?worklist", null, "single point of access worklist",
            $"{worklist.ToTriage.Count + worklist.AwaitingContact.Count} referrals listed", ct).ConfigureAwait(false);
        return worklist;
    }

    /// <summary>
    /// How many of one (section, urgency) are past their time. Fixed targets give one cut-off time. "One working day"
    /// is at least one and at most three days (Friday to Monday), so referrals older than three days are all breached,
    /// those under a day old none, and only the two days between are checked one by one.
    /// </summary>
    private static async Task<int> BreachedAsync(IQueryable<Referral> query, bool triage, Urgency urgency, DateTime now, CancellationToken ct)
    {
        if (!triage || urgency == Urgency.Within2Hours)
        {
            var target = triage ? ReferralClocks.UrgentTriage : ReferralClocks.FirstContactTarget(urgency);
            var cutoff = now - target;
            return await query.CountAsync(r => r.ReceivedAt < cutoff, ct).ConfigureAwait(false);
        }
        var surely = now.AddDays(-3);
        var maybe = now.AddDays(-1);
        var old = await query.CountAsync(r => r.ReceivedAt < surely, ct).ConfigureAwait(false);
        var window = await query.Where(r => r.ReceivedAt >= surely && r.ReceivedAt < maybe).Select(r => r.ReceivedAt).ToListAsync(ct).ConfigureAwait(false);
        return old + window.Count(r => ReferralClocks.TriageDue(r, urgency) < now);
    }

    /// <summary>Referrals routed to the caller's teams that are waiting for them, or accepted without a first contact yet.</summary>
    public async Task<IReadOnlyList<TeamReferral>> TeamReferralsAsync(AccessPrincipal who, CancellationToken ct)
    {
        var teams = who.TeamIds.ToList();
        if (teams.Count == 0) return [];
        var now = clock.GetUtcNow().UtcDateTime;
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var rows = await db.ReferralRoutes.AsNoTracking()
            .Where(rt => teams.Contains(rt.TeamId) && (rt.Status == RouteStatus.Waiting || (rt.Status == RouteStatus.Accepted && rt.FirstContactAt == null)))
            .Select(rt => new
            {
                rt.Id, rt.Referral!.Reference, rt.Referral.PatientId, rt.Referral.GivenName, rt.Referral.FamilyName, rt.Referral.BirthDate, rt.ServiceId, rt.Urgency, rt.Status,
                rt.IsBooking, rt.Referral.ReceivedAt, rt.RoutedAt, rt.Referral.Reason, RouteReason = rt.Reason, rt.ExpectedWaitDays, rt.VersionId, rt.Referral.EpisodeId,
            })
            .ToListAsync(ct).ConfigureAwait(false);
        // The episode's holistic assessment travels with the referral: the receiving team reads it instead of asking again.
        var episodes = rows.Where(r => !r.IsBooking && r.EpisodeId != null).Select(r => r.EpisodeId!.Value).Distinct().ToList();
        var assessments = episodes.Count == 0 ? [] : await db.Assessments.AsNoTracking().Where(a => episodes.Contains(a.EpisodeId))
            .Select(a => new { a.EpisodeId, a.Scope, a.ResponseJson }).ToListAsync(ct).ConfigureAwait(false);
        var list = rows.Select(r => new TeamReferral(r.Id, r.Reference, r.PatientId, $"{r.FamilyName}, {r.GivenName}", r.BirthDate, snapshot.ById(r.ServiceId)?.Name ?? "", r.Urgency, r.Status,
                r.IsBooking, r.ReceivedAt, r.RoutedAt, r.Reason, r.RouteReason, r.ExpectedWaitDays,
                ReferralClocks.For(ReferralStatus.Routed, r.Urgency, r.ReceivedAt, null, now),
                assessments.FirstOrDefault(a => a.EpisodeId == r.EpisodeId && a.Scope == Assessment.HolisticScope) is { } h && !r.IsBooking ? HolisticAssessment.Read(h.ResponseJson) : null,
                assessments.FirstOrDefault(a => a.EpisodeId == r.EpisodeId && a.Scope == snapshot.ById(r.ServiceId)?.Code) is { } sec ? HolisticAssessment.Read(sec.ResponseJson) is [var first, ..] ? first.Answer : null : null,
                r.VersionId))
            .OrderBy(r => r.Status).ThenByDescending(r => r.Urgency).ThenBy(r => r.Clock.DueAt).ToList();
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralRead), "Referral?team", null, "referrals to the caller's teams", $"{list.Count} referrals listed", ct).ConfigureAwait(false);
        return list;
    }

    /// <summary>The receiving team takes the person on: the route is accepted, the team's caseload relationship starts and its referral relationship ends.</summary>
    public Task<RouteActionResult> AcceptAsync(AccessPrincipal who, long routeId, CancellationToken ct) => ActAsync(who, routeId, "accept", null, ct);

    /// <summary>The receiving team cannot take the person on: with a reason. When no service is left, the referral goes back to the SPA worklist.</summary>
    public Task<RouteActionResult> DeclineAsync(AccessPrincipal who, long routeId, string? reason, CancellationToken ct) => ActAsync(who, routeId, "decline", reason, ct);

    /// <summary>The team made first contact: the second clock stops.</summary>
    public Task<RouteActionResult> FirstContactAsync(AccessPrincipal who, long routeId, CancellationToken ct) => ActAsync(who, routeId, "first-contact", null, ct);

    private async Task<RouteActionResult> ActAsync(AccessPrincipal who, long routeId, string action, string? reason, CancellationToken ct)
    {
        var route = await db.ReferralRoutes.Include(r => r.Referral).FirstOrDefaultAsync(r => r.Id == routeId, ct).ConfigureAwait(false);
        // Another team's route is "not found": a team sees only what was routed to it.
        if (route is null || !who.TeamIds.Contains(route.TeamId)) return new RouteActionResult(RouteActionOutcome.NotFound);
        var referral = route.Referral!;
        var now = clock.GetUtcNow().UtcDateTime;
        var patientId = referral.PatientId;
        switch (action)
        {
            case "accept":
                if (route.Status != RouteStatus.Waiting) return new RouteActionResult(RouteActionOutcome.Conflict, $"This referral was already {route.Status.ToString().ToLowerInvariant()}{(route.AcceptedByName is null ? "" : " by " + route.AcceptedByName)}.");
                route.Status = RouteStatus.Accepted;
                route.AcceptedAt = now;
                route.AcceptedByName = who.DisplayName;
                if (referral.Status == ReferralStatus.Routed) referral.Status = ReferralStatus.Accepted;
                if (patientId is { } pid && !route.IsBooking)
                {
                    await EndRelationshipsAsync(pid, route.TeamId, RelationshipKind.Referral, now, "accepted onto caseload", ct).ConfigureAwait(false);
                    if (!await db.CareRelationships.AnyAsync(r => r.PatientId == pid && r.TeamId == route.TeamId && r.Kind == RelationshipKind.Caseload && r.EndedAt == null, ct).ConfigureAwait(false))
                    {
                        db.CareRelationships.Add(new CareRelationship { PatientId = pid, Kind = RelationshipKind.Caseload, TeamId = route.TeamId, StartedAt = now, Source = $"referral {referral.Reference} accepted" });
                    }
                }
                break;
            case "decline":
                var trimmed = reason?.Trim() ?? "";
                if (trimmed.Length < 10) return new RouteActionResult(RouteActionOutcome.Invalid, "Say why your service cannot take this person (at least 10 characters): the single point of access routes them again with it.");
                if (trimmed.Length > 1000) return new RouteActionResult(RouteActionOutcome.Invalid, "Keep the reason under 1000 characters.");
                if (route.Status != RouteStatus.Waiting) return new RouteActionResult(RouteActionOutcome.Conflict, $"This referral was already {route.Status.ToString().ToLowerInvariant()}.");
                route.Status = RouteStatus.Declined;
                route.DeclineReason = trimmed;
                if (patientId is { } dpid) await EndRelationshipsAsync(dpid, route.TeamId, RelationshipKind.Referral, now, "declined by the team", ct).ConfigureAwait(false);
                var othersLeft = await db.ReferralRoutes.AnyAsync(r => r.ReferralId == referral.Id && r.Id != route.Id && !r.IsBooking && (r.Status == RouteStatus.Waiting || r.Status == RouteStatus.Accepted), ct).ConfigureAwait(false);
                if (!othersLeft && !route.IsBooking)
                {
                    // Nothing is lost: with no service left, the referral returns to the SPA worklist with the reason.
                    referral.Status = ReferralStatus.Received;
                    referral.TriageNote = $"Returned by {who.DisplayName}: {trimmed}";
                    var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
                    if (patientId is { } rpid && snapshot.SpaTeamId is { } spa)
                    {
                        db.CareRelationships.Add(new CareRelationship { PatientId = rpid, Kind = RelationshipKind.Triage, TeamId = spa, StartedAt = now, Source = $"referral {referral.Reference} returned" });
                    }
                }
                break;
            default:
                if (route.Status != RouteStatus.Accepted) return new RouteActionResult(RouteActionOutcome.Invalid, "Accept the referral before recording first contact.");
                if (route.FirstContactAt is not null) return new RouteActionResult(RouteActionOutcome.Conflict, "First contact is already recorded.");
                route.FirstContactAt = now;
                referral.FirstContactAt ??= now;
                break;
        }
        route.VersionId++;
        referral.VersionId++;
        referral.LastUpdated = now;
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new RouteActionResult(RouteActionOutcome.Conflict, "Someone else changed this referral at the same moment. Reload the page to see what they did.");
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralAccept), $"Referral/{referral.Reference}/route/{route.Id}", patientId, action, reason, ct).ConfigureAwait(false);
        return new RouteActionResult(RouteActionOutcome.Done);
    }

    /// <summary>
    /// The receiving service adds only what is specific to it (its section of the episode's assessment), once per
    /// episode; the holistic assessment is never asked again.
    /// </summary>
    public async Task<RouteActionResult> AddServiceSectionAsync(AccessPrincipal who, long routeId, string? notes, CancellationToken ct)
    {
        var trimmed = notes?.Trim() ?? "";
        if (trimmed.Length == 0) return new RouteActionResult(RouteActionOutcome.Invalid, "Write what your service needs to know beyond the holistic assessment.");
        if (trimmed.Length > 4000) return new RouteActionResult(RouteActionOutcome.Invalid, "Keep your service's section under 4000 characters.");
        var route = await db.ReferralRoutes.AsNoTracking().Include(r => r.Referral).FirstOrDefaultAsync(r => r.Id == routeId, ct).ConfigureAwait(false);
        if (route is null || !who.TeamIds.Contains(route.TeamId) || route.IsBooking) return new RouteActionResult(RouteActionOutcome.NotFound);
        if (route.Status != RouteStatus.Accepted) return new RouteActionResult(RouteActionOutcome.Invalid, "Accept the referral before adding your service's section.");
        if (route.Referral!.EpisodeId is not { } episodeId || route.Referral.PatientId is not { } patientId) return new RouteActionResult(RouteActionOutcome.Invalid, "This referral has no episode yet.");
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var service = snapshot.ById(route.ServiceId)!;
        var now = clock.GetUtcNow().UtcDateTime;
        db.Assessments.Add(new Assessment
        {
            EpisodeId = episodeId, PatientId = patientId, Scope = service.Code, Questionnaire = HolisticAssessment.ServiceSectionUrl,
            ResponseJson = JoinedUp.Fhir.FhirJson.Serialize(HolisticAssessment.ServiceSection(service.Name, trimmed, patientId, who.DisplayName, now)),
            AuthoredAt = now, AuthorName = who.DisplayName, AuthorUserId = who.UserId, LastUpdated = now,
        });
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            return new RouteActionResult(RouteActionOutcome.Conflict, $"{service.Name} has already added its section for this episode.");
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.RecordWrite), $"Referral/{route.Referral.Reference}/assessment/{service.Code}", patientId, "service section of the episode's assessment", null, ct).ConfigureAwait(false);
        return new RouteActionResult(RouteActionOutcome.Done);
    }

    private async Task EndRelationshipsAsync(long patientId, int teamId, RelationshipKind kind, DateTime now, string reason, CancellationToken ct)
    {
        await foreach (var r in db.CareRelationships.Where(r => r.PatientId == patientId && r.TeamId == teamId && r.Kind == kind && r.EndedAt == null).AsAsyncEnumerable().WithCancellation(ct).ConfigureAwait(false))
        {
            r.EndedAt = now;
            r.EndReason = reason;
        }
    }

    /// <summary>
    /// The status of a referral for a signed-in caller who may see it: the referrer, the patient, the single point of
    /// access, or a team it was routed to. Null (not found) for anyone else. Audited.
    /// </summary>
    public async Task<ReferralStatusView?> StatusAsync(AccessPrincipal who, string reference, CancellationToken ct)
    {
        var referral = await db.Referrals.AsNoTracking().FirstOrDefaultAsync(r => r.Reference == reference, ct).ConfigureAwait(false);
        if (referral is null) return null;
        var teams = who.TeamIds.ToList();
        var allowed = who.Can(Permission.ReferralTriage)
            || (referral.ReferrerUserId is not null && string.Equals(referral.ReferrerUserId, who.UserId, StringComparison.Ordinal))
            || (referral.ReferrerClientId is not null && string.Equals(referral.ReferrerClientId, who.ClientId, StringComparison.Ordinal))
            || (who.Has(Roles.Patient) && who.PatientId is not null && who.PatientId == referral.PatientId)
            || (teams.Count > 0 && await db.ReferralRoutes.AnyAsync(r => r.ReferralId == referral.Id && teams.Contains(r.TeamId), ct).ConfigureAwait(false));
        await access.AuditAsync(who, allowed ? AuditOutcome.Allowed : AuditOutcome.Denied, PermissionMatrix.Name(Permission.ReferralRead), $"Referral/{reference}", allowed ? referral.PatientId : null,
            allowed ? "referral status" : "not the referrer, the patient, the SPA or a receiving team", null, ct).ConfigureAwait(false);
        return allowed ? await ViewAsync(referral, ct).ConfigureAwait(false) : null;
    }

    /// <summary>The caller's own referrals: those they made, or (a patient) those about them. Newest first, at most 100.</summary>
    public async Task<IReadOnlyList<ReferralStatusView>> MineAsync(AccessPrincipal who, CancellationToken ct)
    {
        var userId = who.UserId;
        long? patientId = who.Has(Roles.Patient) ? who.PatientId : null;
        var rows = await db.Referrals.AsNoTracking().Where(r => r.ReferrerUserId == userId || (patientId != null && r.PatientId == patientId))
            .OrderByDescending(r => r.ReceivedAt).Take(100).ToListAsync(ct).ConfigureAwait(false);
        var views = new List<ReferralStatusView>(rows.Count);
        foreach (var r in rows) views.Add(await ViewAsync(r, ct).ConfigureAwait(false));
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralRead), "Referral?mine", patientId, "own referrals", $"{views.Count} listed", ct).ConfigureAwait(false);
        return views;
    }

    /// <summary>A person's referrals with their status, newest first, for a caller whose access to the person was already decided and audited.</summary>
    public async Task<IReadOnlyList<ReferralStatusView>> ForPatientAsync(long patientId, CancellationToken ct)
    {
        var rows = await db.Referrals.AsNoTracking().Where(r => r.PatientId == patientId).OrderByDescending(r => r.ReceivedAt).Take(50).ToListAsync(ct).ConfigureAwait(false);
        var views = new List<ReferralStatusView>(rows.Count);
        foreach (var r in rows) views.Add(await ViewAsync(r, ct).ConfigureAwait(false));
        return views;
    }

    /// <summary>The public status check: the reference and the date of birth given must both match. Audited without a user.</summary>
    public async Task<ReferralStatusView?> PublicStatusAsync(string reference, DateOnly birthDate, CancellationToken ct)
    {
        var referral = await db.Referrals.AsNoTracking().FirstOrDefaultAsync(r => r.Reference == reference, ct).ConfigureAwait(false);
        var match = referral is not null && referral.BirthDate == birthDate;
        await access.AuditAsync(null, match ? AuditOutcome.Allowed : AuditOutcome.Denied, PermissionMatrix.Name(Permission.ReferralRead), $"Referral/{reference}", match ? referral!.PatientId : null,
            match ? "public status check with reference and date of birth" : "reference and date of birth do not match", null, ct).ConfigureAwait(false);
        return match ? await ViewAsync(referral!, ct).ConfigureAwait(false) : null;
    }

    private async Task<ReferralStatusView> ViewAsync(Referral referral, CancellationToken ct)
    {
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var routes = await db.ReferralRoutes.AsNoTracking().Where(r => r.ReferralId == referral.Id).OrderBy(r => r.IsBooking).ThenBy(r => r.Id).ToListAsync(ct).ConfigureAwait(false);
        var linked = referral.LinkedReferralId is { } lid ? await db.Referrals.AsNoTracking().Where(r => r.Id == lid).Select(r => r.Reference).FirstOrDefaultAsync(ct).ConfigureAwait(false) : null;
        var routeViews = routes.Select(r => new RouteStatusView(snapshot.ById(r.ServiceId)?.Code ?? "", snapshot.ById(r.ServiceId)?.Name ?? "", r.Status, r.IsBooking, r.ExpectedWaitDays, r.AcceptedAt, r.FirstContactAt)).ToList();
        return new ReferralStatusView(referral.Reference, referral.Status, StatusText(referral, routeViews), referral.Urgency, referral.ReceivedAt, referral.TriagedAt, referral.FirstContactAt,
            routeViews, referral.DeclineReason, linked, ReferralClocks.For(referral.Status, referral.Urgency, referral.ReceivedAt, referral.FirstContactAt, clock.GetUtcNow().UtcDateTime));
    }

    public static string StatusText(Referral referral, IReadOnlyList<RouteStatusView> routes) => referral.Status switch
    {
        ReferralStatus.Received when referral.PatientId is null => "Received. The single point of access will check the details and contact you.",
        ReferralStatus.Received => "Received, waiting to be triaged by the single point of access.",
        ReferralStatus.Routed => "Triaged and sent to " + string.Join(" and ", routes.Where(r => !r.IsBooking).Select(r => r.ServiceName)) + ". They will contact you.",
        ReferralStatus.Accepted => "Accepted by " + string.Join(" and ", routes.Where(r => r.Status == RouteStatus.Accepted && !r.IsBooking).Select(r => r.ServiceName)) + (referral.FirstContactAt is null ? ". They will contact you." : "."),
        ReferralStatus.Declined => "Closed: no community service could take this referral. " + referral.DeclineReason,
        _ => "Closed.",
    };
}
