using System.Globalization;
using System.Linq.Expressions;
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
                SearchAsync(http, access, db, "Observation", (view, q) => ObservationFilter(view, db, q), o => o.Id, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchObservation").WithSummary("A patient's observations: patient (required), code, date, _count.");
        fhir.MapGet("/Condition/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Conditions, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadCondition").WithSummary("One condition, if the caller may see it.");
        fhir.MapGet("/Condition", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Condition", (view, q) => ConditionFilter(view, db, q), c => c.Id, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchCondition").WithSummary("A patient's conditions: patient (required), code, clinical-status, _count.");
        fhir.MapGet("/Encounter/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Encounters, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadEncounter").WithSummary("One encounter, if the caller may see it.");
        fhir.MapGet("/Encounter", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Encounter", (view, q) => EncounterFilter(view, db, q), e => e.Id, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchEncounter").WithSummary("A patient's encounters: patient (required), date, _count.");
        fhir.MapGet("/Immunization/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.Immunisations, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadImmunization").WithSummary("One immunisation, if the caller may see it.");
        fhir.MapGet("/Immunization", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "Immunization", (view, q) => ImmunizationFilter(view, db, q), i => i.Id, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchImmunization").WithSummary("A patient's immunisations: patient (required), vaccine-code, _count.");
        fhir.MapGet("/MedicationStatement/{id}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                ReadAsync(id, http, access, db, db.MedicationStatements, ToFhir, ct))
            .RequirePermission(Permission.RecordRead).WithName("FhirReadMedicationStatement").WithSummary("One medication statement, if the caller may see it.");
        fhir.MapGet("/MedicationStatement", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
                SearchAsync(http, access, db, "MedicationStatement", (view, q) => MedicationFilter(view, db, q), m => m.Id, ToFhir, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirSearchMedicationStatement").WithSummary("A patient's medicines: patient (required), code, status, _count.");
    }

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
                var resources = new List<Resource>();
                if (await PatientMapping.ReadAsync(db, patientId, ct).ConfigureAwait(false) is { } patient) resources.Add(patient);
                var conditions = view.Level == AccessLevel.Triage
                    ? view.TriageConditions(db.Conditions.AsNoTracking()).Union(view.Visible(db.Conditions.AsNoTracking()))
                    : view.Visible(db.Conditions.AsNoTracking());
                resources.AddRange((await conditions.OrderBy(c => c.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.Observations.AsNoTracking()).OrderBy(o => o.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.VisibleEncounters(db.Encounters.AsNoTracking()).OrderBy(e => e.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.Immunisations.AsNoTracking()).OrderBy(i => i.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
                resources.AddRange((await view.Visible(db.MedicationStatements.AsNoTracking()).OrderBy(m => m.Id).ToListAsync(ct).ConfigureAwait(false)).Select(ToFhir));
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
            await access.AuditAsync(who, JoinedUp.Security.Audit.AuditOutcome.Denied, PermissionMatrix.Name(Permission.RecordRead), $"{typeName}/{entryId}", null, "no such entry", null, ct).ConfigureAwait(false);
            return FhirResults.Forbidden();
        }
        var opened = await access.BeginOpenAsync(who, patientId.Value, PermissionMatrix.Name(Permission.RecordRead), $"{typeName}/{entryId}", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        var visible = typeof(T) == typeof(JoinedUp.Record.Encounter)
            ? (IQueryable<T>)opened.View.VisibleEncounters((IQueryable<JoinedUp.Record.Encounter>)set.AsNoTracking())
            : opened.View.Visible(set.AsNoTracking());
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
        Func<RecordView, IQueryCollection, (IQueryable<T>? Query, IResult? Error)> filter, Expression<Func<T, long>> key, Func<T, Resource> map, CancellationToken ct)
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
        var opened = await access.BeginOpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.RecordSearch), $"{type}?patient={patientId}", ct).ConfigureAwait(false);
        if (opened.View is null) return FhirResults.Forbidden();
        var (filtered, error) = filter(opened.View, query);
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
        long after = 0;
        if (query.TryGetValue("_cursor", out var cursor) && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            await opened.Audited.ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "Follow the bundle's next link as given.", "_cursor");
        }
        var rows = await filtered!.Where(e => e.Id > after).OrderBy(e => e.Id).Take(count + 1).ToListAsync(ct).ConfigureAwait(false);
        await opened.Audited.ConfigureAwait(false);
        var more = rows.Count > count;
        if (more) rows.RemoveAt(rows.Count - 1);
        var baseUrl = FhirEndpoints.BaseUrl(http);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/{type}{http.Request.QueryString}" });
        if (more)
        {
            bundle.Link.Add(FhirQuery.NextLink(http, type, rows[^1].Id));
        }
        foreach (var row in rows)
        {
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{type}/{row.Id}", Resource = map(row), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
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
        return FhirResults.Resource(bundle);
    }

    private static (IQueryable<JoinedUp.Record.Observation>?, IResult?) ObservationFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.Observations.AsNoTracking());
        if (Codes(query, out var codes, out var codeError) is false) return (null, codeError);
        if (codes.Count > 0) q = q.Where(o => codes.Contains(o.Code));
        foreach (var date in query["date"].OfType<string>())
        {
            if (!DateParam.TryParse(date, out var d)) return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{date}' is not a FHIR date search value.", "date"));
            q = q.Where(d, o => o.EffectiveAt);
        }
        return (q, null);
    }

    private static (IQueryable<JoinedUp.Record.Condition>?, IResult?) ConditionFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Level == AccessLevel.Triage
            ? view.TriageConditions(db.Conditions.AsNoTracking()).Union(view.Visible(db.Conditions.AsNoTracking()))
            : view.Visible(db.Conditions.AsNoTracking());
        if (Codes(query, out var codes, out var codeError) is false) return (null, codeError);
        if (codes.Count > 0) q = q.Where(c => codes.Contains(c.Code));
        if (query["clinical-status"].FirstOrDefault() is { } status)
        {
            ConditionStatus? s = status switch { "active" => ConditionStatus.Active, "resolved" => ConditionStatus.Resolved, "inactive" => ConditionStatus.Inactive, _ => null };
            if (s is null) return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "clinical-status is active, inactive or resolved.", "clinical-status"));
            q = q.Where(c => c.Status == s);
        }
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
        return (q, null);
    }

    private static (IQueryable<Immunisation>?, IResult?) ImmunizationFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.Immunisations.AsNoTracking());
        var codes = query["vaccine-code"].OfType<string>().SelectMany(v => v.Split(',')).Select(t => t[(t.IndexOf('|', StringComparison.Ordinal) + 1)..]).ToList();
        if (codes.Count > 0) q = q.Where(i => codes.Contains(i.VaccineCode));
        return (q, null);
    }

    private static (IQueryable<JoinedUp.Record.MedicationStatement>?, IResult?) MedicationFilter(RecordView view, JoinedUpDbContext db, IQueryCollection query)
    {
        var q = view.Visible(db.MedicationStatements.AsNoTracking());
        if (Codes(query, out var codes, out var codeError) is false) return (null, codeError);
        if (codes.Count > 0) q = q.Where(m => codes.Contains(m.Code));
        if (query["status"].FirstOrDefault() is { } status)
        {
            MedicationStatus? s = status switch { "active" => MedicationStatus.Active, "completed" => MedicationStatus.Completed, "stopped" => MedicationStatus.Stopped, _ => null };
            if (s is null) return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "status is active, completed or stopped.", "status"));
            q = q.Where(m => m.Status == s);
        }
        return (q, null);
    }

    /// <summary>code=system|code,code2: comma lists; a system other than the code's own matches nothing.</summary>
    private static bool Codes(IQueryCollection query, out List<string> codes, out IResult? error)
    {
        codes = [];
        error = null;
        foreach (var token in query["code"].OfType<string>().SelectMany(v => v.Split(',')))
        {
            var bar = token.IndexOf('|', StringComparison.Ordinal);
            var code = bar < 0 ? token : token[(bar + 1)..];
            if (code.Length is 0 or > 64)
            {
                error = FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{token}' is not a code (system|code).", "code");
                return false;
            }
            codes.Add(code);
        }
        return true;
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
}
