using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using FhirPatient = Hl7.Fhir.Model.Patient;
using Patient = JoinedUp.Record.Patient;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Patient create, update, vread and history (docs/adr/0003): the relational row holds what JoinedUp computes with,
/// <c>resource_version</c> the full resource as sent, one row per version. Versions are the row's concurrency token.
/// </summary>
internal static class PatientWrites
{
    public static void MapPatientWrites(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/Patient", CreateAsync).RequirePermission(Permission.RecordWrite)
            .WithName("FhirCreatePatient").WithSummary("Registers a patient (GP practice or its system), with conditional create (If-None-Exist).");
        fhir.MapPut("/Patient/{id}", UpdateAsync).RequirePermission(Permission.RecordWrite)
            .WithName("FhirUpdatePatient").WithSummary("Updates a patient; If-Match W/\"n\" guards against lost updates (412 when stale).");
        fhir.MapGet("/Patient/{id}/_history/{version}", VersionAsync).RequirePermission(Permission.RecordRead)
            .WithName("FhirVreadPatient").WithSummary("One version of a patient.");
        fhir.MapGet("/Patient/{id}/_history", HistoryAsync).RequirePermission(Permission.RecordRead)
            .WithName("FhirPatientHistory").WithSummary("Every kept version of a patient, newest first.");
    }

