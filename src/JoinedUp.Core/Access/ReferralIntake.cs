using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Access;

/// <summary>
/// A referral as sent through any door. Enumerations are text so that a wrong value gets a message naming the field and
/// the values allowed. Staff name the patient by <see cref="PatientId"/> or <see cref="NhsNumber"/>; the public form
/// gives the person's details instead.
/// </summary>
public sealed record ReferralRequest
{
    /// <summary>gp, hospital-discharge, social-care, community-service, self or carer.</summary>
    public string? Source { get; init; }

    public long? PatientId { get; init; }

    public string? NhsNumber { get; init; }

    public string? GivenName { get; init; }

    public string? FamilyName { get; init; }

    public DateOnly? BirthDate { get; init; }

    public string? Postcode { get; init; }

    public string? Phone { get; init; }

    public string? Email { get; init; }

    public string? Reason { get; init; }

    /// <summary>Optional SNOMED CT code for the reason.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>A service code from the catalogue, or null for "the single point of access decides".</summary>
    public string? ServiceCode { get; init; }

    /// <summary>routine, within-2-days or within-2-hours.</summary>
    public string? Urgency { get; init; }

    public bool InterpreterNeeded { get; init; }

    /// <summary>ISO 639-1 code of the person's preferred language.</summary>
    public string? Language { get; init; }

    public bool AdvocacyRequested { get; init; }

    /// <summary>How to reach the referrer about this referral.</summary>
    public string? ReferrerContact { get; init; }

    /// <summary>For a carer referring: the carer's name.</summary>
    public string? ReferrerName { get; init; }
}

public enum IntakeOutcome
{
    /// <summary>A new referral.</summary>
    Created,

    /// <summary>A retry of an earlier submission with the same idempotency key: that referral, unchanged.</summary>
    Replayed,

    /// <summary>A new referral linked to an open one for the same person and service (the coordinator is told).</summary>
    Linked,

    /// <summary>The input is wrong; <see cref="IntakeResult.Problems"/> says what to fix. Nothing stored.</summary>
    Invalid,

    /// <summary>The caller may not refer this person. Nothing stored.</summary>
    Refused,

    /// <summary>The idempotency key was used before for a different referral. Nothing stored.</summary>
    KeyReused,
}

/// <summary>A problem with one field of a referral: the field (as the request names it) and what to do.</summary>
public sealed record IntakeProblem(string Field, string Message);

public sealed record IntakeResult(IntakeOutcome Outcome, Referral? Referral, IReadOnlyList<IntakeProblem> Problems, string? LinkedReference = null)
{
    public static IntakeResult Invalid(params IntakeProblem[] problems) => new(IntakeOutcome.Invalid, null, problems);
}

/// <summary>
/// Takes referrals in, from every door, with one set of rules: validation with messages that say what to fix, who may
/// refer whom, idempotent retries (<c>Idempotency-Key</c>, or FHIR conditional create), linking of a second open
/// referral for the same person and service, the urgency the rules suggest, the single point of access's triage
/// relationship, and an audit entry. One transaction per referral.
/// </summary>
public sealed class ReferralIntake(JoinedUpDbContext db, AccessDirectory directory, RecordAccessService access, IntakeWriter writer, TimeProvider clock)
{
    public const int MaxReasonLength = 4000;

    private const string ReferenceAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    /// <summary>A referral from staff or a system, about a patient in the shared record.</summary>
    public Task<IntakeResult> SubmitAsync(AccessPrincipal who, ReferralRequest request, string? idempotencyKey, CancellationToken ct) =>
        SubmitCoreAsync(who, request, idempotencyKey, who.ClientId ?? who.UserId, ct);

    /// <summary>
    /// A self-referral or a carer's referral from the public form: no account. The person is matched to a record only
    /// when NHS number and date of birth both agree; otherwise the coordinator matches them before triage.
    /// </summary>
    public Task<IntakeResult> SubmitPublicAsync(ReferralRequest request, string? formKey, CancellationToken ct, ReferralAttachment? attachment = null)
    {
        _attachment = attachment;
        return SubmitCoreAsync(null, request, formKey, "public", ct);
    }

    private ReferralAttachment? _attachment;

