using JoinedUp.Record;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Security;

/// <summary>How much of a record a caller may see.</summary>
public enum AccessLevel
{
    None = 0,

    /// <summary>What the single point of access needs: demographics, contacts, language, carers, active conditions, and entries the caller's own services recorded.</summary>
    Triage = 1,

    /// <summary>The whole shared record, except entries restricted to other teams (sensitive services, confidential labels).</summary>
    Full = 2,
}

/// <summary>
/// What a caller may see of one patient's record, and why. Restricted entries (from a sensitive service or labelled
/// confidential) are visible only to the recording service's team and to the patient.
/// </summary>
public sealed record RecordView(long PatientId, AccessLevel Level, string Basis, bool SeesAllRestricted, IReadOnlyList<int> OwnServiceIds, IReadOnlyList<int> SensitiveServiceIds, bool Emergency = false)
{
    public bool Allowed => Level != AccessLevel.None;

    /// <summary>The entries of one kind this view may see. Every read of clinical entries goes through here.</summary>
    public IQueryable<T> Visible<T>(IQueryable<T> entries) where T : ClinicalEntry
    {
        var patientId = PatientId;
        entries = entries.Where(e => e.PatientId == patientId);
        if (SeesAllRestricted) return entries;
        var own = OwnServiceIds.ToList();
        var sensitive = SensitiveServiceIds.ToList();
        if (Level == AccessLevel.Triage)
        {
            return entries.Where(e => e.RecordedByServiceId != null && own.Contains(e.RecordedByServiceId.Value));
        }
        return entries.Where(e =>
            (!e.Confidential && (e.RecordedByServiceId == null || !sensitive.Contains(e.RecordedByServiceId.Value)))
            || (e.RecordedByServiceId != null && own.Contains(e.RecordedByServiceId.Value)));
    }

    /// <summary>
    /// Encounters also say where they happened: one at a sensitive service is restricted even when another service
    /// recorded it, so the place itself does not leak.
    /// </summary>
    /// <summary>Any clinical type: encounters by their place (<see cref="VisibleEncounters"/>), other entries by their label (<see cref="Visible{T}"/>).</summary>
    public IQueryable<T> VisibleOfType<T>(IQueryable<T> entries) where T : ClinicalEntry =>
        entries is IQueryable<Encounter> encounters ? (IQueryable<T>)VisibleEncounters(encounters) : Visible(entries);

    public IQueryable<Encounter> VisibleEncounters(IQueryable<Encounter> encounters)
    {
        var visible = Visible(encounters);
        if (SeesAllRestricted) return visible;
        var own = OwnServiceIds.ToList();
        var sensitive = SensitiveServiceIds.ToList();
        return visible.Where(e => e.ServiceId == null || !sensitive.Contains(e.ServiceId.Value) || own.Contains(e.ServiceId.Value));
    }

    /// <summary>Active conditions for triage (eligibility needs them), without restricted ones.</summary>
    public IQueryable<Condition> TriageConditions(IQueryable<Condition> conditions)
    {
        var patientId = PatientId;
        var sensitive = SensitiveServiceIds.ToList();
        return conditions.Where(c => c.PatientId == patientId && c.Status == ConditionStatus.Active && !c.Confidential
            && (c.RecordedByServiceId == null || !sensitive.Contains(c.RecordedByServiceId.Value)));
    }
}

/// <summary>What a decision needs to know about the patient, with one of their open relationships (or none).</summary>
internal sealed class PatientFacts
{
    public bool SharingDissent { get; init; }

    public string? PracticeCode { get; init; }

    public RelationshipKind? Kind { get; init; }

    public int? TeamId { get; init; }

    public int? StaffMemberId { get; init; }
}

/// <summary>An allowed or refused opening whose audit entry may still be committing: await <see cref="Audited"/> before disclosing anything.</summary>
public sealed record PendingOpen(RecordView? View, string? RefusalReason, Task Audited);

/// <summary>The outcome of asking to open a record; <see cref="View"/> is null when refused.</summary>
public sealed record RecordAccessResult(RecordView? View, string? RefusalReason);

/// <summary>Security settings, section "Security".</summary>
public sealed class SecurityOptions
{
    public const string SectionName = "Security";

    /// <summary>How long an emergency (break-glass) access lasts.</summary>
    public int BreakGlassMinutes { get; set; } = 240;

    /// <summary>Shortest reason accepted for break-glass.</summary>
    public int BreakGlassMinimumReasonLength { get; set; } = 10;
}

