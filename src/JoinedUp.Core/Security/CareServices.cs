using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Security;

/// <summary>A change refused because the input is wrong; the message says what to fix.</summary>
public sealed class SecurityRuleException(string message) : Exception(message);

/// <summary>
/// Starts and ends legitimate relationships. The events that justify a relationship (an accepted referral, a
/// navigator assignment, the start of triage) call <see cref="StartAsync"/>; the end of the episode calls <see cref="EndAsync"/>.
/// </summary>
public sealed class RelationshipService(JoinedUpDbContext db, TimeProvider clock)
{
    public async Task<CareRelationship> StartAsync(long patientId, RelationshipKind kind, int? teamId, int? staffMemberId, string source, CancellationToken ct)
    {
        if ((teamId is null) == (staffMemberId is null)) throw new SecurityRuleException("A relationship is held by a team or by one member of staff: give exactly one of teamId and staffMemberId.");
        if (kind == RelationshipKind.Navigator && staffMemberId is null) throw new SecurityRuleException("A navigator relationship names the navigator (staffMemberId).");
        if (kind != RelationshipKind.Navigator && teamId is null) throw new SecurityRuleException($"A {kind} relationship names the team (teamId).");
        if (!await db.Patients.AnyAsync(p => p.Id == patientId, ct).ConfigureAwait(false)) throw new SecurityRuleException($"There is no patient with id {patientId}.");
        if (teamId is not null && !await db.Teams.AnyAsync(t => t.Id == teamId, ct).ConfigureAwait(false)) throw new SecurityRuleException($"There is no team with id {teamId}.");
        if (staffMemberId is not null && !await db.Staff.AnyAsync(s => s.Id == staffMemberId, ct).ConfigureAwait(false)) throw new SecurityRuleException($"There is no member of staff with id {staffMemberId}.");

        var existing = await db.CareRelationships.FirstOrDefaultAsync(r => r.PatientId == patientId && r.Kind == kind && r.TeamId == teamId && r.StaffMemberId == staffMemberId && r.EndedAt == null, ct).ConfigureAwait(false);
        if (existing is not null) return existing; // starting it again is harmless: one open relationship per holder and kind
        var relationship = new CareRelationship
        {
            PatientId = patientId,
            Kind = kind,
            TeamId = teamId,
            StaffMemberId = staffMemberId,
            StartedAt = clock.GetUtcNow().UtcDateTime,
            Source = source,
        };
        db.CareRelationships.Add(relationship);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return relationship;
    }

    /// <summary>
    /// What a person (not an event) may start by hand: a referral routes the patient to <em>another</em> team, and a
    /// navigator assignment names <em>another</em> care navigator. Caseload and triage come only from the events that
    /// justify them (an accepted referral, the single point of access intake). Nobody grants themself or their own team
    /// access this way. Returns the problem, or null when allowed.
    /// </summary>
    public async Task<string?> CheckManualStartAsync(AccessPrincipal who, RelationshipKind kind, int? teamId, int? staffMemberId, CancellationToken ct)
    {
        switch (kind)
        {
            case RelationshipKind.Referral:
                if (teamId is null) return "A referral names the receiving team (teamId).";
                if (who.TeamIds.Contains(teamId.Value)) return "You cannot refer to your own team: a referral routes the person to another service.";
                return null;
            case RelationshipKind.Navigator:
                if (staffMemberId is null) return "A navigator assignment names the navigator (staffMemberId).";
                if (staffMemberId == who.StaffMemberId) return "You cannot assign yourself: another coordinator or navigator assigns you.";
                var role = await db.Staff.Where(s => s.Id == staffMemberId).Select(s => (Directory.StaffRole?)s.Role).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                return role == Directory.StaffRole.CareNavigator ? null : $"Member of staff {staffMemberId} is not a care navigator.";
            default:
                return $"A {kind.ToString().ToLowerInvariant()} relationship starts only from the event that justifies it (an accepted referral or the single point of access intake), not by hand.";
        }
    }