    private async Task<IntakeResult> SubmitCoreAsync(AccessPrincipal? who, ReferralRequest request, string? key, string owner, CancellationToken ct)
    {
        var (parsed, problems) = Validate(request, publicForm: who is null);
        if (key is not null && (key.Length > 200 || key.Length < 8)) problems.Add(new("Idempotency-Key", "Send an Idempotency-Key of 8 to 200 characters (a UUID is ideal), or none."));
        if (problems.Count > 0) return new IntakeResult(IntakeOutcome.Invalid, null, problems);
        var hash = Hash(request);
        for (var attempt = 0; ; attempt++)
        {
            // A first attempt trusts the unique index to catch a retry (it is rare); only a refused insert looks the key up.
            if (key is not null && attempt > 0)
            {
                var earlier = await db.Referrals.AsNoTracking().FirstOrDefaultAsync(r => r.IdempotencyOwner == owner && r.IdempotencyKey == key, ct).ConfigureAwait(false);
                if (earlier is not null)
                {
                    return string.Equals(earlier.RequestHash, hash, StringComparison.Ordinal)
                        ? new IntakeResult(IntakeOutcome.Replayed, earlier, [])
                        : new IntakeResult(IntakeOutcome.KeyReused, earlier, [new("Idempotency-Key", $"This Idempotency-Key was used for referral {earlier.Reference} with different details. Use a new key for a new referral.")]);
                }
            }
            var result = await TryInsertAsync(who, request, parsed, key, owner, hash, ct).ConfigureAwait(false);
            if (result is not null) return result;
            // A unique index refused the insert: a retry with the same key, or another referral for the same person
            // and service, committed first. Look again: the next pass replays or links.
            if (attempt >= 4) throw new InvalidOperationException("The referral could not be stored after several attempts: the database keeps refusing it.");
        }
    }

    /// <summary>The problems with a referral's fields alone (nothing is looked up or stored).</summary>
    public static IReadOnlyList<IntakeProblem> Check(ReferralRequest request, bool publicForm) => Validate(request, publicForm).Problems;

    private sealed record Parsed(ReferralSource Source, Urgency? Urgency, string? NhsNumber);

