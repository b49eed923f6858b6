using System.Globalization;
using System.Linq.Expressions;
using Expression = System.Linq.Expressions.Expression;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using FhirCondition = Hl7.Fhir.Model.Condition;
using FhirObservation = Hl7.Fhir.Model.Observation;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Observation and Condition read and search, from the relational record through the caller's <see cref="RecordView"/>:
/// restricted entries (sensitive services, confidential labels) and the triage limit apply exactly as in the UI. A
/// search names its patient (patient or subject); a read of an entry the caller may not see is the same 403 as one
/// that does not exist.
/// </summary>
internal static class ClinicalResources
{
    public const string Ucum = "http://unitsofmeasure.org";
    private const string BloodPressure = "75367002";

    public static void MapClinicalResources(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Observation/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Observations, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadObservation").WithSummary("One observation, if the caller may see it.");
        fhir.MapGet("/Observation", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Observation", (view, q) => ObservationFilter(view, db, q), o => o.EffectiveAt, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchObservation").WithSummary("A patient's observations: patient (required), code, date, _count.");
        fhir.MapGet("/Condition/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Conditions, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadCondition").WithSummary("One condition, if the caller may see it.");
        fhir.MapGet("/Condition", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Condition", (view, q) => ConditionFilter(view, db, q), null, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchCondition").WithSummary("A patient's conditions: patient (required), code, clinical-status, _count.");
        fhir.MapGet("/Encounter/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Encounters, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadEncounter").WithSummary("One encounter, if the caller may see it.");
        fhir.MapGet("/Encounter", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Encounter", (view, q) => EncounterFilter(view, db, q), e => e.StartAt, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchEncounter").WithSummary("A patient's encounters: patient (required), date, _count.");
        fhir.MapGet("/Immunization/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Immunisations, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadImmunization").WithSummary("One immunisation, if the caller may see it.");
        fhir.MapGet("/Immunization", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Immunization", (view, q) => ImmunizationFilter(view, db, q), null, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchImmunization").WithSummary("A patient's immunisations: patient (required), vaccine-code, _count.");
        fhir.MapGet("/MedicationStatement/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.MedicationStatements, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadMedicationStatement").WithSummary("One medication statement, if the caller may see it.");
        fhir.MapGet("/MedicationStatement", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "MedicationStatement", (view, q) => MedicationFilter(view, db, q), null, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchMedicationStatement").WithSummary("A patient's medicines: patient (required), code, status, _count.");
        fhir.MapGet("/AllergyIntolerance/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Allergies, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadAllergyIntolerance").WithSummary("One allergy or intolerance, if the caller may see it.");
        fhir.MapGet("/AllergyIntolerance", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "AllergyIntolerance", (view, q) => AllergyFilter(view, db, q), null, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchAllergyIntolerance").WithSummary("A patient's allergies: patient (required), code, clinical-status, _count.");
        fhir.MapGet("/Procedure/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Procedures, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadProcedure").WithSummary("One procedure, if the caller may see it.");
        MapHistory(fhir, "Observation", db => db.Observations, ToFhir);
        MapHistory(fhir, "Condition", db => db.Conditions, ToFhir);
        MapHistory(fhir, "Encounter", db => db.Encounters, ToFhir);
        MapHistory(fhir, "Immunization", db => db.Immunisations, ToFhir);
        MapHistory(fhir, "MedicationStatement", db => db.MedicationStatements, ToFhir);
        MapHistory(fhir, "AllergyIntolerance", db => db.Allergies, ToFhir);
        MapHistory(fhir, "Procedure", db => db.Procedures, ToFhir);
        fhir.MapGet("/Procedure", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Procedure", (view, q) => ProcedureFilter(view, db, q), p => p.PerformedAt ?? DateTime.MinValue, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchProcedure").WithSummary("A patient's procedures: patient (required), code, date, status, _count.");
    }

    /// <summary>The search parameters each clinical type takes (besides patient/subject, _count, _include and paging).</summary>
    internal static readonly Dictionary<string, string[]> Parameters = new(StringComparer.Ordinal)
    {
        ["Observation"] = ["code", "date", "status"],
        ["Condition"] = ["code", "clinical-status"],
        ["Encounter"] = ["date", "status"],
        ["Immunization"] = ["vaccine-code", "status"],
        ["MedicationStatement"] = ["code", "status"],
        ["AllergyIntolerance"] = ["code", "clinical-status"],
        ["Procedure"] = ["code", "date", "status"],
    };

    /// <summary>The FHIR type of each clinical row type.</summary>
    private static readonly Dictionary<Type, string> FhirTypeOf = new()
    {
        [typeof(JoinedUp.Record.Observation)] = "Observation", [typeof(JoinedUp.Record.Condition)] = "Condition", [typeof(JoinedUp.Record.Encounter)] = "Encounter",
        [typeof(Immunisation)] = "Immunization", [typeof(JoinedUp.Record.MedicationStatement)] = "MedicationStatement",
        [typeof(JoinedUp.Record.AllergyIntolerance)] = "AllergyIntolerance", [typeof(JoinedUp.Record.Procedure)] = "Procedure",
    };

    private static readonly string[] CommonParameters = ["patient", "subject", "_count", "_cursor", "_include", "_lastUpdated", "_sort", "_format"];

    /// <summary>
    /// Patient/{id}/$everything: the patient and every entry of theirs the caller may see (the same view as the UI), as
    /// one searchset bundle. Audited as one read of the record.
    /// </summary>
    public static void MapEverything(this RouteGroupBuilder fhir) =>
        fhir.MapGet("/Patient/{id}/$everything", async (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var patientId)) return FhirResults.Forbidden();
                var opened = await access.BeginOpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.RecordRead), $"Patient/{patientId}/$everything", ct).ConfigureAwait(false);
                if (opened.View is null) return FhirResults.Forbidden();
                var view = opened.View;
                List<Resource> resources = [];
                if (await PatientMapping.ReadAsync(db, patientId, ct).ConfigureAwait(false) is { } patient) resources.Add(patient);
                var conditions = view.Level == AccessLevel.Triage
                    ? view.TriageConditions(db.Conditions.AsNoTracking()).Union(view.Visible(db.Conditions.AsNoTracking()))
                    : view.Visible(db.Conditions.AsNoTracking());
                resources.AddRange((await conditions.OrderBy(c => c.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.Observations.AsNoTracking()).OrderBy(o => o.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.VisibleEncounters(db.Encounters.AsNoTracking()).OrderBy(e => e.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.Immunisations.AsNoTracking()).OrderBy(i => i.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.MedicationStatements.AsNoTracking()).OrderBy(m => m.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.Allergies.AsNoTracking()).OrderBy(a => a.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.Procedures.AsNoTracking()).OrderBy(p => p.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources = await StoredAsync(db, resources, ct).ConfigureAwait(false);
                await opened.Audited.ConfigureAwait(false);
                var baseUrl = FhirEndpoints.BaseUrl(http);
                var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = resources.Count };
                bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/Patient/{id}/$everything" });
                foreach (var r in resources)
                {
                    bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{r.TypeName}/{r.Id}", Resource = r, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
                }
                return FhirResults.Resource(bundle);
            })
            .RequirePermission(Permission.RecordRead).WithName("FhirPatientEverything").WithSummary("The patient and everything of theirs the caller may see.");

    private static async Task<IResult> ReadAsync<T>(string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, IQueryable<T> set,
        Func<T, Resource> map, CancellationToken ct) where T : ClinicalEntry
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var entryId)) return FhirResults.Forbidden();
        var patientId = await set.AsNoTracking().Where(e => e.Id == entryId).Select(e => (long?)e.PatientId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var who = http.RequiredCaller();
        var typeName = typeof(T).Name;
        if (patientId is null)
        {
            // Deleted? Those who may read the patient's record are told so (410); anyone else gets the usual refusal.
            var fhirType = FhirTypeOf[typeof(T)];
            var deletion = await db.ResourceVersions.AsNoTracking().Where(v => v.ResourceType == fhirType && v.ResourceId == entryId && v.Method == "delete")
                .Select(v => new { v.Json, v.LastUpdated }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (deletion is not null && System.Text.Json.JsonSerializer.Deserialize<Resource>(deletion.Json, FhirJson.Write) is { } was
                && RecordMapping.PatientReference(was).Reference?.Reference is { } subject && subject.StartsWith("Patient/", StringComparison.Ordinal)
                && long.TryParse(subject["Patient/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var deletedFor))
            {
                var seen = await access.OpenAsync(who, deletedFor, PermissionMatrix.Name(Permission.RecordRead), $"{fhirType}/{entryId}", ct).ConfigureAwait(false);
                if (seen.View is not null)
                {
                    return FhirResults.Problem(StatusCodes.Status410Gone, OperationOutcome.IssueType.Deleted,
                        $"{fhirType}/{entryId} was deleted on {deletion.LastUpdated:yyyy-MM-dd HH:mm} UTC.");
                }
                return FhirResults.Forbidden();
            }
            await access.AuditAsync(who, JoinedUp.Security.Audit.AuditOutcome.Denied, PermissionMatrix.Name(Permission.RecordRead), $"{typeName}/{entryId}", null, "no such entry", null, ct).ConfigureAwait(false);
            return FhirResults.Forbidden();
        }
        var opened = await access.BeginOpenAsync(who, patientId.Value, PermissionMatrix.Name(Permission.RecordRead), $"{typeName}/{entryId}", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        var visible = opened.View.VisibleOfType(set.AsNoTracking());
        var entry = await visible.FirstOrDefaultAsync(e => e.Id == entryId, ct).ConfigureAwait(false);
        await opened.Audited.ConfigureAwait(false);
        if (entry is null) return FhirResults.Forbidden(); // restricted or outside the triage view: same refusal as no such entry
        var resource = map(entry);
        // Written through FHIR and unchanged since: return it as it was sent (docs/adr/0003).
        var stored = await db.ResourceVersions.AsNoTracking()
            .Where(r => r.ResourceType == resource.TypeName && r.ResourceId == entry.Id && r.VersionId == entry.VersionId)
            .Select(r => r.Json).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (stored is not null) resource = System.Text.Json.JsonSerializer.Deserialize<Resource>(stored, FhirJson.Write)!;
        return FhirResults.Resource(resource, headers: r =>
        {
            r.Headers.ETag = $"W/\"{resource.Meta!.VersionId}\"";
            r.Headers.LastModified = resource.Meta.LastUpdated!.Value.ToString("R", CultureInfo.InvariantCulture);
        });
    }

    private static async Task<IResult> SearchAsync<T>(HttpContext http, RecordAccessService access, JoinedUpDbContext db, string type,
        Func<RecordView, IQueryCollection, (IQueryable<T>? Query, IResult? Error)> filter, Expression<Func<T, DateTime>>? date, Func<T, Resource> map, CancellationToken ct)
        where T : ClinicalEntry
    {
        var query = http.Request.Query;
        var subject = query["patient"].FirstOrDefault() ?? query["subject"].FirstOrDefault();
        if (subject is null)
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required,
                $"Name the patient: {type}?patient=Patient/<id> (searches across patients come with bulk export).", "patient");
        }
        var idText = subject.StartsWith("Patient/", StringComparison.Ordinal) ? subject["Patient/".Length..] : subject;
        if (!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var patientId))
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{subject}' is not a Patient reference.", "patient");
        }
        var unknown = query.Keys.Where(k => !CommonParameters.Contains(k) && !Parameters[type].Contains(k)).ToList();
        if (unknown.Count > 0 && http.Request.Headers["Prefer"].ToString().Contains("handling=strict", StringComparison.OrdinalIgnoreCase))
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                $"The search parameter '{unknown[0]}' is not supported for {type} (see /fhir/metadata).", unknown[0]);
        }
        var opened = await access.BeginOpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.RecordSearch), $"{type}?patient={patientId}", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        var (filtered, error) = filter(opened.View, query);
        foreach (var updated in query["_lastUpdated"].OfType<string>())
        {
            if (error is not null) break;
            if (!DateParam.TryParse(updated, out var d)) error = FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{updated}' is not a FHIR date search value.", "_lastUpdated");
            else filtered = filtered!.Where(d, e => e.LastUpdated);
        }
        if (error is not null)
        {
            await opened.Audited.ConfigureAwait(false);
            return error;
        }
        var count = FhirPatientSearch.DefaultCount;
        if (query.TryGetValue("_count", out var countText) && (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1))
        {
            await opened.Audited.ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "_count is a whole number from 1.", "_count");
        }
        count = Math.Min(count, FhirPatientSearch.MaxCount);
        // _sort: _id (the default), _lastUpdated, or date for types with a time; "-" for newest first. Paging is a
        // keyset on (sort key, id), so a next link never repeats or skips an entry whatever is added meanwhile.
        var sort = query["_sort"].FirstOrDefault() ?? "_id";
        var descending = sort.StartsWith('-');
        var sortKey = sort.TrimStart('-');
        Expression<Func<T, DateTime>>? sortBy = sortKey switch
        {
            "_id" => null,
            "_lastUpdated" => e => e.LastUpdated,
            "date" when date is not null => date,
            _ => null,
        };
        if (sortKey is not ("_id" or "_lastUpdated") && sortBy is null)
        {
            await opened.Audited.ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                $"_sort={sort} is not supported for {type}: use _id, _lastUpdated{(date is null ? "" : " or date")}, with - for descending.", "_sort");
        }
        var cursorText = query["_cursor"].FirstOrDefault();
        long afterId = 0;
        long afterTicks = 0;
        var cursorParts = cursorText?.Split('.') ?? [];
        if (cursorText is not null && !(cursorParts.Length == (sortBy is null ? 1 : 2)
            && long.TryParse(cursorParts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out afterId)
            && (sortBy is null || long.TryParse(cursorParts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out afterTicks))))
        {
            await opened.Audited.ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "Follow the bundle's next link as given.", "_cursor");
        }
        var page = filtered!;
        if (sortBy is null)
        {
            if (cursorText is not null) page = descending ? page.Where(e => e.Id < afterId) : page.Where(e => e.Id > afterId);
            page = descending ? page.OrderByDescending(e => e.Id) : page.OrderBy(e => e.Id);
        }
        else
        {
            if (cursorText is not null) page = After(page, sortBy, new DateTime(afterTicks, DateTimeKind.Utc), afterId, descending);
            page = descending ? page.OrderByDescending(sortBy).ThenByDescending(e => e.Id) : page.OrderBy(sortBy).ThenBy(e => e.Id);
        }
        var rows = await page.Take(count + 1).ToListAsync(ct).ConfigureAwait(false);
        await opened.Audited.ConfigureAwait(false);
        var more = rows.Count > count;
        if (more) rows.RemoveAt(rows.Count - 1);
        var baseUrl = FhirEndpoints.BaseUrl(http);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/{type}{http.Request.QueryString}" });
        if (more)
        {
            var last = rows[^1];
            bundle.Link.Add(FhirQuery.NextLink(http, type, sortBy is null
                ? last.Id.ToString(CultureInfo.InvariantCulture)
                : $"{sortBy.Compile()(last).Ticks.ToString(CultureInfo.InvariantCulture)}.{last.Id.ToString(CultureInfo.InvariantCulture)}"));
        }
        foreach (var resource in await StoredAsync(db, rows.Select(map).ToList(), ct).ConfigureAwait(false))
        {
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{type}/{resource.Id}", Resource = resource, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        }
        // _include=<type>:patient (or :subject) adds the patient, whom this search has already opened (and audited).
        var includes = query["_include"].OfType<string>().ToList();
        if (includes.Any(i => i == $"{type}:patient" || i == $"{type}:subject") && rows.Count > 0
            && await PatientMapping.ReadAsync(db, patientId, ct).ConfigureAwait(false) is { } included)
        {
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/Patient/{patientId}", Resource = included, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Include } });
        }
        if (includes.FirstOrDefault(i => i != $"{type}:patient" && i != $"{type}:subject") is { } unsupported)
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported, $"_include={unsupported} is not supported; {type}:patient is.", "_include");
        }
        if (unknown.Count > 0)
        {
            var outcome = new OperationOutcome();
            foreach (var name in unknown)
            {
                outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Warning, Code = OperationOutcome.IssueType.NotSupported, Diagnostics = $"The search parameter '{name}' is not supported for {type} (see /fhir/metadata). It was ignored.", Expression = [name] });
            }
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = outcome, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Outcome } });
        }
        return FhirResults.Resource(bundle);
    }

    private static (IQueryable<JoinedUp.Record.Observation>?, IResult?) ObservationFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.Observations.AsNoTracking());
        if (Codes(query, "code", out var codes, out var codeError) is false) return (null, codeError);
        q = WithCodes(q, codes, o => o.Code, o => o.CodeSystem);
        foreach (var date in query["date"].OfType<string>())
        {
            if (!DateParam.TryParse(date, out var d)) return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{date}' is not a FHIR date search value.", "date"));
            q = q.Where(d, o => o.EffectiveAt);
        }
        if (!TryCode<JoinedUp.Record.ObservationStatus>(query, "status", out var status, out var statusError)) return (null, statusError);
        if (status is { } wanted) q = q.Where(o => o.Status == wanted);
        return (q, null);
    }

    private static (IQueryable<JoinedUp.Record.Condition>?, IResult?) ConditionFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Level == AccessLevel.Triage
            ? view.TriageConditions(db.Conditions.AsNoTracking()).Union(view.Visible(db.Conditions.AsNoTracking()))
            : view.Visible(db.Conditions.AsNoTracking());
        if (Codes(query, "code", out var codes, out var codeError) is false) return (null, codeError);
        q = WithCodes(q, codes, c => c.Code, c => c.CodeSystem);
        if (!TryCode<ConditionStatus>(query, "clinical-status", out var status, out var statusError)) return (null, statusError);
        if (status is { } wanted) q = q.Where(c => c.Status == wanted);
        return (q, null);
    }

    private static (IQueryable<JoinedUp.Record.Encounter>?, IResult?) EncounterFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.VisibleEncounters(db.Encounters.AsNoTracking());
        foreach (var date in query["date"].OfType<string>())
        {
            if (!DateParam.TryParse(date, out var d)) return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{date}' is not a FHIR date search value.", "date"));
            q = q.Where(d, e => e.StartAt);
        }
        if (!TryCode<EncounterStatus>(query, "status", out var status, out var statusError)) return (null, statusError);
        if (status is { } wanted) q = q.Where(e => e.Status == wanted);
        return (q, null);
    }

    private static (IQueryable<Immunisation>?, IResult?) ImmunizationFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.Immunisations.AsNoTracking());
        if (Codes(query, "vaccine-code", out var codes, out var codeError) is false) return (null, codeError);
        q = WithCodes(q, codes, i => i.VaccineCode, i => i.CodeSystem);
        if (!TryCode<ImmunisationStatus>(query, "status", out var status, out var statusError)) return (null, statusError);
        if (status is { } wanted) q = q.Where(i => i.Status == wanted);
        return (q, null);
    }

    private static (IQueryable<JoinedUp.Record.MedicationStatement>?, IResult?) MedicationFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.MedicationStatements.AsNoTracking());
        if (Codes(query, "code", out var codes, out var codeError) is false) return (null, codeError);
        q = WithCodes(q, codes, m => m.Code, m => m.CodeSystem);
        if (!TryCode<MedicationStatus>(query, "status", out var status, out var statusError)) return (null, statusError);
        if (status is { } wanted) q = q.Where(m => m.Status == wanted);
        return (q, null);
    }

    /// <summary>
    /// Resources written through FHIR and unchanged since are returned as they were sent (docs/adr/0003): one query
    /// for the page's stored versions, matched by type, id and current version.
    /// </summary>
    internal static async Task<List<Resource>> StoredAsync(JoinedUpDbContext db, List<Resource> mapped, CancellationToken ct)
    {
        var result = new List<Resource>(mapped.Count);
        foreach (var group in mapped.GroupBy(r => r.TypeName))
        {
            var ids = group.Select(r => long.Parse(r.Id!, CultureInfo.InvariantCulture)).ToList();
            var type = group.Key;
            var stored = new Dictionary<(long, int), string>();
            foreach (var chunk in ids.Chunk(500))
            {
                foreach (var v in await db.ResourceVersions.AsNoTracking().Where(v => v.ResourceType == type && chunk.Contains(v.ResourceId))
                    .Select(v => new { v.ResourceId, v.VersionId, v.Json }).ToListAsync(ct).ConfigureAwait(false))
                {
                    stored[(v.ResourceId, v.VersionId)] = v.Json;
                }
            }
            foreach (var resource in group)
            {
                var key = (long.Parse(resource.Id!, CultureInfo.InvariantCulture), int.Parse(resource.Meta!.VersionId!, CultureInfo.InvariantCulture));
                result.Add(stored.TryGetValue(key, out var json) ? System.Text.Json.JsonSerializer.Deserialize<Resource>(json, FhirJson.Write)! : resource);
            }
        }
        // Keep the caller's order (the grouping above is by type).
        var order = mapped.Select((r, i) => (r.TypeName, r.Id, i)).ToDictionary(x => (x.TypeName, x.Id), x => x.i);
        return result.OrderBy(r => order[(r.TypeName, r.Id)]).ToList();
    }

    private static (IQueryable<JoinedUp.Record.AllergyIntolerance>?, IResult?) AllergyFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.Allergies.AsNoTracking());
        if (Codes(query, "code", out var codes, out var codeError) is false) return (null, codeError);
        q = WithCodes(q, codes, a => a.Code, a => a.CodeSystem);
        if (!TryCode<AllergyStatus>(query, "clinical-status", out var status, out var statusError)) return (null, statusError);
        if (status is { } wanted) q = q.Where(a => a.Status == wanted);
        return (q, null);
    }

    private static (IQueryable<JoinedUp.Record.Procedure>?, IResult?) ProcedureFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.Procedures.AsNoTracking());
        if (Codes(query, "code", out var codes, out var codeError) is false) return (null, codeError);
        q = WithCodes(q, codes, p => p.Code, p => p.CodeSystem);
        foreach (var date in query["date"].OfType<string>())
        {
            if (!DateParam.TryParse(date, out var d)) return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{date}' is not a FHIR date search value.", "date"));
            q = q.Where(d, p => p.PerformedAt ?? DateTime.MinValue);
        }
        if (!TryCode<ProcedureStatus>(query, "status", out var status, out var statusError)) return (null, statusError);
        if (status is { } wanted) q = q.Where(p => p.Status == wanted);
        return (q, null);
    }

    /// <summary>
    /// A status-like token parameter as its enum value. The FHIR codes are the enum names in kebab case
    /// (entered-in-error is EnteredInError); anything else is a 400 listing the codes.
    /// </summary>
    private static bool TryCode<TEnum>(IQueryCollection query, string parameter, out TEnum? value, out IResult? error) where TEnum : struct, Enum
    {
        value = null;
        error = null;
        if (query[parameter].FirstOrDefault() is not { } text) return true;
        var codes = Enum.GetValues<TEnum>().Select(v => (Value: v, Code: System.Text.RegularExpressions.Regex.Replace(v.ToString(), "(?<=[a-z])(?=[A-Z])", "-").ToLowerInvariant())).ToList();
        if (codes.FirstOrDefault(c => c.Code == text) is { Code: not null } match)
        {
            value = match.Value;
            return true;
        }
        error = FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"{parameter} is one of: {string.Join(", ", codes.Select(c => c.Code))}.", parameter);
        return false;
    }

    /// <summary>code=system|code,code2 (comma lists): a code with a system matches only that system; a bare code matches any.</summary>
    private static bool Codes(IQueryCollection query, string parameter, out List<(string? System, string Code)> codes, out IResult? error)
    {
        codes = [];
        error = null;
        foreach (var token in query[parameter].OfType<string>().SelectMany(v => v.Split(',')))
        {
            var bar = token.IndexOf('|', StringComparison.Ordinal);
            var code = bar < 0 ? token : token[(bar + 1)..];
            var system = bar <= 0 ? null : token[..bar];
            if (code.Length is 0 or > 64 || system?.Length > 200)
            {
                error = FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{token}' is not a code (system|code).", parameter);
                return false;
            }
            codes.Add((system, code));
        }
        return true;
    }

    /// <summary>
    /// Filters on codes: the code column (indexed) first, then the system for codes given with one, as
    /// <c>codes ∋ code AND (bare ∋ code OR qualified ∋ system|code)</c>.
    /// </summary>
    private static IQueryable<T> WithCodes<T>(IQueryable<T> query, List<(string? System, string Code)> codes, Expression<Func<T, string>> code, Expression<Func<T, string>> system)
    {
        if (codes.Count == 0) return query;
        var all = codes.Select(c => c.Code).Distinct().ToList();
        var bare = codes.Where(c => c.System is null).Select(c => c.Code).ToList();
        var qualified = codes.Where(c => c.System is not null).Select(c => c.System + "|" + c.Code).ToList();
        var row = code.Parameters[0];
        var codeBody = code.Body;
        var systemBody = new Rebind(system.Parameters[0], row).Visit(system.Body);
        var contains = typeof(List<string>).GetMethod(nameof(List<string>.Contains))!;
        var concat = typeof(string).GetMethod(nameof(string.Concat), [typeof(string), typeof(string), typeof(string)])!;
        Expression body = Expression.Call(Expression.Constant(all), contains, codeBody);
        Expression either = Expression.Call(Expression.Constant(bare), contains, codeBody);
        if (qualified.Count > 0)
        {
            var joined = Expression.Call(concat, systemBody, Expression.Constant("|"), codeBody);
            either = Expression.OrElse(either, Expression.Call(Expression.Constant(qualified), contains, joined));
        }
        body = Expression.AndAlso(body, either);
        return query.Where(Expression.Lambda<Func<T, bool>>(body, row));
    }

    /// <summary>
    /// vread and history of a clinical entry: every version kept in resource_version (create, and delete), plus the
    /// current row when it was made outside FHIR. Allowed when the caller may see the entry now; a deleted entry's
    /// history to those who may read the patient's record, unless it was restricted (its deletion keeps the label):
    /// then only to those who see every restricted entry (the patient, the recording service).
    /// </summary>
    private static void MapHistory<T>(RouteGroupBuilder fhir, string type, Func<JoinedUpDbContext, IQueryable<T>> set, Func<T, Resource> map) where T : ClinicalEntry
    {
        fhir.MapGet($"/{type}/{{id}}/_history", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                HistoryAsync(type, id, null, http, access, db, set(db), map, ct))
            .RequirePermission(Permission.RecordRead).WithName($"FhirHistory{type}").WithSummary($"Every kept version of a {type}, newest first.");
        fhir.MapGet($"/{type}/{{id}}/_history/{{version}}", (string id, string version, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                HistoryAsync(type, id, version, http, access, db, set(db), map, ct))
            .RequirePermission(Permission.RecordRead).WithName($"FhirVread{type}").WithSummary($"One version of a {type}.");
    }

    private static async Task<IResult> HistoryAsync<T>(string type, string id, string? version, HttpContext http, RecordAccessService access, JoinedUpDbContext db,
        IQueryable<T> set, Func<T, Resource> map, CancellationToken ct) where T : ClinicalEntry
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var entryId)) return FhirResults.Forbidden();
        int? wanted = null;
        if (version is not null)
        {
            if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"'{version}' is not a version number.");
            wanted = v;
        }
        var who = http.RequiredCaller();
        var versions = await db.ResourceVersions.AsNoTracking().Where(v => v.ResourceType == type && v.ResourceId == entryId)
            .OrderByDescending(v => v.VersionId).Select(v => new { v.VersionId, v.Method, v.Json }).ToListAsync(ct).ConfigureAwait(false);
        var row = await set.AsNoTracking().FirstOrDefaultAsync(e => e.Id == entryId, ct).ConfigureAwait(false);
        long? patientId = row?.PatientId;
        if (patientId is null && versions.Count > 0 && System.Text.Json.JsonSerializer.Deserialize<Resource>(versions[0].Json, FhirJson.Write) is { } was
            && RecordMapping.PatientReference(was).Reference?.Reference is { } subject && subject.StartsWith("Patient/", StringComparison.Ordinal)
            && long.TryParse(subject["Patient/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var p))
        {
            patientId = p;
        }
        if (patientId is null)
        {
            await access.AuditAsync(who, JoinedUp.Security.Audit.AuditOutcome.Denied, PermissionMatrix.Name(Permission.RecordRead), $"{type}/{entryId}/_history", null, "no such entry", null, ct).ConfigureAwait(false);
            return FhirResults.Forbidden();
        }
        var opened = await access.BeginOpenAsync(who, patientId.Value, PermissionMatrix.Name(Permission.RecordRead), $"{type}/{entryId}/_history", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        var visible = row is null
            ? opened.View.SeesAllRestricted || System.Text.Json.JsonSerializer.Deserialize<Resource>(versions[0].Json, FhirJson.Write)?.Meta?.Security
                .Any(c => c.System == "http://terminology.hl7.org/CodeSystem/v3-Confidentiality" && c.Code is "R" or "V") != true
            : await (opened.View.VisibleOfType(set.AsNoTracking())).AnyAsync(e => e.Id == entryId, ct).ConfigureAwait(false);
        await opened.Audited.ConfigureAwait(false);
        if (!visible) return FhirResults.Forbidden();

        var entries = versions.Select(v => (v.VersionId, v.Method, Resource: System.Text.Json.JsonSerializer.Deserialize<Resource>(v.Json, FhirJson.Write)!)).ToList();
        if (row is not null && entries.All(e => e.VersionId != row.VersionId)) entries.Insert(0, (row.VersionId, "update", map(row)));
        var baseUrl = FhirEndpoints.BaseUrl(http);
        if (wanted is { } one)
        {
            var found = entries.FirstOrDefault(e => e.VersionId == one);
            if (found.Resource is null) return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"Version {one} of {type}/{entryId} is not kept.");
            if (found.Method == "delete") return FhirResults.Problem(StatusCodes.Status410Gone, OperationOutcome.IssueType.Deleted, $"Version {one} of {type}/{entryId} is its deletion.");
            return FhirResults.Resource(found.Resource, headers: r => r.Headers.ETag = $"W/\"{one}\"");
        }
        var bundle = new Bundle { Type = Bundle.BundleType.History, Total = entries.Count };
        foreach (var (versionId, method, resource) in entries)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{type}/{entryId}",
                Resource = method == "delete" ? null : resource,
                Request = new Bundle.RequestComponent
                {
                    Method = method switch { "create" => Bundle.HTTPVerb.POST, "delete" => Bundle.HTTPVerb.DELETE, _ => Bundle.HTTPVerb.PUT },
                    Url = method == "create" ? type : $"{type}/{entryId}",
                },
                Response = new Bundle.ResponseComponent { Status = method == "delete" ? "204" : "200", Etag = $"W/\"{versionId}\"" },
            });
        }
        return FhirResults.Resource(bundle);
    }

    /// <summary>A patient's entries of one type as the view allows, newest (highest id) first, at most <paramref name="limit"/>, as stored when written through FHIR.</summary>
    internal static async Task<List<Resource>> ForPatientAsync(JoinedUpDbContext db, RecordView view, string type, int limit, CancellationToken ct)
    {
        List<Resource> mapped = type switch
        {
            "Observation" => (await view.Visible(db.Observations.AsNoTracking()).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir).ToList(),
            "Condition" => (await (view.Level == AccessLevel.Triage
                    ? view.TriageConditions(db.Conditions.AsNoTracking()).Union(view.Visible(db.Conditions.AsNoTracking()))
                    : view.Visible(db.Conditions.AsNoTracking())).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir).ToList(),
            "Encounter" => (await view.VisibleEncounters(db.Encounters.AsNoTracking()).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir).ToList(),
            "Immunization" => (await view.Visible(db.Immunisations.AsNoTracking()).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir).ToList(),
            "MedicationStatement" => (await view.Visible(db.MedicationStatements.AsNoTracking()).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir).ToList(),
            "AllergyIntolerance" => (await view.Visible(db.Allergies.AsNoTracking()).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir).ToList(),
            "Procedure" => (await view.Visible(db.Procedures.AsNoTracking()).OrderByDescending(e => e.Id).Take(limit).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir).ToList(),
            _ => [],
        };
        return await StoredAsync(db, mapped, ct).ConfigureAwait(false);
    }

    /// <summary>Entries after the cursor (key, id) in the sort order: key beyond it, or the same key and a later id.</summary>
    private static IQueryable<T> After<T>(IQueryable<T> query, Expression<Func<T, DateTime>> key, DateTime afterKey, long afterId, bool descending) where T : ClinicalEntry
    {
        var row = key.Parameters[0];
        var id = Expression.Property(row, nameof(ClinicalEntry.Id));
        Expression beyond = descending ? Expression.LessThan(key.Body, Expression.Constant(afterKey)) : Expression.GreaterThan(key.Body, Expression.Constant(afterKey));
        Expression later = descending ? Expression.LessThan(id, Expression.Constant(afterId)) : Expression.GreaterThan(id, Expression.Constant(afterId));
        var body = Expression.OrElse(beyond, Expression.AndAlso(Expression.Equal(key.Body, Expression.Constant(afterKey)), later));
        return query.Where(Expression.Lambda<Func<T, bool>>(body, row));
    }

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }

    private static Meta Meta(RecordEntry e) => new()
    {
        VersionId = e.VersionId.ToString(CultureInfo.InvariantCulture),
        LastUpdated = new DateTimeOffset(DateTime.SpecifyKind(e.LastUpdated, DateTimeKind.Utc)),
    };

    private static ResourceReference Subject(long patientId) => new($"Patient/{patientId.ToString(CultureInfo.InvariantCulture)}");

    internal static Resource ToFhir(JoinedUp.Record.Observation o)
    {
        var resource = new FhirObservation
        {
            Id = o.Id.ToString(CultureInfo.InvariantCulture),
            Meta = Meta(o),
            Status = o.Status switch
            {
                JoinedUp.Record.ObservationStatus.Amended => Hl7.Fhir.Model.ObservationStatus.Amended,
                JoinedUp.Record.ObservationStatus.EnteredInError => Hl7.Fhir.Model.ObservationStatus.EnteredInError,
                _ => Hl7.Fhir.Model.ObservationStatus.Final,
            },
            Code = new CodeableConcept(o.CodeSystem, o.Code, o.Display, o.Display),
            Subject = Subject(o.PatientId),
            Effective = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(o.EffectiveAt, DateTimeKind.Utc))),
        };
        if (o.Code == BloodPressure && o.Value is { } systolic)
        {
            // A blood pressure is one observation with systolic and diastolic components (LOINC codes, as UK Core expects).
            resource.Component.Add(new FhirObservation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8480-6", "Systolic blood pressure"), Value = Quantity(systolic, o.Unit) });
            if (o.SecondaryValue is { } diastolic)
            {
                resource.Component.Add(new FhirObservation.ComponentComponent { Code = new CodeableConcept("http://loinc.org", "8462-4", "Diastolic blood pressure"), Value = Quantity(diastolic, o.Unit) });
            }
        }
        else if (o.Value is { } value)
        {
            resource.Value = Quantity(value, o.Unit);
        }
        if (o.Confidential) resource.Meta.Security.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted"));
        return resource;
    }

    private static Quantity Quantity(double value, string? unit) => new()
    {
        Value = (decimal)value,
        Unit = unit,
        System = unit is null ? null : Ucum,
        Code = unit,
    };

    private static void Label(Resource resource, bool confidential)
    {
        if (confidential) resource.Meta!.Security.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted"));
    }

    internal static Resource ToFhir(JoinedUp.Record.Encounter e)
    {
        var resource = new Hl7.Fhir.Model.Encounter
        {
            Id = e.Id.ToString(CultureInfo.InvariantCulture),
            Meta = Meta(e),
            Status = e.Status switch
            {
                EncounterStatus.Planned => Hl7.Fhir.Model.Encounter.EncounterStatus.Planned,
                EncounterStatus.InProgress => Hl7.Fhir.Model.Encounter.EncounterStatus.InProgress,
                EncounterStatus.Cancelled => Hl7.Fhir.Model.Encounter.EncounterStatus.Cancelled,
                _ => Hl7.Fhir.Model.Encounter.EncounterStatus.Finished,
            },
            Class = e.Class switch
            {
                EncounterClass.Home => new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "HH", "home health"),
                EncounterClass.Virtual => new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "VR", "virtual"),
                EncounterClass.Inpatient => new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "inpatient encounter"),
                EncounterClass.Emergency => new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "EMER", "emergency"),
                _ => new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"),
            },
            Subject = Subject(e.PatientId),
            Period = new Period(new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(e.StartAt, DateTimeKind.Utc))),
                e.EndAt is { } end ? new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(end, DateTimeKind.Utc))) : null),
        };
        if (e.TypeCode is { } type) resource.Type.Add(new CodeableConcept(CodeSystems.Snomed, type));
        if (e.ReasonCode is { } reason) resource.ReasonCode.Add(new CodeableConcept(CodeSystems.Snomed, reason, JoinedUp.Record.Codes.ClinicalCodes.Find(CodeSystems.Snomed, reason)?.Display));
        Label(resource, e.Confidential);
        return resource;
    }

    internal static Resource ToFhir(Immunisation i)
    {
        var resource = new Immunization
        {
            Id = i.Id.ToString(CultureInfo.InvariantCulture),
            Meta = Meta(i),
            Status = i.Status switch
            {
                ImmunisationStatus.NotDone => Immunization.ImmunizationStatusCodes.NotDone,
                ImmunisationStatus.EnteredInError => Immunization.ImmunizationStatusCodes.EnteredInError,
                _ => Immunization.ImmunizationStatusCodes.Completed,
            },
            VaccineCode = new CodeableConcept(i.CodeSystem, i.VaccineCode, i.Display, i.Display),
            Patient = Subject(i.PatientId),
            Occurrence = new FhirDateTime(i.OccurredOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        };
        if (i.DoseNumber is { } dose) resource.ProtocolApplied.Add(new Immunization.ProtocolAppliedComponent { DoseNumber = new PositiveInt(dose) });
        Label(resource, i.Confidential);
        return resource;
    }

    internal static Resource ToFhir(JoinedUp.Record.MedicationStatement m)
    {
        var resource = new Hl7.Fhir.Model.MedicationStatement
        {
            Id = m.Id.ToString(CultureInfo.InvariantCulture),
            Meta = Meta(m),
            Status = m.Status switch
            {
                MedicationStatus.Completed => Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Completed,
                MedicationStatus.Stopped => Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Stopped,
                _ => Hl7.Fhir.Model.MedicationStatement.MedicationStatusCodes.Active,
            },
            Medication = new CodeableConcept(m.CodeSystem, m.Code, m.Display, m.Display),
            Subject = Subject(m.PatientId),
            Effective = new Period(new FhirDateTime(m.StartedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                m.EndedOn is { } ended ? new FhirDateTime(ended.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) : null),
        };
        if (m.Dosage is { } dosage) resource.Dosage.Add(new Dosage { Text = dosage });
        Label(resource, m.Confidential);
        return resource;
    }

    internal static Resource ToFhir(JoinedUp.Record.Condition c)
    {
        var resource = new FhirCondition
        {
            Id = c.Id.ToString(CultureInfo.InvariantCulture),
            Meta = Meta(c),
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", c.Status.ToString().ToLowerInvariant()),
            Code = new CodeableConcept(c.CodeSystem, c.Code, c.Display, c.Display),
            Subject = Subject(c.PatientId),
        };
        if (c.OnsetDate is { } onset) resource.Onset = new FhirDateTime(onset.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (c.Confidential) resource.Meta.Security.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted"));
        return resource;
    }

    internal static Resource ToFhir(JoinedUp.Record.AllergyIntolerance a)
    {
        var resource = new Hl7.Fhir.Model.AllergyIntolerance
        {
            Id = a.Id.ToString(CultureInfo.InvariantCulture),
            Meta = Meta(a),
            ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", a.Status.ToString().ToLowerInvariant()),
            Code = new CodeableConcept(a.CodeSystem, a.Code, a.Display, a.Display),
            Patient = Subject(a.PatientId),
        };
        if (a.RecordedOn is { } recorded) resource.RecordedDateElement = new FhirDateTime(recorded.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (a.Confidential) resource.Meta.Security.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted"));
        return resource;
    }

    internal static Resource ToFhir(JoinedUp.Record.Procedure p)
    {
        var resource = new Hl7.Fhir.Model.Procedure
        {
            Id = p.Id.ToString(CultureInfo.InvariantCulture),
            Meta = Meta(p),
            Status = p.Status switch
            {
                ProcedureStatus.InProgress => EventStatus.InProgress,
                ProcedureStatus.NotDone => EventStatus.NotDone,
                ProcedureStatus.Stopped => EventStatus.Stopped,
                ProcedureStatus.EnteredInError => EventStatus.EnteredInError,
                ProcedureStatus.Unknown => EventStatus.Unknown,
                _ => EventStatus.Completed,
            },
            Code = new CodeableConcept(p.CodeSystem, p.Code, p.Display, p.Display),
            Subject = Subject(p.PatientId),
        };
        if (p.PerformedAt is { } at) resource.Performed = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)));
        if (p.EncounterId is { } encounter) resource.Encounter = new ResourceReference($"Encounter/{encounter.ToString(CultureInfo.InvariantCulture)}");
        if (p.Confidential) resource.Meta.Security.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted"));
        return resource;
    }
}