/// <summary>
/// The one place that decides whether a caller may open a patient's record, how much of it, and records the attempt
/// in the audit trail. Legitimate relationships: the patient themself; a carer with an active proxy; staff of the
/// registered practice (and that practice's system integration); a team with an open referral, caseload or triage;
/// the assigned navigator; an unexpired break-glass. A patient's sharing dissent limits everyone but their practice,
/// themself and their carer to the triage view. A refusal never says whether the patient exists.
/// </summary>
public sealed class RecordAccessService(JoinedUpDbContext db, AuditTrail audit, TimeProvider clock, SecurityDirectory directoryCache)
{
    /// <summary>Decides, audits the attempt (allowed or refused) and returns the view. Callers disclose nothing when <see cref="RecordAccessResult.View"/> is null.</summary>
    public async Task<RecordAccessResult> OpenAsync(AccessPrincipal who, long patientId, string action, string resource, CancellationToken ct)
    {
        var (view, refusal) = await DecideAsync(who, patientId, ct).ConfigureAwait(false);
        await audit.RecordAsync(Event(who, view is null ? AuditOutcome.Denied : AuditOutcome.Allowed, action, resource, patientId, view?.Basis ?? refusal), ct).ConfigureAwait(false);
        return new RecordAccessResult(view, refusal);
    }

    /// <summary>
    /// Like <see cref="OpenAsync"/>, but when access is allowed it returns as soon as the decision is made, with the
    /// audit entry still being committed in <see cref="PendingOpen.Audited"/>: the caller loads the record meanwhile
    /// and must await <c>Audited</c> before it sends anything (so nothing leaves unaudited, and an audit failure still
    /// fails the request). A refusal is audited before this returns.
    /// </summary>
    public async Task<PendingOpen> BeginOpenAsync(AccessPrincipal who, long patientId, string action, string resource, CancellationToken ct)
    {
        var (view, refusal) = await DecideAsync(who, patientId, ct).ConfigureAwait(false);
        var audited = audit.RecordAsync(Event(who, view is null ? AuditOutcome.Denied : AuditOutcome.Allowed, action, resource, patientId, view?.Basis ?? refusal), ct);
        if (view is null) await audited.ConfigureAwait(false);
        return new PendingOpen(view, refusal, audited);
    }

    /// <summary>The decision alone, without auditing (for the audit-path benchmark and for composing searches).</summary>
    public async Task<(RecordView? View, string? Refusal)> DecideAsync(AccessPrincipal who, long patientId, CancellationToken ct)
    {
        const string refusal = "no legitimate relationship";
        var now = clock.GetUtcNow().UtcDateTime;
        var userId = who.UserId;
        var facts = new List<PatientFacts>(2);
        await foreach (var fact in Facts(patientId).WithCancellation(ct).ConfigureAwait(false)) facts.Add(fact);
        if (facts.Count == 0) return (null, refusal);
        var patient = facts[0];
        var related = who.Has(Roles.Clinician) || who.Has(Roles.SpaCoordinator) || who.Has(Roles.CareNavigator);
        var kinds = related
            ? facts.Where(r => r.Kind is not null && ((r.TeamId is { } team && who.TeamIds.Contains(team)) || (r.StaffMemberId is { } staff && staff == who.StaffMemberId)))
                .Select(r => r.Kind!.Value).ToList()
            : [];
        var directory = await directoryCache.GetAsync(db, ct).ConfigureAwait(false);
        var sensitive = directory.SensitiveServiceIds;

        if (who.PatientId == patientId && who.Has(Roles.Patient))
        {
            return (new RecordView(patientId, AccessLevel.Full, "the patient themself", true, [], sensitive), null);
        }
        if (who.Has(Roles.Carer) && await db.CarerProxies.AsNoTracking()
                .AnyAsync(x => x.PatientId == patientId && x.CarerUserId == userId && x.WithdrawnAt == null, ct).ConfigureAwait(false))
        {
            return (new RecordView(patientId, AccessLevel.Full, "carer with proxy granted by the patient", false, [], sensitive), null);
        }
        var ownServices = directory.ServicesOf(who.TeamIds);
        if ((who.Has(Roles.PracticeStaff) || who.Has(Roles.System)) && who.OrganisationCode is not null
            && string.Equals(patient.PracticeCode, who.OrganisationCode, StringComparison.Ordinal))
        {
            return (new RecordView(patientId, AccessLevel.Full, $"registered at {who.OrganisationCode}", false, ownServices, sensitive), null);
        }
        if (kinds.Where(k => k != RelationshipKind.Triage).Order().Cast<RelationshipKind?>().FirstOrDefault() is { } kind)
        {
            var basis = Describe(kind);
            return patient.SharingDissent
                ? (new RecordView(patientId, AccessLevel.Triage, basis + "; the patient dissents from sharing", false, ownServices, sensitive), null)
                : (new RecordView(patientId, AccessLevel.Full, basis, false, ownServices, sensitive), null);
        }
        if (kinds.Contains(RelationshipKind.Triage))
        {
            return (new RecordView(patientId, AccessLevel.Triage, Describe(RelationshipKind.Triage), false, ownServices, sensitive), null);
        }
        if (who.Has(Roles.Clinician))
        {
            var glass = await db.BreakGlassAccesses.AsNoTracking()
                .Where(b => b.PatientId == patientId && b.UserId == userId && b.ExpiresAt > now)
                .OrderByDescending(b => b.ExpiresAt)
                .Select(b => new { b.Reason, b.ExpiresAt })
                .FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (glass is not null)
            {
                // Emergency access sees the shared record but never restricted entries, not even its own service's.
                return (new RecordView(patientId, AccessLevel.Full, $"break-glass until {glass.ExpiresAt:HH:mm} UTC: {glass.Reason}", false, [], sensitive, Emergency: true), null);
            }
        }
        return (null, refusal);
    }