    private static (Parsed Parsed, List<IntakeProblem> Problems) Validate(ReferralRequest r, bool publicForm)
    {
        var problems = new List<IntakeProblem>();
        ReferralSource? source = ParseSource(r.Source);
        if (source is null)
        {
            problems.Add(new("source", $"Say who is referring: source must be one of {string.Join(", ", Sources.Keys)}" + (string.IsNullOrWhiteSpace(r.Source) ? "." : $" (not '{Trim(r.Source, 40)}').")));
        }
        else if (publicForm && source is not (ReferralSource.Self or ReferralSource.Carer))
        {
            problems.Add(new("source", "The public form is for people referring themselves or someone they care for."));
        }
        Urgency? urgency = null;
        if (!string.IsNullOrWhiteSpace(r.Urgency))
        {
            urgency = ParseUrgency(r.Urgency);
            if (urgency is null) problems.Add(new("urgency", $"urgency must be routine, within-2-days or within-2-hours (not '{Trim(r.Urgency, 40)}')."));
        }
        if (string.IsNullOrWhiteSpace(r.Reason)) problems.Add(new("reason", "Say why the person is being referred: what has changed and what help they need."));
        else if (r.Reason.Length > MaxReasonLength) problems.Add(new("reason", $"Keep the reason under {MaxReasonLength} characters ({r.Reason.Length} given); attach letters to the record instead."));
        if (r.ReasonCode is { } code && (code.Length is < 6 or > 18 || !code.All(char.IsAsciiDigit))) problems.Add(new("reasonCode", $"reasonCode must be a SNOMED CT concept id (6 to 18 digits), not '{Trim(code, 40)}'."));
        string? nhs = null;
        if (!string.IsNullOrWhiteSpace(r.NhsNumber))
        {
            if (NhsNumber.TryParse(r.NhsNumber, out var number, out var error)) nhs = number.Value.Value;
            else problems.Add(new("nhsNumber", error!));
        }
        if (publicForm)
        {
            if (string.IsNullOrWhiteSpace(r.GivenName)) problems.Add(new("givenName", "Enter the first name of the person who needs care."));
            if (string.IsNullOrWhiteSpace(r.FamilyName)) problems.Add(new("familyName", "Enter the last name of the person who needs care."));
            if (r.BirthDate is null) problems.Add(new("birthDate", "Enter the date of birth of the person who needs care."));
            if (string.IsNullOrWhiteSpace(r.Phone) && string.IsNullOrWhiteSpace(r.Email)) problems.Add(new("phone", "Give a phone number or an email address so that we can contact you."));
            if (source == ReferralSource.Carer && string.IsNullOrWhiteSpace(r.ReferrerName)) problems.Add(new("referrerName", "Enter your own name, as the carer making the referral."));
        }
        else if (r.PatientId is null && nhs is null && !problems.Any(p => p.Field == "nhsNumber"))
        {
            problems.Add(new("nhsNumber", "Name the patient: give their NHS number (or patientId)."));
        }
        if (r.BirthDate is { } born && (born > DateOnly.FromDateTime(DateTime.UtcNow) || born.Year < 1890)) problems.Add(new("birthDate", $"The date of birth {born:yyyy-MM-dd} cannot be right: check it."));
        CheckLength(problems, "givenName", r.GivenName, 100);
        CheckLength(problems, "familyName", r.FamilyName, 100);
        CheckLength(problems, "postcode", r.Postcode, 10);
        CheckLength(problems, "phone", r.Phone, 32);
        CheckLength(problems, "email", r.Email, 254);
        CheckLength(problems, "referrerContact", r.ReferrerContact, 254);
        CheckLength(problems, "referrerName", r.ReferrerName, 200);
        CheckLength(problems, "serviceCode", r.ServiceCode, 64);
        if (r.Email is { Length: > 0 } email && !email.Contains('@', StringComparison.Ordinal)) problems.Add(new("email", "Enter an email address like name@example.com."));
        if (r.Language is { Length: > 0 } lang && (lang.Length > 8 || !lang.All(char.IsAsciiLetter))) problems.Add(new("language", "language is an ISO 639-1 code such as bn (Bengali) or so (Somali)."));
        return (new Parsed(source ?? ReferralSource.Gp, urgency, nhs), problems);
    }

    private async Task<IntakeResult?> TryInsertAsync(AccessPrincipal? who, ReferralRequest request, Parsed parsed, string? key, string owner, string hash, CancellationToken ct)
    {
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow().UtcDateTime;
        var requested = snapshot.ByCode(request.ServiceCode);
        if (request.ServiceCode is not null && requested is null)
        {
            return IntakeResult.Invalid(new IntakeProblem("serviceCode", $"There is no service '{Trim(request.ServiceCode, 64)}'. Leave it out and the single point of access chooses, or use one of: {string.Join(", ", snapshot.Services.Where(s => s.Code != "spa").Select(s => s.Code))}."));
        }
        if (requested?.Code == "spa") requested = null;

        PatientRow? patient = null;
        if (who is not null || parsed.NhsNumber is not null)
        {
            patient = await FindPatientAsync(request.PatientId, parsed.NhsNumber, ct).ConfigureAwait(false);
        }
        if (who is not null)
        {
            var refusal = patient is null ? null : await MayReferAsync(who, patient, ct).ConfigureAwait(false);
            if (patient is null || refusal is not null)
            {
                await access.AuditAsync(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.ReferralCreate), "Referral", patient?.Id, refusal ?? "no such patient", null, ct).ConfigureAwait(false);
                // The same answer whether or not the patient exists, unless the caller may refer anyone (the SPA).
                if (patient is null && who.Has(Roles.SpaCoordinator))
                {
                    return IntakeResult.Invalid(new IntakeProblem(request.PatientId is null ? "nhsNumber" : "patientId",
                        "No patient in the shared record has that " + (request.PatientId is null ? "NHS number" : "id") + ". Check it; a person new to the borough is registered by their practice first, or can refer themselves at /refer."));
                }
                return new IntakeResult(IntakeOutcome.Refused, null, [new("patient", "You can refer people registered at your practice, on your team's caseload or referred to your service. Anyone else is referred by their practice or through the single point of access.")]);
            }
            var contradictions = new List<IntakeProblem>();
            if (request.BirthDate is { } given && given != patient.BirthDate)
            {
                contradictions.Add(new("birthDate", $"The date of birth {given:yyyy-MM-dd} does not match the record for this patient: check both the NHS number and the date of birth."));
            }
            if (request.PatientId is { } pid && parsed.NhsNumber is { } n && (pid != patient.Id || patient.NhsNumber != n))
            {
                contradictions.Add(new("nhsNumber", "patientId and nhsNumber name different people: send one of them."));
            }
            if (contradictions.Count > 0) return new IntakeResult(IntakeOutcome.Invalid, null, contradictions);
        }
        else if (patient is not null && (request.BirthDate != patient.BirthDate))
        {
            patient = null; // an NHS number without the matching birth date never matches a public referral to a record
        }