    /// <summary>Whether this person may end this relationship by hand: one they could have started, or their own team's or their own.</summary>
    public static bool MayEnd(AccessPrincipal who, CareRelationship relationship) =>
        relationship.Kind is RelationshipKind.Referral or RelationshipKind.Navigator
        || (relationship.TeamId is { } team && who.TeamIds.Contains(team))
        || (relationship.StaffMemberId is { } staff && staff == who.StaffMemberId);

    /// <summary>Ends a relationship (the episode ended). Returns false when there is no open relationship with that id.</summary>
    public async Task<bool> EndAsync(long relationshipId, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var changed = await db.CareRelationships.Where(r => r.Id == relationshipId && r.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, now).SetProperty(r => r.EndReason, reason), ct).ConfigureAwait(false);
        return changed == 1;
    }
}

/// <summary>Records a patient's sharing dissent and national data opt-out, keeping every change with who and when.</summary>
public sealed class ConsentService(JoinedUpDbContext db, TimeProvider clock)
{
    public async Task<ConsentDecision> SetAsync(AccessPrincipal who, long patientId, ConsentKind kind, bool inForce, string? note, CancellationToken ct)
    {
        var patient = await db.Patients.FirstOrDefaultAsync(p => p.Id == patientId, ct).ConfigureAwait(false)
            ?? throw new SecurityRuleException($"There is no patient with id {patientId}.");
        var now = clock.GetUtcNow().UtcDateTime;
        if (kind == ConsentKind.SharingDissent) patient.SharingDissent = inForce;
        else patient.NationalOptOut = inForce;
        patient.VersionId++;
        patient.LastUpdated = now;
        var decision = new ConsentDecision
        {
            PatientId = patientId,
            Kind = kind,
            InForce = inForce,
            RecordedAt = now,
            RecordedByUserId = who.UserId,
            RecordedByName = who.DisplayName,
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
        };
        db.ConsentDecisions.Add(decision);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return decision;
    }
}

/// <summary>A patient grants a carer proxy access to their record, or withdraws it.</summary>
public sealed class CarerProxyService(JoinedUpDbContext db, TimeProvider clock)
{
    /// <summary>Grants access to the carer user with this email. Only the patient may grant it (checked by the caller's permission and <paramref name="patientId"/> being theirs).</summary>
    public async Task<CarerProxy> GrantAsync(AccessPrincipal patient, long patientId, string carerEmail, CancellationToken ct)
    {
        if (patient.PatientId != patientId) throw new SecurityRuleException("Only the patient can grant access to their own record.");
        var normalised = carerEmail.Trim().ToUpperInvariant();
        var carer = await db.Users.Where(u => u.NormalizedEmail == normalised).Select(u => new { u.Id }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var carerId = carer?.Id;
        if (carerId is null || !await db.UserRoles.AnyAsync(ur => ur.UserId == carerId && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == Roles.Carer), ct).ConfigureAwait(false))
        {
            throw new SecurityRuleException($"No carer account has the email '{carerEmail.Trim()}'. Ask your carer to check the email they signed up with.");
        }
        var existing = await db.CarerProxies.FirstOrDefaultAsync(p => p.PatientId == patientId && p.CarerUserId == carerId && p.WithdrawnAt == null, ct).ConfigureAwait(false);
        if (existing is not null) return existing;
        var proxy = new CarerProxy { PatientId = patientId, CarerUserId = carerId, GrantedAt = clock.GetUtcNow().UtcDateTime, GrantedByUserId = patient.UserId };
        db.CarerProxies.Add(proxy);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return proxy;
    }

    /// <summary>Withdraws a proxy; from then on the carer is refused.</summary>
    public async Task<bool> WithdrawAsync(AccessPrincipal patient, long patientId, long proxyId, CancellationToken ct)
    {
        if (patient.PatientId != patientId) throw new SecurityRuleException("Only the patient can withdraw access to their own record.");
        var now = clock.GetUtcNow().UtcDateTime;
        var userId = patient.UserId;
        return await db.CarerProxies.Where(p => p.Id == proxyId && p.PatientId == patientId && p.WithdrawnAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.WithdrawnAt, now).SetProperty(p => p.WithdrawnByUserId, userId), ct).ConfigureAwait(false) == 1;
    }
}