    /// <summary>
    /// The patient's practice and consent with each of their open relationships (a person has a handful), in one
    /// round trip: one row per relationship, or one row without. Relationships are matched to the caller in memory:
    /// with the caller's team or staff id in the SQL, SQLite picks the team index and scans the whole caseload
    /// instead (measured, bench/RESULTS.md). Compiled once per provider (each compiled query only ever sees one model):
    /// it runs on every record access, so EF's per-call query lookup is skipped.
    /// </summary>
    private static Func<JoinedUpDbContext, long, IAsyncEnumerable<PatientFacts>> CompileFacts() =>
        EF.CompileAsyncQuery((JoinedUpDbContext db, long patientId) =>
            from p in db.Patients.AsNoTracking().Where(p => p.Id == patientId)
            from r in db.CareRelationships.AsNoTracking().Where(r => r.PatientId == patientId && r.EndedAt == null).DefaultIfEmpty()
            select new PatientFacts
            {
                SharingDissent = p.SharingDissent,
                PracticeCode = p.RegisteredPractice != null ? p.RegisteredPractice.OdsCode : null,
                Kind = r == null ? null : r.Kind,
                TeamId = r == null ? null : r.TeamId,
                StaffMemberId = r == null ? null : r.StaffMemberId,
            });

    private static readonly Func<JoinedUpDbContext, long, IAsyncEnumerable<PatientFacts>> SqliteFacts = CompileFacts();
    private static readonly Func<JoinedUpDbContext, long, IAsyncEnumerable<PatientFacts>> PostgresFacts = CompileFacts();

    private IAsyncEnumerable<PatientFacts> Facts(long patientId) =>
        db is PostgresJoinedUpDbContext ? PostgresFacts(db, patientId) : SqliteFacts(db, patientId);

    /// <summary>
    /// Patients the caller has a relationship with, as a query to search within: a search never returns a patient the
    /// caller could not open. Carers and patients search nothing (they open their own records directly).
    /// </summary>
    public IQueryable<Patient> Searchable(AccessPrincipal who)
    {
        var patients = db.Patients.AsNoTracking();
        var org = who.OrganisationCode;
        var practice = (who.Has(Roles.PracticeStaff) || who.Has(Roles.System)) && org is not null;
        var teams = who.TeamIds.ToList();
        var staffId = who.StaffMemberId;
        var related = who.Has(Roles.Clinician) || who.Has(Roles.SpaCoordinator) || who.Has(Roles.CareNavigator);
        var userId = who.UserId;
        var now = clock.GetUtcNow().UtcDateTime;
        var glass = who.Has(Roles.Clinician);
        if (!practice && !related) return patients.Where(_ => false);
        return patients.Where(p =>
            (practice && p.RegisteredPractice != null && p.RegisteredPractice.OdsCode == org)
            || (related && db.CareRelationships.Any(r => r.PatientId == p.Id && r.EndedAt == null
                && ((r.TeamId != null && teams.Contains(r.TeamId.Value)) || (staffId != null && r.StaffMemberId == staffId))))
            || (glass && db.BreakGlassAccesses.Any(b => b.PatientId == p.Id && b.UserId == userId && b.ExpiresAt > now)));
    }