        int? age = patient is not null ? UkClock.AgeYears(patient.BirthDate, now) : request.BirthDate is { } b ? UkClock.AgeYears(b, now) : null;
        bool? resident = patient is not null ? patient.Registered || AccessDirectory.InBorough(patient.Postcode) : request.Postcode is null ? null : AccessDirectory.InBorough(request.Postcode);
        var conditions = patient is not null && requested is not null && requested.Triage.EligibleConditionCodes.Count > 0
            ? await db.Conditions.AsNoTracking().Where(c => c.PatientId == patient.Id && c.Status == ConditionStatus.Active && !c.Confidential).Select(c => c.Code).Distinct().ToListAsync(ct).ConfigureAwait(false)
            : [];
        var triageCase = new TriageCase(parsed.Source, request.Reason!, request.ReasonCode is null ? [] : [request.ReasonCode], requested?.Code, parsed.Urgency,
            age, resident, conditions, request.Language, request.InterpreterNeeded, request.AdvocacyRequested);
        if (requested is not null && who is not null)
        {
            var check = TriageEngine.CheckEligibility(requested.Triage, triageCase);
            if (!check.Eligible)
            {
                return IntakeResult.Invalid(new IntakeProblem("serviceCode", $"{requested.Name} cannot take this person: {string.Join("; ", check.Reasons)}. Refer without a service and the single point of access will find the right one, or choose another service."));
            }
        }
        var suggestion = TriageEngine.Suggest(snapshot.Rules, triageCase, snapshot.Services.Select(s => s.Triage).ToList(), UkClock.ToLocal(now));

