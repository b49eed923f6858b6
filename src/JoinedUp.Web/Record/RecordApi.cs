using System.Globalization;
using JoinedUp.Record;
using JoinedUp.Record.Codes;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Record;

/// <summary>A patient found by a search: only patients the caller may open are ever returned.</summary>
public sealed record PatientMatch(long Id, string? NhsNumber, string GivenName, string FamilyName, DateOnly BirthDate, string? PracticeCode);

public sealed record NewObservation(string? Code, string? Display, double? Value, double? SecondaryValue, string? Unit, DateTimeOffset? EffectiveAt, bool Confidential, string? ServiceCode);

public sealed record BreakGlassRequest(string? Reason);

public sealed record BreakGlassGranted(long Id, long PatientId, DateTime ExpiresAt, string Reason);

public sealed record ConsentChange(string? Kind, bool? InForce, string? Note);

public sealed record ConsentState(long PatientId, bool SharingDissent, bool NationalOptOut, IReadOnlyList<ConsentHistoryItem> History);

public sealed record ConsentHistoryItem(string Kind, bool InForce, DateTime RecordedAt, string RecordedBy, string? Note);

public sealed record ProxyGrant(string? CarerEmail);

public sealed record ProxyItem(long Id, string CarerName, string? CarerEmail, DateTime GrantedAt, DateTime? WithdrawnAt);

/// <summary>Patient search, shared by the API and the "Find a patient" page: only related patients, every result audited.</summary>
internal static class PatientSearch
{
    public static async Task<(List<PatientMatch>? Matches, string? Problem)> RunAsync(RecordAccessService access, AccessPrincipal who, string? nhsNumber, string? family, DateOnly? birthDate, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(nhsNumber) && string.IsNullOrWhiteSpace(family))
        {
            return (null, "Give an NHS number (10 digits), or a surname with an optional date of birth.");
        }
        var query = access.Searchable(who);
        if (!string.IsNullOrWhiteSpace(nhsNumber))
        {
            if (!NhsNumber.TryParse(nhsNumber, out var number, out var error)) return (null, error);
            var digits = number.Value.Value;
            query = query.Where(p => p.NhsNumber == digits);
        }
        if (!string.IsNullOrWhiteSpace(family))
        {
            var surname = family.Trim();
            if (surname.Length > 100) return (null, "Give a surname of at most 100 characters.");
            query = query.Where(p => p.FamilyName == surname);
        }
        if (birthDate is { } born) query = query.Where(p => p.BirthDate == born);
        var matches = await query.OrderBy(p => p.FamilyName).ThenBy(p => p.GivenName).Take(50)
            .Select(p => new PatientMatch(p.Id, p.NhsNumber, p.GivenName, p.FamilyName, p.BirthDate, p.RegisteredPractice != null ? p.RegisteredPractice.OdsCode : null))
            .ToListAsync(ct).ConfigureAwait(false);
        var terms = string.Join(',', new[] { nhsNumber is null ? null : "nhsNumber", family is null ? null : "family", birthDate is null ? null : "birthDate" }.OfType<string>());
        var action = PermissionMatrix.Name(Permission.RecordSearch);
        if (matches.Count == 0)
        {
            await access.AuditAsync(who, AuditOutcome.Allowed, action, $"Patient?{terms}", null, "search", "0 results", ct).ConfigureAwait(false);
        }
        // Each patient shown in the results is an access to their record, and is audited as one.
        await Task.WhenAll(matches.Select(m => access.AuditAsync(who, AuditOutcome.Allowed, action, $"Patient?{terms}", m.Id, "search result", null, ct))).ConfigureAwait(false);
        return (matches, null);
    }
}

/// <summary>
/// The shared record over plain JSON (the FHIR API builds on the same rules). Every handler first asks
/// <see cref="RecordAccessService"/>, which audits the attempt; a refusal is the same 403 whether or not the patient exists.
/// </summary>
internal static class RecordApi
{
    public static void MapRecordApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/record/patients").WithTags("Record");