    /// <summary>
    /// Patients whose full record the caller may see through a standing relationship, as a query (set-based: one
    /// statement for a whole list, never a decision per row). The rules of <see cref="DecideAsync"/> for a full view:
    /// practice staff (and network leads, docs/adr/0006 4.4) their own practice's registered patients; clinicians,
    /// coordinators and navigators the people their teams (or they) hold a caseload, referral or navigator relationship
    /// with, unless the patient dissents from sharing. Triage-only relationships and break-glass are left out: an
    /// emergency opening of one record is not a reason to list people. Used for the people behind a measure's figure.
    /// </summary>
    public IQueryable<Patient> WithFullView(AccessPrincipal who)
    {
        var patients = db.Patients.AsNoTracking();
        var org = who.OrganisationCode;
        var practice = (who.Has(Roles.PracticeStaff) || who.Has(Roles.NetworkLead)) && org is not null;
        var teams = who.TeamIds.ToList();
        var staffId = who.StaffMemberId;
        var related = who.Has(Roles.Clinician) || who.Has(Roles.SpaCoordinator) || who.Has(Roles.CareNavigator);
        if (!practice && !related) return patients.Where(_ => false);
        return patients.Where(p =>
            (practice && p.RegisteredPractice != null && p.RegisteredPractice.OdsCode == org)
            || (related && !p.SharingDissent && db.CareRelationships.Any(r => r.PatientId == p.Id && r.EndedAt == null && r.Kind != RelationshipKind.Triage
                && ((r.TeamId != null && teams.Contains(r.TeamId.Value)) || (staffId != null && r.StaffMemberId == staffId)))));
    }

    /// <summary>Opens a record in an emergency. The reason is required; the access lasts <see cref="SecurityOptions.BreakGlassMinutes"/>.</summary>
    public async Task<BreakGlassResult> BreakGlassAsync(AccessPrincipal who, long patientId, string? reason, SecurityOptions options, CancellationToken ct)
    {
        var trimmed = reason?.Trim() ?? "";
        if (trimmed.Length < options.BreakGlassMinimumReasonLength)
        {
            return new BreakGlassResult(null, $"Give the clinical reason for emergency access in at least {options.BreakGlassMinimumReasonLength} characters (for example \"Unconscious on home visit, need medication history\").");
        }
        if (trimmed.Length > 1000) return new BreakGlassResult(null, "Keep the reason under 1000 characters.");
        var exists = await db.Patients.AnyAsync(p => p.Id == patientId, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        if (!exists)
        {
            await audit.RecordAsync(Event(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.BreakGlass), $"Patient/{patientId}", patientId, "no such patient", trimmed), ct).ConfigureAwait(false);
            return new BreakGlassResult(null, null);
        }
        var access = new BreakGlassAccess
        {
            PatientId = patientId,
            UserId = who.UserId,
            UserName = who.DisplayName,
            Role = who.PrimaryRole,
            OrganisationCode = who.OrganisationCode,
            Reason = trimmed,
            StartedAt = now,
            ExpiresAt = now.AddMinutes(options.BreakGlassMinutes),
        };
        db.BreakGlassAccesses.Add(access);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await audit.RecordAsync(Event(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.BreakGlass), $"Patient/{patientId}", patientId, "break-glass: " + trimmed, $"until {access.ExpiresAt:O}"), ct).ConfigureAwait(false);
        return new BreakGlassResult(access, null);
    }

    /// <summary>Audits an action that is not the opening of one record (a search, a refusal before any patient is known).</summary>
    public Task AuditAsync(AccessPrincipal? who, string outcome, string action, string resource, long? patientId, string? basis, string? detail, CancellationToken ct) =>
        audit.RecordAsync(Event(who, outcome, action, resource, patientId, basis, detail), ct);

    private AuditEvent Event(AccessPrincipal? who, string outcome, string action, string resource, long? patientId, string? basis, string? detail = null) => new()
    {
        At = clock.GetUtcNow().UtcDateTime,
        UserId = who?.UserId,
        UserName = who?.DisplayName,
        Role = who?.PrimaryRole,
        OrganisationCode = who?.OrganisationCode,
        ClientId = who?.ClientId,
        PatientId = patientId,
        Action = action,
        Resource = resource,
        Outcome = outcome,
        Basis = basis,
        Detail = detail,
    };

    private static string Describe(RelationshipKind kind) => kind switch
    {
        RelationshipKind.Caseload => "on the team's caseload",
        RelationshipKind.Referral => "open referral to the team's service",
        RelationshipKind.Navigator => "assigned care navigator",
        RelationshipKind.Triage => "single point of access triage of an open referral",
        _ => kind.ToString(),
    };
}

/// <summary>The access granted, or what to fix (<see cref="Problem"/>); both null: refused like any record the caller may not open.</summary>
public sealed record BreakGlassResult(BreakGlassAccess? Access, string? Problem);