        // A second open referral for the same person and service is linked, never duplicated.
        string? openKey = patient is null ? null : OpenKeyFor(patient.Id, requested?.Code);
        Referral? linkedTo = null;
        if (patient is not null)
        {
            linkedTo = await (db is PostgresJoinedUpDbContext ? PostgresOpenReferral : SqliteOpenReferral)(db, openKey!, ct).ConfigureAwait(false);
            if (linkedTo is null && requested is not null)
            {
                var serviceId = requested.Id;
                var pid = patient.Id;
                linkedTo = await db.ReferralRoutes.AsNoTracking()
                    .Where(rt => rt.ServiceId == serviceId && (rt.Status == RouteStatus.Waiting || rt.Status == RouteStatus.Accepted) && rt.Referral!.PatientId == pid)
                    .Select(rt => rt.Referral).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            }
        }
        var referral = new Referral
        {
            Reference = NewReference(),
            PatientId = patient?.Id,
            Source = parsed.Source,
            GivenName = Clean(request.GivenName) ?? patient?.GivenName ?? "",
            FamilyName = Clean(request.FamilyName) ?? patient?.FamilyName ?? "",
            BirthDate = request.BirthDate ?? patient?.BirthDate,
            NhsNumber = parsed.NhsNumber ?? patient?.NhsNumber,
            Postcode = Clean(request.Postcode)?.ToUpperInvariant() ?? patient?.Postcode,
            Phone = Clean(request.Phone),
            Email = Clean(request.Email),
            Reason = request.Reason!.Trim(),
            ReasonCode = request.ReasonCode,
            RequestedServiceId = requested?.Id,
            RequestedUrgency = parsed.Urgency,
            Urgency = suggestion.Urgency,
            Status = ReferralStatus.Received,
            InterpreterNeeded = request.InterpreterNeeded || (request.Language is { Length: > 0 } l && !string.Equals(l, "en", StringComparison.OrdinalIgnoreCase)),
            Language = Clean(request.Language)?.ToLowerInvariant(),
            AdvocacyRequested = request.AdvocacyRequested,
            ReceivedAt = now,
            LinkedReferralId = linkedTo?.Id,
            OpenKey = linkedTo is null ? openKey : null,
            ReferrerUserId = who?.UserId,
            ReferrerName = who?.DisplayName ?? (parsed.Source == ReferralSource.Carer ? Clean(request.ReferrerName)! : "Self-referral"),
            ReferrerOrganisationCode = who?.OrganisationCode,
            ReferrerClientId = who?.ClientId,
            ReferrerContact = Clean(request.ReferrerContact) ?? (who is null ? Clean(request.Phone) ?? Clean(request.Email) : null),
            IdempotencyKey = key,
            IdempotencyOwner = key is null ? null : owner,
            RequestHash = key is null ? null : hash,
            LastUpdated = now,
        };
        if (_attachment is not null) _attachment.AddedAt = now;
        // Group commit with the other referrals arriving now; false: a unique index refused it, so look again.
        if (!await writer.WriteAsync(new IntakeWrite(referral, _attachment, patient is null ? null : snapshot.SpaTeamId), ct).ConfigureAwait(false)) return null;
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ReferralCreate), $"Referral/{referral.Reference}", referral.PatientId,
            who is null ? "public self-referral form" : "referral received", linkedTo is null ? null : $"linked to {linkedTo.Reference}", ct).ConfigureAwait(false);
        return linkedTo is null
            ? new IntakeResult(IntakeOutcome.Created, referral, [])
            : new IntakeResult(IntakeOutcome.Linked, referral, [], linkedTo.Reference);
    }

    internal sealed record PatientRow(long Id, string? NhsNumber, string GivenName, string FamilyName, DateOnly BirthDate, string? Postcode, string? PracticeCode, bool Registered);

    private Task<PatientRow?> FindPatientAsync(long? id, string? nhs, CancellationToken ct)
    {
        var postgres = db is PostgresJoinedUpDbContext;
        return id is { } pid
            ? (postgres ? PostgresPatientById : SqlitePatientById)(db, pid, ct)
            : (postgres ? PostgresPatientByNhs : SqlitePatientByNhs)(db, nhs!, ct);
    }

    // Intake runs a thousand times a second: its two lookups are compiled once per provider (each compiled query only
    // ever sees one model), which skips EF's per-call query cache lookup.
    private static readonly System.Linq.Expressions.Expression<Func<Patient, PatientRow>> Row = p => new PatientRow(p.Id, p.NhsNumber, p.GivenName, p.FamilyName, p.BirthDate, p.Postcode,
        p.RegisteredPractice != null ? p.RegisteredPractice.OdsCode : null, p.RegisteredPracticeId != null);

    private static Func<JoinedUpDbContext, long, CancellationToken, Task<PatientRow?>> ById() =>
        EF.CompileAsyncQuery((JoinedUpDbContext d, long id, CancellationToken ct) => d.Patients.AsNoTracking().Where(p => p.Id == id).Select(Row).FirstOrDefault());

    private static Func<JoinedUpDbContext, string, CancellationToken, Task<PatientRow?>> ByNhs() =>
        EF.CompileAsyncQuery((JoinedUpDbContext d, string nhs, CancellationToken ct) => d.Patients.AsNoTracking().Where(p => p.NhsNumber == nhs).Select(Row).FirstOrDefault());

    private static Func<JoinedUpDbContext, string, CancellationToken, Task<Referral?>> ByOpenKey() =>
        EF.CompileAsyncQuery((JoinedUpDbContext d, string key, CancellationToken ct) => d.Referrals.AsNoTracking().FirstOrDefault(r => r.OpenKey == key));

    private static readonly Func<JoinedUpDbContext, long, CancellationToken, Task<PatientRow?>> SqlitePatientById = ById();
    private static readonly Func<JoinedUpDbContext, long, CancellationToken, Task<PatientRow?>> PostgresPatientById = ById();
    private static readonly Func<JoinedUpDbContext, string, CancellationToken, Task<PatientRow?>> SqlitePatientByNhs = ByNhs();
    private static readonly Func<JoinedUpDbContext, string, CancellationToken, Task<PatientRow?>> PostgresPatientByNhs = ByNhs();
    private static readonly Func<JoinedUpDbContext, string, CancellationToken, Task<Referral?>> SqliteOpenReferral = ByOpenKey();
    private static readonly Func<JoinedUpDbContext, string, CancellationToken, Task<Referral?>> PostgresOpenReferral = ByOpenKey();

    /// <summary>Who may refer whom: the SPA anyone; a practice (staff or system) its registered patients; others those they have a relationship with.</summary>
    private async Task<string?> MayReferAsync(AccessPrincipal who, PatientRow patient, CancellationToken ct)
    {
        if (who.Has(Roles.SpaCoordinator)) return null;
        if ((who.Has(Roles.PracticeStaff) || who.Has(Roles.System)) && who.OrganisationCode is not null && string.Equals(who.OrganisationCode, patient.PracticeCode, StringComparison.Ordinal)) return null;
        var (view, _) = await access.DecideAsync(who, patient.Id, ct).ConfigureAwait(false);
        return view is not null && !view.Emergency ? null : "no legitimate relationship with the person";
    }

    internal static string OpenKeyFor(long patientId, string? serviceCode) => string.Create(CultureInfo.InvariantCulture, $"{patientId}:{serviceCode ?? "spa"}");

    /// <summary>"R-" and 8 characters: 31^8 ≈ 8.5e11 values, so a clash is rare and the unique index catches it.</summary>
    public static string NewReference()
    {
        Span<char> chars = stackalloc char[10];
        chars[0] = 'R';
        chars[1] = '-';
        for (var i = 2; i < 10; i++) chars[i] = ReferenceAlphabet[RandomNumberGenerator.GetInt32(ReferenceAlphabet.Length)];
        return new string(chars);
    }

    private static readonly Dictionary<string, ReferralSource> Sources = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gp"] = ReferralSource.Gp,
        ["hospital-discharge"] = ReferralSource.HospitalDischarge,
        ["social-care"] = ReferralSource.SocialCare,
        ["community-service"] = ReferralSource.CommunityService,
        ["self"] = ReferralSource.Self,
        ["carer"] = ReferralSource.Carer,
    };

    public static ReferralSource? ParseSource(string? text) => text is not null && Sources.TryGetValue(text.Trim(), out var s) ? s : null;

    public static string SourceCode(ReferralSource source) => Sources.First(kv => kv.Value == source).Key;

    public static Urgency? ParseUrgency(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "routine" => Urgency.Routine,
        "within-2-days" => Urgency.Within2Days,
        "within-2-hours" or "urgent" => Urgency.Within2Hours,
        _ => null,
    };

    public static string UrgencyCode(Urgency urgency) => urgency switch
    {
        Urgency.Within2Hours => "within-2-hours",
        Urgency.Within2Days => "within-2-days",
        _ => "routine",
    };

    public static string DescribeSource(ReferralSource source) => source switch
    {
        ReferralSource.Gp => "GP",
        ReferralSource.HospitalDischarge => "Hospital discharge",
        ReferralSource.SocialCare => "Social care",
        ReferralSource.CommunityService => "Community service",
        ReferralSource.Self => "Self-referral",
        ReferralSource.Carer => "Carer",
        _ => source.ToString(),
    };

    private static string Hash(ReferralRequest r)
    {
        var text = string.Join('\u001f', r.Source, r.PatientId, r.NhsNumber, r.GivenName, r.FamilyName, r.BirthDate, r.Postcode, r.Phone, r.Email, r.Reason,
            r.ReasonCode, r.ServiceCode, r.Urgency, r.InterpreterNeeded, r.Language, r.AdvocacyRequested, r.ReferrerContact, r.ReferrerName);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    private static void CheckLength(List<IntakeProblem> problems, string field, string? value, int max)
    {
        if (value is not null && value.Length > max) problems.Add(new(field, $"{field} is limited to {max} characters ({value.Length} given)."));
    }

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Trim(string value, int max) => value.Length <= max ? value : value[..max] + "…";
}