    private static async Task<IResult> CreateAsync(HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        // Registering a patient is the GP practice's act (its staff or its system), for its own practice.
        if (!(who.Has(Roles.PracticeStaff) || who.Has(Roles.System)) || who.OrganisationCode is null)
        {
            await access.AuditAsync(who, AuditOutcome.Denied, "record.create", "Patient", null, "only a GP practice registers patients", null, ct).ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                "Patients are registered by their GP practice (its staff or its system). Referrals for people not yet registered go to the single point of access.");
        }
        var (resource, error) = await FhirBody.ReadAsync<FhirPatient>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        var (fields, problems) = await PatientFields.FromFhirAsync(resource!, db, ct).ConfigureAwait(false);
        if (problems.Count > 0) return Invalid(problems);
        if (fields!.PracticeCode is { } ods && ods != who.OrganisationCode)
        {
            return FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                $"You register patients for {who.OrganisationCode}, not {ods}.", "Patient.generalPractitioner");
        }

        // Conditional create: a patient with this identifier already exists -> 200, nothing created.
        var ifNoneExist = http.Request.Headers["If-None-Exist"].ToString();
        if (ifNoneExist.Length > 0)
        {
            if (!TryNhsCondition(ifNoneExist, out var nhs)) return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"If-None-Exist supports identifier={PatientMapping.NhsNumberSystem}|<NHS number>; got '{ifNoneExist}'.", "If-None-Exist");
            if (await ExistingAsync(db, nhs, ct).ConfigureAwait(false) is { } existing) return await MatchedAsync(http, access, db, who, existing, ct).ConfigureAwait(false);
        }
        else if (fields.NhsNumber is { } nhs && await ExistingAsync(db, nhs, ct).ConfigureAwait(false) is not null)
        {
            return FhirResults.Problem(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Duplicate,
                "A patient with this NHS number is already registered. Use a conditional create (If-None-Exist) or update that patient.", "Patient.identifier");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var practiceId = await db.Organisations.Where(o => o.OdsCode == who.OrganisationCode).Select(o => (int?)o.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var patient = fields.NewPatient(practiceId, now);
        var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (tx.ConfigureAwait(false))
        {
            db.Patients.Add(patient);
            try
            {
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
            }
            catch (DbUpdateException) when (fields.NhsNumber is not null)
            {
                // Two identical creates at once: the unique index let one in; this one becomes the match.
                await tx.RollbackAsync(ct).ConfigureAwait(false);
                db.ChangeTracker.Clear();
                if (await ExistingAsync(db, fields.NhsNumber, ct).ConfigureAwait(false) is not { } raced) throw;
                return ifNoneExist.Length > 0
                    ? await MatchedAsync(http, access, db, who, raced, ct).ConfigureAwait(false)
                    : FhirResults.Problem(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Duplicate, "A patient with this NHS number was registered at the same moment.", "Patient.identifier");
            }
            Stamp(resource!, patient.Id, 1, now);
            db.ResourceVersions.Add(new ResourceVersion { ResourceType = "Patient", ResourceId = patient.Id, VersionId = 1, LastUpdated = now, Method = "create", Json = FhirJson.Serialize(resource!) });
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        await access.AuditAsync(who, AuditOutcome.Allowed, "record.create", $"Patient/{patient.Id}", patient.Id, $"registered at {who.OrganisationCode}", null, ct).ConfigureAwait(false);
        return Written(http, resource!, StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var patientId)) return FhirResults.Forbidden();
        var who = http.RequiredCaller();
        var opened = await access.OpenAsync(who, patientId, "record.update", $"Patient/{patientId}", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        if (opened.View.Emergency || opened.View.Level != AccessLevel.Full)
        {
            return FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, "Emergency and triage access can read but not change the record.");
        }
        var (resource, error) = await FhirBody.ReadAsync<FhirPatient>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        if (resource!.Id != id) return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"The resource's id ({resource.Id ?? "none"}) must be the id in the URL ({id}).", "Patient.id");
        var (fields, problems) = await PatientFields.FromFhirAsync(resource, db, ct).ConfigureAwait(false);
        if (problems.Count > 0) return Invalid(problems);

        var patient = await db.Patients.FirstOrDefaultAsync(p => p.Id == patientId, ct).ConfigureAwait(false);
        if (patient is null) return FhirResults.Forbidden();
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != $"W/\"{patient.VersionId}\"" && ifMatch != $"\"{patient.VersionId}\"")
        {
            return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"The patient has changed since version {ifMatch}: it is now at version {patient.VersionId}. Read it again and reapply your change.");
        }
        if (fields!.PracticeCode is { } ods && ods != (await db.Organisations.Where(o => o.Id == patient.RegisteredPracticeId).Select(o => o.OdsCode).FirstOrDefaultAsync(ct).ConfigureAwait(false)))
        {
            return FhirResults.Problem(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.BusinessRule,
                "A change of GP practice is a re-registration, made by the new practice; it cannot be made with an update.", "Patient.generalPractitioner");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var expected = patient.VersionId;
        patient.GivenName = fields.GivenName;
        patient.FamilyName = fields.FamilyName;
        patient.BirthDate = fields.BirthDate;
        patient.Sex = fields.Sex;
        patient.Postcode = fields.Postcode;
        patient.NhsNumber = fields.NhsNumber ?? patient.NhsNumber;
        patient.PreferredLanguage = fields.Language ?? patient.PreferredLanguage;
        patient.VersionId = expected + 1;
        patient.LastUpdated = now;
        db.Entry(patient).Property(p => p.VersionId).OriginalValue = expected;
        Stamp(resource, patientId, expected + 1, now);
        db.ResourceVersions.Add(new ResourceVersion { ResourceType = "Patient", ResourceId = patientId, VersionId = expected + 1, LastUpdated = now, Method = "update", Json = FhirJson.Serialize(resource) });
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbUpdateConcurrencyException or DbUpdateException)
        {
            // Someone else saved a version in between (the concurrency token, or the unique version row, caught it).
            return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"The patient was changed by someone else while you were saving version {expected}. Read it again and reapply your change.");
        }
        return Written(http, resource, StatusCodes.Status200OK);
    }

    private static async Task<IResult> VersionAsync(string id, string version, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var patientId)) return FhirResults.Forbidden();
        var opened = await access.BeginOpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.RecordRead), $"Patient/{patientId}/_history/{version}", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            await opened.Audited.ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"'{version}' is not a version number.", "Patient.meta.versionId");
        }
        var current = await PatientMapping.ReadAsync(db, patientId, ct).ConfigureAwait(false);
        Resource? found = current?.Meta?.VersionId == version ? current : null;
        if (found is null)
        {
            var json = await db.ResourceVersions.AsNoTracking().Where(r => r.ResourceType == "Patient" && r.ResourceId == patientId && r.VersionId == v).Select(r => r.Json).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            found = json is null ? null : System.Text.Json.JsonSerializer.Deserialize<Resource>(json, FhirJson.Write);
        }
        await opened.Audited.ConfigureAwait(false);
        return found is null
            ? FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"Version {version} of this patient is not kept (versions are kept from the first change made through FHIR).")
            : Written(http, found, StatusCodes.Status200OK, location: false);
    }

    private static async Task<IResult> HistoryAsync(string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var patientId)) return FhirResults.Forbidden();
        var opened = await access.BeginOpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.RecordRead), $"Patient/{patientId}/_history", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        var versions = await db.ResourceVersions.AsNoTracking().Where(r => r.ResourceType == "Patient" && r.ResourceId == patientId)
            .OrderByDescending(r => r.VersionId).Select(r => new { r.VersionId, r.Method, r.Json }).ToListAsync(ct).ConfigureAwait(false);
        var current = await PatientMapping.ReadAsync(db, patientId, ct).ConfigureAwait(false);
        await opened.Audited.ConfigureAwait(false);
        var baseUrl = FhirEndpoints.BaseUrl(http);
        var bundle = new Bundle { Type = Bundle.BundleType.History };
        // The current version first when it was made outside FHIR (no stored JSON for it).
        if (current is not null && !versions.Any(v => v.VersionId.ToString(CultureInfo.InvariantCulture) == current.Meta?.VersionId))
        {
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/Patient/{id}", Resource = current, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{id}" } });
        }
        foreach (var v in versions)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/Patient/{id}",
                Resource = System.Text.Json.JsonSerializer.Deserialize<Resource>(v.Json, FhirJson.Write),
                Request = new Bundle.RequestComponent { Method = v.Method == "create" ? Bundle.HTTPVerb.POST : Bundle.HTTPVerb.PUT, Url = v.Method == "create" ? "Patient" : $"Patient/{id}" },
            });
        }
        bundle.Total = bundle.Entry.Count;
        return FhirResults.Resource(bundle);
    }

    /// <summary>The stored current version's JSON when it is the row's current version, else null (map the row).</summary>
    public static async Task<FhirPatient?> StoredCurrentAsync(JoinedUpDbContext db, long id, int currentVersion, CancellationToken ct)
    {
        var json = await db.ResourceVersions.AsNoTracking().Where(r => r.ResourceType == "Patient" && r.ResourceId == id && r.VersionId == currentVersion)
            .Select(r => r.Json).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return json is null ? null : System.Text.Json.JsonSerializer.Deserialize<FhirPatient>(json, FhirJson.Write);
    }

    private static void Stamp(Resource resource, long id, int version, DateTime now)
    {
        resource.Id = id.ToString(CultureInfo.InvariantCulture);
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = version.ToString(CultureInfo.InvariantCulture);
        resource.Meta.LastUpdated = new DateTimeOffset(now);
    }

    private static IResult Written(HttpContext http, Resource resource, int status, bool location = true)
    {
        var prefer = http.Request.Headers["Prefer"].ToString();
        void Headers(HttpResponse response)
        {
            response.Headers.ETag = $"W/\"{resource.Meta!.VersionId}\"";
            response.Headers.LastModified = resource.Meta.LastUpdated!.Value.ToString("R", CultureInfo.InvariantCulture);
            if (location) response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/{resource.TypeName}/{resource.Id}/_history/{resource.Meta.VersionId}";
        }
        if (prefer.Contains("return=minimal", StringComparison.OrdinalIgnoreCase))
        {
            return new MinimalResult(status, Headers);
        }
        if (prefer.Contains("return=OperationOutcome", StringComparison.OrdinalIgnoreCase))
        {
            return FhirResults.Resource(FhirResults.Outcome(OperationOutcome.IssueType.Informational, $"{resource.TypeName}/{resource.Id} version {resource.Meta!.VersionId} stored.", severity: OperationOutcome.IssueSeverity.Information), status, Headers);
        }
        return FhirResults.Resource(resource, status, Headers);
    }

    private sealed class MinimalResult(int status, Action<HttpResponse> headers) : IResult
    {
        public System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            headers(httpContext.Response);
            return System.Threading.Tasks.Task.CompletedTask;
        }
    }

    private static bool TryNhsCondition(string condition, out string nhs)
    {
        nhs = "";
        const string prefix = "identifier=";
        if (!condition.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var value = Uri.UnescapeDataString(condition[prefix.Length..]);
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        if (bar < 0 || value[..bar] != PatientMapping.NhsNumberSystem || !NhsNumber.TryParse(value[(bar + 1)..], out var parsed, out _)) return false;
        nhs = parsed.Value.Value;
        return true;
    }

    private static async Task<long?> ExistingAsync(JoinedUpDbContext db, string nhs, CancellationToken ct) =>
        await db.Patients.AsNoTracking().Where(p => p.NhsNumber == nhs).Select(p => (long?)p.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);

    /// <summary>The conditional create matched: 200 with the patient if the caller may read it, else 200 with only an outcome.</summary>
    private static async Task<IResult> MatchedAsync(HttpContext http, RecordAccessService access, JoinedUpDbContext db, AccessPrincipal who, long id, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, id, PermissionMatrix.Name(Permission.RecordRead), $"Patient/{id}", ct).ConfigureAwait(false);
        if (opened.View is null || await PatientMapping.ReadAsync(db, id, ct).ConfigureAwait(false) is not { } existing)
        {
            return FhirResults.Resource(FhirResults.Outcome(OperationOutcome.IssueType.Duplicate,
                "A patient with this identifier is already registered (not at your practice); nothing was created.", severity: OperationOutcome.IssueSeverity.Information));
        }
        return Written(http, existing, StatusCodes.Status200OK);
    }

    private static IResult Invalid(List<(string Expression, string Message)> problems)
    {
        var outcome = new OperationOutcome();
        foreach (var (expression, message) in problems)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = OperationOutcome.IssueType.Invalid, Diagnostics = message, Expression = [expression] });
        }
        return FhirResults.Resource(outcome, StatusCodes.Status400BadRequest);
    }
}
