using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Create for every clinical type (Observation, Condition, Encounter, Immunization, MedicationStatement,
/// AllergyIntolerance, Procedure): a GP system or a clinician adds to the record of a patient they have a care
/// relationship with (full access, not emergency or triage), through the same writer as transactions and imports
/// (docs/adr/0003): the row holds what measures need, resource_version the resource as sent. Conditional create with
/// If-None-Exist (identifier=system|value): no match 201, one match 200 and nothing changed, several 412.
/// </summary>
internal static class ClinicalWrites
{
    public static void MapClinicalWrites(this RouteGroupBuilder fhir)
    {
        foreach (var type in RecordMapping.StoredTypes.Where(RecordMapping.IsClinical))
        {
            fhir.MapPost($"/{type}", (HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct) => CreateAsync(type, http, access, db, clock, ct))
                .RequirePermission(Permission.RecordWrite).WithName($"FhirCreate{type}")
                .WithSummary($"Adds a {type} for a patient the caller has a care relationship with; conditional create with If-None-Exist.");
        }
    }

    private static async Task<IResult> CreateAsync(string type, HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var (resource, error) = await FhirBody.ReadAsync<Resource>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        if (resource!.TypeName != type)
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"POST /fhir/{type} takes a {type}; the body is a {resource.TypeName}.", "resourceType");
        }
        var (subject, element) = RecordMapping.PatientReference(resource);
        if (subject?.Reference is null)
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required, $"A {type} names its patient: {element.Split('.')[1]}.reference = Patient/<id>.", element);
        }
        var who = http.RequiredCaller();
        var ifNoneExist = http.Request.Headers["If-None-Exist"].ToString();
        // A POST never takes the client's id: the entry is keyed by identifiers and If-None-Exist only.
        resource.Id = null;
        var result = await new RecordWriter(db, clock).SaveAsync([new WriteEntry(null, resource, ifNoneExist.Length > 0 ? ifNoneExist : null)],
            new HttpWriteGate(who, access, db), WriteMode.Transaction, null, ct).ConfigureAwait(false);
        var entry = result.Entries[0];
        switch (entry.Outcome)
        {
            case EntryOutcome.Refused:
                return entry.Reason?.StartsWith("Emergency", StringComparison.Ordinal) == true
                    ? FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, entry.Reason)
                    : FhirResults.Forbidden();
            case EntryOutcome.Ambiguous:
                return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.MultipleMatches, entry.Reason!, "If-None-Exist");
            case EntryOutcome.Invalid:
                var outcome = new OperationOutcome();
                foreach (var p in entry.Problems ?? [new FhirProblem(type, entry.Reason ?? "Invalid.")])
                {
                    outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = OperationOutcome.IssueType.Invalid, Diagnostics = p.Message, Expression = [p.Expression] });
                }
                return FhirResults.Resource(outcome, StatusCodes.Status400BadRequest);
        }
        var id = entry.Id!.Value;
        foreach (var (patientId, count) in result.CreatedByPatient)
        {
            await access.AuditAsync(who, AuditOutcome.Allowed, "record.create", $"{type}/{id}", patientId, "create", $"{count} resource(s) created", ct).ConfigureAwait(false);
        }
        var probe = (Resource)Activator.CreateInstance(resource.GetType())!;
        probe.Id = id.ToString(CultureInfo.InvariantCulture);
        probe.Meta = new Meta { VersionId = "1" };
        var stored = await ClinicalResources.StoredAsync(db, [probe], ct).ConfigureAwait(false);
        var written = stored[0];
        var status = entry.Outcome == EntryOutcome.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        if (written.Meta?.LastUpdated is null)
        {
            // Matched an existing observation that was not written through FHIR: answer with its location only.
            return FhirResults.Resource(FhirResults.Outcome(OperationOutcome.IssueType.Duplicate, $"{type}/{id} already exists; nothing was created.", severity: OperationOutcome.IssueSeverity.Information), status,
                response => response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/{type}/{id}");
        }
        return FhirResults.Resource(written, status, response =>
        {
            response.Headers.ETag = $"W/\"{written.Meta!.VersionId}\"";
            response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/{type}/{id}/_history/{written.Meta.VersionId}";
            response.Headers.LastModified = written.Meta.LastUpdated!.Value.ToString("R", CultureInfo.InvariantCulture);
        });
    }
}