/// <summary>Patient-level exports and secondary-use datasets start here: people with a national data opt-out are never in them.</summary>
public static class SecondaryUse
{
    public static IQueryable<Record.Patient> Cohort(IQueryable<Record.Patient> patients) => patients.Where(p => !p.NationalOptOut);
}

public enum BreakGlassReviewResult
{
    Recorded,
    NotFound,
    AlreadyReviewed,
    OutcomeMissing,
    NoteMissing,
    OwnAccess,
}

/// <summary>Information governance review of emergency access: once per access, never by the person who broke the glass.</summary>
public sealed class BreakGlassReviewService(JoinedUpDbContext db, Audit.AuditTrail audit, TimeProvider clock)
{
    public async Task<BreakGlassReviewResult> ReviewAsync(AccessPrincipal who, long id, string? outcomeText, string? note, CancellationToken ct)
    {
        BreakGlassReviewOutcome? outcome = outcomeText switch
        {
            "appropriate" => BreakGlassReviewOutcome.Appropriate,
            "inappropriate" => BreakGlassReviewOutcome.Inappropriate,
            _ => null,
        };
        if (outcome is null) return BreakGlassReviewResult.OutcomeMissing;
        var trimmed = string.IsNullOrWhiteSpace(note) ? null : note.Trim()[..Math.Min(note.Trim().Length, 1000)];
        if (outcome == BreakGlassReviewOutcome.Inappropriate && trimmed is null) return BreakGlassReviewResult.NoteMissing;
        var access = await db.BreakGlassAccesses.AsNoTracking().Where(b => b.Id == id).Select(b => new { b.UserId, b.PatientId, b.ReviewedAt }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (access is null) return BreakGlassReviewResult.NotFound;
        if (string.Equals(access.UserId, who.UserId, StringComparison.Ordinal)) return BreakGlassReviewResult.OwnAccess;
        var now = clock.GetUtcNow().UtcDateTime;
        var reviewer = who.UserId;
        // Only the first of two reviewers racing each other records a review.
        var changed = await db.BreakGlassAccesses.Where(b => b.Id == id && b.ReviewedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(b => b.ReviewedAt, now).SetProperty(b => b.ReviewedByUserId, reviewer)
                .SetProperty(b => b.ReviewOutcome, outcome).SetProperty(b => b.ReviewNote, trimmed), ct).ConfigureAwait(false);
        if (changed == 0) return BreakGlassReviewResult.AlreadyReviewed;
        await audit.RecordAsync(new Audit.AuditEvent
        {
            At = now, UserId = who.UserId, UserName = who.DisplayName, Role = who.PrimaryRole, OrganisationCode = who.OrganisationCode, ClientId = who.ClientId,
            PatientId = access.PatientId, Action = PermissionMatrix.Name(Permission.BreakGlassReview), Resource = $"BreakGlass/{id}",
            Outcome = Audit.AuditOutcome.Allowed, Basis = outcomeText, Detail = trimmed,
        }, ct).ConfigureAwait(false);
        return BreakGlassReviewResult.Recorded;
    }

    public static string Code(BreakGlassReviewResult result) => result switch
    {
        BreakGlassReviewResult.OutcomeMissing => "choose",
        BreakGlassReviewResult.NoteMissing => "note",
        BreakGlassReviewResult.AlreadyReviewed or BreakGlassReviewResult.NotFound => "reviewed",
        BreakGlassReviewResult.OwnAccess => "own",
        _ => "failed",
    };

    public static string Message(BreakGlassReviewResult result) => result switch
    {
        BreakGlassReviewResult.OutcomeMissing => "Choose appropriate or inappropriate.",
        BreakGlassReviewResult.NoteMissing => "Add a note saying why the access was inappropriate and what follows.",
        BreakGlassReviewResult.AlreadyReviewed or BreakGlassReviewResult.NotFound => "That access has already been reviewed.",
        BreakGlassReviewResult.OwnAccess => "You cannot review your own emergency access: another information governance officer must.",
        _ => "The review was not recorded.",
    };
}