        group.MapGet("/{id:long}", async Task<Results<Ok<PatientSummary>, ProblemHttpResult>> (long id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
            {
                // The record is read while its audit entry commits; nothing is returned until the entry is stored.
                var opened = await access.BeginOpenAsync(http.RequiredCaller(), id, PermissionMatrix.Name(Permission.RecordRead), $"Patient/{id}", ct).ConfigureAwait(false);
                if (opened.View is null) return NotAllowed();
                var summary = await PatientSummary.LoadAsync(db, opened.View, ct).ConfigureAwait(false);
                await opened.Audited.ConfigureAwait(false);
                return summary is null ? NotAllowed() : TypedResults.Ok(summary);
            })
            .RequirePermission(Permission.RecordRead)
            .WithName("ReadPatientRecord").WithSummary("One patient's record, as much as the caller's relationship allows.");

        group.MapGet("/", async Task<Results<Ok<List<PatientMatch>>, ProblemHttpResult>> (string? nhsNumber, string? family, DateOnly? birthDate, HttpContext http,
                RecordAccessService access, CancellationToken ct) =>
            {
                var (matches, problem) = await PatientSearch.RunAsync(access, http.RequiredCaller(), nhsNumber, family, birthDate, ct).ConfigureAwait(false);
                if (matches is null) return Problem(400, "Search not possible", problem!);
                return TypedResults.Ok(matches);
            })
            .RequirePermission(Permission.RecordSearch)
            .WithName("SearchPatients").WithSummary("Find patients by NHS number or surname; only patients the caller has a relationship with are returned.");

        group.MapPost("/{id:long}/observations", async Task<Results<Created<RecordItem>, ProblemHttpResult>> (long id, NewObservation body, HttpContext http,
                RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var opened = await access.OpenAsync(who, id, PermissionMatrix.Name(Permission.RecordWrite), $"Patient/{id}/Observation", ct).ConfigureAwait(false);
                if (opened.View is null) return NotAllowed();
                if (opened.View.Emergency || opened.View.Level != AccessLevel.Full)
                {
                    return Problem(403, "Read-only access", "Emergency (break-glass) and triage access can read but not add to the record. Ask the patient's care team to record it.");
                }
                if (string.IsNullOrWhiteSpace(body.Code) || body.Code.Length > 18 || !body.Code.All(char.IsAsciiDigit))
                {
                    return Problem(422, "Observation code missing or invalid", "Give the SNOMED CT code of what was measured as 6 to 18 digits, e.g. \"999791000000106\" for HbA1c.");
                }
                if (body.Value is null || double.IsNaN(body.Value.Value) || double.IsInfinity(body.Value.Value))
                {
                    return Problem(422, "Observation value missing", "Give the measured value as a number.");
                }
                var now = clock.GetUtcNow().UtcDateTime;
                // A time without an offset is taken as UTC, never as the server's local time.
                var effective = body.EffectiveAt?.UtcDateTime ?? now;
                if (effective > now.AddMinutes(5)) return Problem(422, "Observation in the future", "effectiveAt is later than now; give the time it was measured.");
                var known = ClinicalCodes.Find(CodeSystems.Snomed, body.Code);
                // The entry is labelled with the service that records it: named when the caller works for several.
                int? serviceId = null;
                if (!string.IsNullOrWhiteSpace(body.ServiceCode))
                {
                    var code = body.ServiceCode.Trim();
                    serviceId = await db.Services.Where(s => s.Code == code).Select(s => (int?)s.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                    if (serviceId is null || !opened.View.OwnServiceIds.Contains(serviceId.Value))
                    {
                        return Problem(422, "Not your service", $"serviceCode '{code}' is not a service whose team you belong to.");
                    }
                }
                else if (opened.View.OwnServiceIds.Count == 1)
                {
                    serviceId = opened.View.OwnServiceIds[0];
                }
                else if (opened.View.OwnServiceIds.Count > 1)
                {
                    return Problem(422, "Which service?", "You work in several services: give serviceCode, the service this entry belongs to.");
                }
                if (body.Confidential && serviceId is null)
                {
                    return Problem(422, "Confidential needs a service", "A confidential entry is seen only by the recording service's team and the patient: record it from a service team (serviceCode).");
                }
                var observation = new Observation
                {
                    PatientId = id,
                    Code = body.Code,
                    Display = body.Display?.Trim() is { Length: > 0 and <= 500 } d ? d : known?.Display,
                    Value = body.Value,
                    SecondaryValue = body.SecondaryValue,
                    Unit = body.Unit?.Trim() is { Length: > 0 and <= 32 } u ? u : known?.Unit,
                    EffectiveAt = effective,
                    RecordedByServiceId = serviceId,
                    Confidential = body.Confidential,
                    LastUpdated = now,
                };
                db.Observations.Add(observation);
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                var item = new RecordItem("observation", observation.Id, observation.Code, observation.Display, observation.Value?.ToString(CultureInfo.InvariantCulture), DateOnly.FromDateTime(effective), null, observation.Confidential);
                return TypedResults.Created($"/api/record/patients/{id}", item);
            })
            .RequirePermission(Permission.RecordWrite)
            .WithName("AddObservation").WithSummary("Adds a measurement to a patient's record.");

        group.MapPost("/{id:long}/break-glass", async Task<Results<Created<BreakGlassGranted>, ProblemHttpResult>> (long id, BreakGlassRequest body, HttpContext http,
                RecordAccessService access, SecurityOptions options, CancellationToken ct) =>
            {
                var result = await access.BreakGlassAsync(http.RequiredCaller(), id, body.Reason, options, ct).ConfigureAwait(false);
                if (result.Problem is not null) return Problem(422, "Emergency access not granted", result.Problem);
                if (result.Access is not { } granted) return NotAllowed();
                return TypedResults.Created($"/api/record/patients/{id}", new BreakGlassGranted(granted.Id, id, granted.ExpiresAt, granted.Reason));
            })
            .RequirePermission(Permission.BreakGlass)
            .WithName("BreakGlass").WithSummary("Emergency access to a record without a relationship: give the reason; it is time-limited, audited, shown to the patient and reviewed.");

        group.MapGet("/{id:long}/consent", async Task<Results<Ok<ConsentState>, ProblemHttpResult>> (long id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var opened = await access.OpenAsync(http.RequiredCaller(), id, "consent.read", $"Patient/{id}/Consent", ct).ConfigureAwait(false);
                if (opened.View is null) return NotAllowed();
                return TypedResults.Ok(await ConsentAsync(db, id, ct).ConfigureAwait(false));
            })
            .RequirePermission(Permission.ConsentManage)
            .WithName("ReadConsent").WithSummary("A patient's sharing dissent and national data opt-out, with their history.");

        group.MapPut("/{id:long}/consent", async Task<Results<Ok<ConsentState>, ProblemHttpResult>> (long id, ConsentChange body, HttpContext http,
                RecordAccessService access, ConsentService consent, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                ConsentKind? kind = body.Kind switch
                {
                    "sharing-dissent" => ConsentKind.SharingDissent,
                    "national-opt-out" => ConsentKind.NationalOptOut,
                    _ => null,
                };
                if (kind is null) return Problem(422, "Unknown consent kind", "kind must be \"sharing-dissent\" or \"national-opt-out\".");
                if (body.InForce is null) return Problem(422, "inForce missing", "Say whether the dissent or opt-out is now in force (true) or withdrawn (false).");
                var opened = await access.OpenAsync(who, id, PermissionMatrix.Name(Permission.ConsentManage), $"Patient/{id}/Consent", ct).ConfigureAwait(false);
                if (opened.View is null) return NotAllowed();
                await consent.SetAsync(who, id, kind.Value, body.InForce.Value, body.Note, ct).ConfigureAwait(false);
                return TypedResults.Ok(await ConsentAsync(db, id, ct).ConfigureAwait(false));
            })
            .RequirePermission(Permission.ConsentManage)
            .WithName("ChangeConsent").WithSummary("Records a sharing dissent or national data opt-out, or its withdrawal.");

        group.MapGet("/{id:long}/proxies", async Task<Results<Ok<List<ProxyItem>>, ProblemHttpResult>> (long id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId != id) return await RefuseProxyAsync(access, who, id, ct).ConfigureAwait(false);
                return TypedResults.Ok(await ProxiesAsync(db, id, ct).ConfigureAwait(false));
            })
            .RequirePermission(Permission.ProxyManage)
            .WithName("ListProxies").WithSummary("The carers a patient has given access to their record.");

        group.MapPost("/{id:long}/proxies", async Task<Results<Created<ProxyItem>, ProblemHttpResult>> (long id, ProxyGrant body, HttpContext http,
                RecordAccessService access, CarerProxyService proxies, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId != id) return await RefuseProxyAsync(access, who, id, ct).ConfigureAwait(false);
                if (string.IsNullOrWhiteSpace(body.CarerEmail)) return Problem(422, "Carer email missing", "Give the email your carer uses to sign in to JoinedUp.");
                try
                {
                    var proxy = await proxies.GrantAsync(who, id, body.CarerEmail, ct).ConfigureAwait(false);
                    await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ProxyManage), $"Patient/{id}/Proxy/{proxy.Id}", id, "granted by the patient", null, ct).ConfigureAwait(false);
                    var item = (await ProxiesAsync(db, id, ct).ConfigureAwait(false)).First(p => p.Id == proxy.Id);
                    return TypedResults.Created($"/api/record/patients/{id}/proxies", item);
                }
                catch (SecurityRuleException ex)
                {
                    return Problem(422, "Carer not found", ex.Message);
                }
            })
            .RequirePermission(Permission.ProxyManage)
            .WithName("GrantProxy").WithSummary("The patient gives a carer access to their record.");

        group.MapDelete("/{id:long}/proxies/{proxyId:long}", async Task<Results<NoContent, ProblemHttpResult>> (long id, long proxyId, HttpContext http,
                RecordAccessService access, CarerProxyService proxies, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId != id) return await RefuseProxyAsync(access, who, id, ct).ConfigureAwait(false);
                if (!await proxies.WithdrawAsync(who, id, proxyId, ct).ConfigureAwait(false))
                {
                    return Problem(404, "No such active proxy", $"There is no active carer access with id {proxyId} on your record.");
                }
                await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ProxyManage), $"Patient/{id}/Proxy/{proxyId}", id, "withdrawn by the patient", null, ct).ConfigureAwait(false);
                return TypedResults.NoContent();
            })
            .RequirePermission(Permission.ProxyManage)
            .WithName("WithdrawProxy").WithSummary("The patient withdraws a carer's access; from then on the carer is refused.");
    }

    internal static async Task<ConsentState> ConsentAsync(JoinedUpDbContext db, long id, CancellationToken ct)
    {
        var flags = await db.Patients.AsNoTracking().Where(p => p.Id == id).Select(p => new { p.SharingDissent, p.NationalOptOut }).FirstAsync(ct).ConfigureAwait(false);
        var history = await db.ConsentDecisions.AsNoTracking().Where(c => c.PatientId == id).OrderByDescending(c => c.RecordedAt).ThenByDescending(c => c.Id)
            .Select(c => new ConsentHistoryItem(c.Kind == ConsentKind.SharingDissent ? "sharing-dissent" : "national-opt-out", c.InForce, c.RecordedAt, c.RecordedByName, c.Note))
            .ToListAsync(ct).ConfigureAwait(false);
        return new ConsentState(id, flags.SharingDissent, flags.NationalOptOut, history);
    }

    internal static async Task<List<ProxyItem>> ProxiesAsync(JoinedUpDbContext db, long id, CancellationToken ct) =>
        (await db.CarerProxies.AsNoTracking().Where(p => p.PatientId == id)
            .Join(db.Users, p => p.CarerUserId, u => u.Id, (p, u) => new { p.Id, u.DisplayName, u.Email, p.GrantedAt, p.WithdrawnAt })
            .ToListAsync(ct).ConfigureAwait(false))
            .OrderByDescending(p => p.GrantedAt).ThenByDescending(p => p.Id)
            .Select(p => new ProxyItem(p.Id, p.DisplayName, p.Email, p.GrantedAt, p.WithdrawnAt)).ToList();

    private static async Task<ProblemHttpResult> RefuseProxyAsync(RecordAccessService access, AccessPrincipal who, long id, CancellationToken ct)
    {
        await access.AuditAsync(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.ProxyManage), $"Patient/{id}/Proxy", id, "only the patient manages proxies to their record", null, ct).ConfigureAwait(false);
        return NotAllowed();
    }

    /// <summary>The one refusal for patient data: it does not say whether the patient exists.</summary>
    internal static ProblemHttpResult NotAllowed() => Problem(403, "Not allowed",
        "You have no legitimate relationship with this record. A clinician may use emergency access (break-glass) with a reason; it is audited and reviewed.");

    internal static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
