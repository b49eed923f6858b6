using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Access;

/// <summary>What the coordinator decided: the services, the urgency, a reason when the rules' suggestion is changed, and the holistic assessment's answers.</summary>
public sealed record TriageDecision(IReadOnlyList<string> ServiceCodes, Urgency Urgency, string? OverrideReason, string? Note,
    IReadOnlyDictionary<string, string?> Answers, int ExpectedVersion);

public enum TriageOutcome
{
    Done,
    Invalid,
    NotFound,

    /// <summary>Someone else changed the referral first (the version did not match).</summary>
    Conflict,
}

public sealed record TriageResult(TriageOutcome Outcome, Referral? Referral, IReadOnlyList<IntakeProblem> Problems)
{
    public static TriageResult Invalid(params IntakeProblem[] problems) => new(TriageOutcome.Invalid, null, problems);
}

/// <summary>Everything the triage page and API show for one referral.</summary>
public sealed record TriageView(
    Referral Referral,
    string? RequestedServiceName,
    PatientTriageFacts? Patient,
    TriageSuggestion? Suggestion,
    IReadOnlyList<RouteView> Routes,
    AssessmentView? Holistic,
    IReadOnlyList<AssessmentView> ServiceSections,
    IReadOnlyList<LinkedReferral> Linked,
    ReferralClock Clock,
    int AssessmentsThisEpisode,
    IReadOnlyList<AttachmentInfo> Attachments);

/// <summary>A document sent with a referral, without its content.</summary>
public sealed record AttachmentInfo(long Id, string FileName, string ContentType, int Bytes, DateTime AddedAt);

public sealed record PatientTriageFacts(long Id, string? NhsNumber, string GivenName, string FamilyName, DateOnly BirthDate, int AgeYears, string? Postcode,
    string? PracticeCode, string PreferredLanguage, bool InterpreterNeeded, IReadOnlyList<(string Code, string Display)> ActiveConditions, string AccessBasis);

public sealed record RouteView(long Id, string ServiceCode, string ServiceName, string TeamName, RouteStatus Status, bool IsBooking, string Reason, int? ExpectedWaitDays,
    DateTime RoutedAt, DateTime? AcceptedAt, string? AcceptedByName, DateTime? FirstContactAt, string? DeclineReason);

public sealed record AssessmentView(long Id, long EpisodeId, string Scope, DateTime AuthoredAt, string AuthorName, IReadOnlyList<(string Question, string Answer)> Answers, string Json);

public sealed record LinkedReferral(string Reference, ReferralStatus Status, DateTime ReceivedAt, string Reason);

/// <summary>
/// Triage at the single point of access: the rules' suggestion with its reasons, the coordinator's decision (an
/// override needs a reason), the one holistic assessment of the episode, routes to the receiving teams with the
/// relationships that let them open the record, and matching a self-referral to its record. Every step is audited.
/// </summary>
public sealed class ReferralTriage(JoinedUpDbContext db, AccessDirectory directory, RecordAccessService access, JoinedUp.Care.NavigationService navigation, TimeProvider clock)
{
    /// <summary>Loads the referral with the suggestion. Opening the patient's record for triage is audited like any access.</summary>
    public async Task<TriageView?> LoadAsync(AccessPrincipal who, string reference, CancellationToken ct)
    {
        var referral = await db.Referrals.AsNoTracking().FirstOrDefaultAsync(r => r.Reference == reference, ct).ConfigureAwait(false);
        if (referral is null) return null;
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        PatientTriageFacts? patient = null;
        if (referral.PatientId is { } pid)
        {
            var opened = await access.OpenAsync(who, pid, PermissionMatrix.Name(Permission.ReferralTriage), $"Referral/{reference}", ct).ConfigureAwait(false);
            if (opened.View is { } view) patient = await FactsAsync(view, now, ct).ConfigureAwait(false);
        }
        else
        {
            await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralRead), $"Referral/{reference}", null, "unmatched self-referral", null, ct).ConfigureAwait(false);
        }
        TriageSuggestion? suggestion = null;
        if (referral.Status == ReferralStatus.Received)
        {
            var services = await AccessDirectory.WithWaitingAsync(db, snapshot, ct).ConfigureAwait(false);
            suggestion = TriageEngine.Suggest(snapshot.Rules, CaseFor(referral, snapshot, patient, now), services, UkClock.ToLocal(now));
        }
        var routes = await RoutesAsync(referral.Id, snapshot, ct).ConfigureAwait(false);
        var (holistic, sections, count) = await AssessmentsAsync(referral, ct).ConfigureAwait(false);
        var linked = await db.Referrals.AsNoTracking()
            .Where(r => r.Id != referral.Id && (r.LinkedReferralId == referral.Id || r.Id == referral.LinkedReferralId))
            .OrderBy(r => r.ReceivedAt).Select(r => new LinkedReferral(r.Reference, r.Status, r.ReceivedAt, r.Reason)).ToListAsync(ct).ConfigureAwait(false);
        var attachments = await db.ReferralAttachments.AsNoTracking().Where(a => a.ReferralId == referral.Id).OrderBy(a => a.Id)
            .Select(a => new AttachmentInfo(a.Id, a.FileName, a.ContentType, a.Content.Length, a.AddedAt)).ToListAsync(ct).ConfigureAwait(false);
        return new TriageView(referral, snapshot.ById(referral.RequestedServiceId)?.Name, patient, suggestion, routes, holistic, sections, linked,
            ReferralClocks.For(referral.Status, referral.Urgency, referral.ReceivedAt, referral.FirstContactAt, now), count, attachments);
    }

    /// <summary>A document sent with the referral, for the SPA; the download is audited.</summary>
    public async Task<ReferralAttachment?> AttachmentAsync(AccessPrincipal who, string reference, long attachmentId, CancellationToken ct)
    {
        var attachment = await db.ReferralAttachments.AsNoTracking().Include(a => a.Referral)
            .FirstOrDefaultAsync(a => a.Id == attachmentId && a.Referral!.Reference == reference, ct).ConfigureAwait(false);
        if (attachment is null) return null;
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralTriage), $"Referral/{reference}/attachment/{attachmentId}", attachment.Referral!.PatientId,
            "document sent with the referral", attachment.FileName, ct).ConfigureAwait(false);
        return attachment;
    }

    /// <summary>Records the decision: routes, relationships, the episode's holistic assessment, in one transaction.</summary>
    public async Task<TriageResult> DecideAsync(AccessPrincipal who, string reference, TriageDecision decision, CancellationToken ct)
    {
        var referral = await db.Referrals.FirstOrDefaultAsync(r => r.Reference == reference, ct).ConfigureAwait(false);
        if (referral is null) return new TriageResult(TriageOutcome.NotFound, null, []);
        if (referral.VersionId != decision.ExpectedVersion || referral.Status != ReferralStatus.Received)
        {
            return new TriageResult(TriageOutcome.Conflict, referral, [new("version", referral.Status == ReferralStatus.Received
                ? "Someone changed this referral while you had it open. Reload it to see their change, then decide again."
                : $"This referral was already triaged{(referral.TriagedByName is null ? "" : " by " + referral.TriagedByName)}. Reload it to see the decision.")]);
        }
        if (referral.PatientId is not { } patientId)
        {
            return TriageResult.Invalid(new IntakeProblem("nhsNumber", "Match the person to their record first (enter their NHS number): triage needs the shared record."));
        }
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.ReferralTriage), $"Referral/{reference}", ct).ConfigureAwait(false);
        if (opened.View is not { } view) return new TriageResult(TriageOutcome.NotFound, null, []);
        var now = clock.GetUtcNow().UtcDateTime;
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var facts = await FactsAsync(view, now, ct).ConfigureAwait(false);
        var services = await AccessDirectory.WithWaitingAsync(db, snapshot, ct).ConfigureAwait(false);
        var triageCase = CaseFor(referral, snapshot, facts, now);
        var suggestion = TriageEngine.Suggest(snapshot.Rules, triageCase, services, UkClock.ToLocal(now));
        var codes = decision.ServiceCodes.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToList();
        var review = TriageEngine.ReviewChoice(suggestion, new TriageChoice(codes, decision.Urgency, decision.OverrideReason), services, triageCase);
        var problems = review.Problems.Select(p => new IntakeProblem("services", p)).ToList();
        var chosen = codes.Select(snapshot.ByCode).OfType<AccessService>().ToList();
        foreach (var service in chosen.Where(s => s.TeamId is null)) problems.Add(new("services", $"{service.Name} has no team to receive referrals yet: choose another service."));
        if (decision.Note is { Length: > 2000 }) problems.Add(new("note", "Keep the note under 2000 characters."));

        // Tell us once: the episode's holistic assessment is reused if there is one.
        var episode = await db.Episodes.FirstOrDefaultAsync(e => e.PatientId == patientId && e.ClosedAt == null, ct).ConfigureAwait(false);
        var existing = episode is null ? null : await db.Assessments.AsNoTracking().Where(a => a.EpisodeId == episode.Id && a.Scope == Assessment.HolisticScope).Select(a => (long?)a.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        Hl7.Fhir.Model.QuestionnaireResponse? response = null;
        if (existing is null)
        {
            var (built, answerProblems) = HolisticAssessment.Build(decision.Answers, patientId, who.DisplayName, now);
            response = built;
            problems.AddRange(answerProblems);
        }
        if (problems.Count > 0) return new TriageResult(TriageOutcome.Invalid, null, problems);

        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        if (episode is null)
        {
            episode = new Episode { PatientId = patientId, OpenedAt = now };
            db.Episodes.Add(episode);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        if (response is not null)
        {
            db.Assessments.Add(new Assessment
            {
                EpisodeId = episode.Id, PatientId = patientId, Scope = Assessment.HolisticScope, Questionnaire = HolisticAssessment.Url,
                ResponseJson = JoinedUp.Fhir.FhirJson.Serialize(response), AuthoredAt = now, AuthorName = who.DisplayName, AuthorUserId = who.UserId, LastUpdated = now,
            });
        }
        foreach (var service in chosen)
        {
            var route = suggestion.Routes.FirstOrDefault(r => r.ServiceCode == service.Code);
            var wait = TriageEngine.ExpectedWaitDays(services.First(s => s.Code == service.Code));
            db.ReferralRoutes.Add(new ReferralRoute
            {
                ReferralId = referral.Id, ServiceId = service.Id, TeamId = service.TeamId!.Value, Urgency = decision.Urgency, Status = RouteStatus.Waiting,
                Reason = Fit(route?.Reason ?? $"chosen by {who.DisplayName}: {decision.OverrideReason?.Trim()}", 1000), ExpectedWaitDays = wait, RoutedAt = now,
            });
            db.CareRelationships.Add(new CareRelationship { PatientId = patientId, Kind = RelationshipKind.Referral, TeamId = service.TeamId!.Value, StartedAt = now, Source = $"referral {reference}" });
        }
        foreach (var booking in suggestion.Bookings)
        {
            if (snapshot.ByCode(booking.ServiceCode) is not { TeamId: { } team } bookingService || chosen.Any(c => c.Code == booking.ServiceCode)) continue;
            // A booking needs no access to the record: the interpreter or advocate is told when and where, not the history.
            db.ReferralRoutes.Add(new ReferralRoute
            {
                ReferralId = referral.Id, ServiceId = bookingService.Id, TeamId = team, Urgency = decision.Urgency, Status = RouteStatus.Waiting, IsBooking = true,
                Reason = Fit(booking.Detail, 1000), RoutedAt = now,
            });
        }
        referral.Status = ReferralStatus.Routed;
        referral.Urgency = decision.Urgency;
        referral.TriagedAt = now;
        referral.TriagedByUserId = who.UserId;
        referral.TriagedByName = who.DisplayName;
        referral.OverrideReason = review.IsOverride ? decision.OverrideReason?.Trim() : null;
        referral.TriageNote = string.IsNullOrWhiteSpace(decision.Note) ? null : decision.Note.Trim();
        referral.TriageRuleVersion = suggestion.RuleSetVersion;
        referral.EpisodeId = episode.Id;
        referral.VersionId++;
        referral.LastUpdated = now;
        await EndTriageIfLastAsync(patientId, referral.Id, snapshot, now, "triaged", ct).ConfigureAwait(false);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Another coordinator triaged it, or another triage opened this person's holistic assessment, at the same moment.
            return new TriageResult(TriageOutcome.Conflict, null, [new("version", "Someone triaged this referral, or assessed this person, at the same moment. Reload it to see their decision.")]);
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralTriage), $"Referral/{reference}", patientId,
            "routed to " + string.Join(", ", chosen.Select(c => c.Code)), review.IsOverride ? Fit("override: " + string.Join("; ", review.Differences) + ". Reason: " + decision.OverrideReason, 1000) : null, ct).ConfigureAwait(false);
        // More than one service now: a care navigator owns the journey between them.
        await navigation.EnsureNavigatorAsync(patientId, $"referral {reference} routed to {chosen.Count} services", ct).ConfigureAwait(false);
        return new TriageResult(TriageOutcome.Done, referral, []);
    }

    /// <summary>Triage finds no service for the person: the reason and where they were signposted are kept, and the referrer sees them.</summary>
    public async Task<TriageResult> DeclineAsync(AccessPrincipal who, string reference, string? reason, int expectedVersion, CancellationToken ct)
    {
        var trimmed = reason?.Trim() ?? "";
        if (trimmed.Length < 10) return TriageResult.Invalid(new IntakeProblem("reason", "Say why no service can help and where the person was signposted (at least 10 characters)."));
        if (trimmed.Length > 1000) return TriageResult.Invalid(new IntakeProblem("reason", "Keep the reason under 1000 characters."));
        var referral = await db.Referrals.FirstOrDefaultAsync(r => r.Reference == reference, ct).ConfigureAwait(false);
        if (referral is null) return new TriageResult(TriageOutcome.NotFound, null, []);
        if (referral.VersionId != expectedVersion || referral.Status != ReferralStatus.Received)
        {
            return new TriageResult(TriageOutcome.Conflict, referral, [new("version", "Someone changed this referral while you had it open. Reload it.")]);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        referral.Status = ReferralStatus.Declined;
        referral.DeclineReason = trimmed;
        referral.TriagedAt = now;
        referral.TriagedByUserId = who.UserId;
        referral.TriagedByName = who.DisplayName;
        referral.OpenKey = null;
        referral.VersionId++;
        referral.LastUpdated = now;
        if (referral.PatientId is { } pid) await EndTriageIfLastAsync(pid, referral.Id, await directory.GetAsync(db, ct).ConfigureAwait(false), now, "referral declined", ct).ConfigureAwait(false);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateConcurrencyException)
        {
            return new TriageResult(TriageOutcome.Conflict, null, [new("version", "Someone changed this referral at the same moment. Reload it.")]);
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralTriage), $"Referral/{reference}", referral.PatientId, "declined", trimmed, ct).ConfigureAwait(false);
        return new TriageResult(TriageOutcome.Done, referral, []);
    }

    /// <summary>
    /// Matches an unmatched (public) referral to a record: the NHS number must belong to a record whose date of birth
    /// is the one the person gave. Then the SPA's triage relationship starts, and a duplicate open referral is linked.
    /// </summary>
    public async Task<TriageResult> MatchAsync(AccessPrincipal who, string reference, string? nhsNumber, CancellationToken ct)
    {
        if (!NhsNumber.TryParse(nhsNumber, out var number, out var error)) return TriageResult.Invalid(new IntakeProblem("nhsNumber", error!));
        var referral = await db.Referrals.FirstOrDefaultAsync(r => r.Reference == reference, ct).ConfigureAwait(false);
        if (referral is null) return new TriageResult(TriageOutcome.NotFound, null, []);
        if (referral.PatientId is not null) return TriageResult.Invalid(new IntakeProblem("nhsNumber", "This referral is already matched to a record."));
        var digits = number.Value.Value;
        var patient = await db.Patients.AsNoTracking().Where(p => p.NhsNumber == digits).Select(p => new { p.Id, p.BirthDate }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (patient is null || patient.BirthDate != referral.BirthDate)
        {
            await access.AuditAsync(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.ReferralTriage), $"Referral/{reference}", null, "match refused: NHS number and date of birth do not agree", null, ct).ConfigureAwait(false);
            return TriageResult.Invalid(new IntakeProblem("nhsNumber", $"No record has NHS number {number.Value.Formatted} with the date of birth the person gave ({referral.BirthDate:d MMM yyyy}). Check both with the person, or ask their practice."));
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var key = ReferralIntake.OpenKeyFor(patient.Id, snapshot.ById(referral.RequestedServiceId)?.Code);
        var primary = await db.Referrals.AsNoTracking().Where(r => r.OpenKey == key).Select(r => new { r.Id, r.Reference }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        referral.PatientId = patient.Id;
        referral.NhsNumber = digits;
        referral.OpenKey = primary is null ? key : null;
        referral.LinkedReferralId = primary?.Id;
        referral.VersionId++;
        referral.LastUpdated = now;
        if (snapshot.SpaTeamId is { } spa && !await db.CareRelationships.AnyAsync(r => r.PatientId == patient.Id && r.TeamId == spa && r.Kind == RelationshipKind.Triage && r.EndedAt == null, ct).ConfigureAwait(false))
        {
            db.CareRelationships.Add(new CareRelationship { PatientId = patient.Id, Kind = RelationshipKind.Triage, TeamId = spa, StartedAt = now, Source = $"referral {reference}" });
        }
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            return new TriageResult(TriageOutcome.Conflict, null, [new("version", "Someone changed this referral at the same moment. Reload it.")]);
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralTriage), $"Referral/{reference}", patient.Id, "matched to record by NHS number and date of birth",
            primary is null ? null : $"linked to {primary.Reference}", ct).ConfigureAwait(false);
        return new TriageResult(TriageOutcome.Done, referral, []);
    }

    /// <summary>Assessments per person per episode ("tell us once"): holistic assessments in each episode, which should be one.</summary>
    public async Task<IReadOnlyList<(long EpisodeId, long PatientId, int Holistic, int ServiceSections)>> AssessmentCountsAsync(long patientId, CancellationToken ct)
    {
        var rows = await db.Assessments.AsNoTracking().Where(a => a.PatientId == patientId)
            .GroupBy(a => a.EpisodeId)
            .Select(g => new { g.Key, Holistic = g.Count(a => a.Scope == Assessment.HolisticScope), Sections = g.Count(a => a.Scope != Assessment.HolisticScope) })
            .ToListAsync(ct).ConfigureAwait(false);
        return rows.Select(r => (r.Key, patientId, r.Holistic, r.Sections)).ToList();
    }

    internal async Task<PatientTriageFacts> FactsAsync(RecordView view, DateTime now, CancellationToken ct)
    {
        var pid = view.PatientId;
        var p = await db.Patients.AsNoTracking().Where(x => x.Id == pid).Select(x => new
        {
            x.Id, x.NhsNumber, x.GivenName, x.FamilyName, x.BirthDate, x.Postcode, Practice = x.RegisteredPractice != null ? x.RegisteredPractice.OdsCode : null,
            x.PreferredLanguage, x.InterpreterNeeded,
        }).FirstAsync(ct).ConfigureAwait(false);
        var conditions = await view.TriageConditions(db.Conditions.AsNoTracking()).OrderBy(c => c.Display)
            .Select(c => new { c.Code, c.Display }).Distinct().Take(50).ToListAsync(ct).ConfigureAwait(false);
        return new PatientTriageFacts(p.Id, p.NhsNumber, p.GivenName, p.FamilyName, p.BirthDate, UkClock.AgeYears(p.BirthDate, now), p.Postcode, p.Practice,
            p.PreferredLanguage, p.InterpreterNeeded, conditions.Select(c => (c.Code, c.Display ?? c.Code)).ToList(), view.Basis);
    }

    internal static TriageCase CaseFor(Referral referral, AccessDirectory.Snapshot snapshot, PatientTriageFacts? patient, DateTime now)
    {
        int? age = patient?.AgeYears ?? (referral.BirthDate is { } b ? UkClock.AgeYears(b, now) : null);
        bool? resident = patient is not null ? patient.PracticeCode is not null || AccessDirectory.InBorough(patient.Postcode) : referral.Postcode is null ? null : AccessDirectory.InBorough(referral.Postcode);
        var language = referral.Language ?? (patient is { PreferredLanguage: var l } && !string.Equals(l, "en", StringComparison.Ordinal) ? l : null);
        return new TriageCase(referral.Source, referral.Reason, referral.ReasonCode is null ? [] : [referral.ReasonCode], snapshot.ById(referral.RequestedServiceId)?.Code,
            referral.RequestedUrgency, age, resident, patient?.ActiveConditions.Select(c => c.Code).ToList() ?? [], language,
            referral.InterpreterNeeded || (patient?.InterpreterNeeded ?? false), referral.AdvocacyRequested);
    }

    private async Task EndTriageIfLastAsync(long patientId, long referralId, AccessDirectory.Snapshot snapshot, DateTime now, string reason, CancellationToken ct)
    {
        if (snapshot.SpaTeamId is not { } spa) return;
        var others = await db.Referrals.AnyAsync(r => r.PatientId == patientId && r.Id != referralId && r.Status == ReferralStatus.Received, ct).ConfigureAwait(false);
        if (others) return;
        await foreach (var relationship in db.CareRelationships.Where(r => r.PatientId == patientId && r.TeamId == spa && r.Kind == RelationshipKind.Triage && r.EndedAt == null).AsAsyncEnumerable().WithCancellation(ct).ConfigureAwait(false))
        {
            relationship.EndedAt = now;
            relationship.EndReason = reason;
        }
    }

    private async Task<IReadOnlyList<RouteView>> RoutesAsync(long referralId, AccessDirectory.Snapshot snapshot, CancellationToken ct)
    {
        var rows = await db.ReferralRoutes.AsNoTracking().Where(r => r.ReferralId == referralId).OrderBy(r => r.IsBooking).ThenBy(r => r.Id).ToListAsync(ct).ConfigureAwait(false);
        return rows.Select(r =>
        {
            var s = snapshot.ById(r.ServiceId);
            return new RouteView(r.Id, s?.Code ?? "?", s?.Name ?? "?", s?.TeamName ?? "", r.Status, r.IsBooking, r.Reason, r.ExpectedWaitDays, r.RoutedAt, r.AcceptedAt, r.AcceptedByName, r.FirstContactAt, r.DeclineReason);
        }).ToList();
    }

    private async Task<(AssessmentView? Holistic, IReadOnlyList<AssessmentView> Sections, int Count)> AssessmentsAsync(Referral referral, CancellationToken ct)
    {
        long? episodeId = referral.EpisodeId;
        if (episodeId is null && referral.PatientId is { } pid)
        {
            episodeId = await db.Episodes.AsNoTracking().Where(e => e.PatientId == pid && e.ClosedAt == null).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        }
        if (episodeId is null) return (null, [], 0);
        var rows = await db.Assessments.AsNoTracking().Where(a => a.EpisodeId == episodeId).OrderBy(a => a.Id).ToListAsync(ct).ConfigureAwait(false);
        var views = rows.Select(a => new AssessmentView(a.Id, a.EpisodeId, a.Scope, a.AuthoredAt, a.AuthorName, HolisticAssessment.Read(a.ResponseJson), a.ResponseJson)).ToList();
        return (views.FirstOrDefault(v => v.Scope == Assessment.HolisticScope), views.Where(v => v.Scope != Assessment.HolisticScope).ToList(), views.Count(v => v.Scope == Assessment.HolisticScope));
    }

    private static string Fit(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
