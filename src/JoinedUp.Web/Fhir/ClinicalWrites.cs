using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;

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
            fhir.MapPut($"/{type}/{{id}}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct) => type switch
                {
                    "Encounter" => UpdateAsync(db.Encounters, type, id, http, access, db, clock, ct),
                    "Condition" => UpdateAsync(db.Conditions, type, id, http, access, db, clock, ct),
                    "Observation" => UpdateAsync(db.Observations, type, id, http, access, db, clock, ct),
                    "Immunization" => UpdateAsync(db.Immunisations, type, id, http, access, db, clock, ct),
                    "MedicationStatement" => UpdateAsync(db.MedicationStatements, type, id, http, access, db, clock, ct),
                    "AllergyIntolerance" => UpdateAsync(db.Allergies, type, id, http, access, db, clock, ct),
                    _ => UpdateAsync(db.Procedures, type, id, http, access, db, clock, ct),
                })
                .RequirePermission(Permission.RecordWrite).WithName($"FhirUpdate{type}")
                .WithSummary($"Updates a {type} (a correction, a status change); If-Match W/\"n\" guards against lost updates (412 when stale).");
            fhir.MapDelete($"/{type}/{{id}}", (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct) => type switch
                {
                    "Encounter" => DeleteAsync(db.Encounters, type, id, http, access, db, clock, ct),
                    "Condition" => DeleteAsync(db.Conditions, type, id, http, access, db, clock, ct),
                    "Observation" => DeleteAsync(db.Observations, type, id, http, access, db, clock, ct),
                    "Immunization" => DeleteAsync(db.Immunisations, type, id, http, access, db, clock, ct),
                    "MedicationStatement" => DeleteAsync(db.MedicationStatements, type, id, http, access, db, clock, ct),
                    "AllergyIntolerance" => DeleteAsync(db.Allergies, type, id, http, access, db, clock, ct),
                    _ => DeleteAsync(db.Procedures, type, id, http, access, db, clock, ct),
                })
                .RequirePermission(Permission.RecordWrite).WithName($"FhirDelete{type}")
                .WithSummary($"Deletes a {type} recorded in error (full care relationship; If-Match honoured); the deletion is a version, and reads answer 410 Gone.");
        }
    }

    /// <summary>
    /// Opens a patient's record to change one entry: a full care relationship (not emergency or triage access) and
    /// the entry visible to the caller. Audited by <see cref="RecordAccessService.OpenAsync"/>; every refusal but the
    /// emergency one is the same 403 as for an entry that does not exist.
    /// </summary>
    private static async Task<(RecordView? View, IResult? Refused)> OpenForChangeAsync<T>(IQueryable<T> set, AccessPrincipal who, RecordAccessService access,
        long patientId, string action, string resource, long entryId, CancellationToken ct) where T : ClinicalEntry
    {
        var opened = await access.OpenAsync(who, patientId, action, resource, ct).ConfigureAwait(false);
        if (opened.View is null) return (null, FhirResults.Forbidden());
        if (opened.View.Emergency || opened.View.Level != AccessLevel.Full)
        {
            return (null, FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, "Emergency and triage access can read but not change the record."));
        }
        return await opened.View.VisibleOfType(set.AsNoTracking()).AnyAsync(e => e.Id == entryId, ct).ConfigureAwait(false)
            ? (opened.View, null)
            : (null, FhirResults.Forbidden());
    }

    /// <summary>
    /// PUT: a new version of an existing entry (a correction, a status change such as entered-in-error), by someone
    /// with a full care relationship who can see it, for the same patient. The row takes the new values and the next
    /// version; resource_version keeps the resource as sent. If-Match is honoured; two concurrent updates of the same
    /// version give one 200 and one 412. Creating with PUT is not supported (POST creates).
    /// </summary>
    private static async Task<IResult> UpdateAsync<T>(DbSet<T> set, string type, string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct)
        where T : ClinicalEntry
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var entryId)) return FhirResults.Forbidden();
        var who = http.RequiredCaller();
        var existing = await set.FirstOrDefaultAsync(e => e.Id == entryId, ct).ConfigureAwait(false);
        if (existing is null)
        {
            await access.AuditAsync(who, AuditOutcome.Denied, "record.update", $"{type}/{entryId}", null, "no such entry", null, ct).ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"There is no {type}/{entryId} to update (or you may not see it); create with POST /fhir/{type}.");
        }
        var (view, refused) = await OpenForChangeAsync(set, who, access, existing.PatientId, "record.update", $"{type}/{entryId}", entryId, ct).ConfigureAwait(false);
        if (refused is not null) return refused;
        var (resource, error) = await FhirBody.ReadAsync<Resource>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        if (resource!.TypeName != type || resource.Id != id)
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"The body must be {type} with id {id} (got {resource.TypeName} {resource.Id ?? "without an id"}).", $"{type}.id");
        }
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var expected = existing.VersionId;
        if (ifMatch.Length > 0 && ifMatch != $"W/\"{expected}\"" && ifMatch != $"\"{expected}\"")
        {
            return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"The {type} has changed since version {ifMatch}: it is now at version {expected}. Read it again and reapply your change.");
        }
        var (subject, element) = RecordMapping.PatientReference(resource);
        if (subject?.Reference != $"Patient/{existing.PatientId}")
        {
            return FhirResults.Problem(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.BusinessRule,
                $"An entry stays with its patient: {element}.reference must be Patient/{existing.PatientId}. Record it for the other patient and delete this one.", element);
        }
        long? encounterId = null;
        var (encounterRef, encounterElement) = RecordMapping.EncounterReference(resource);
        if (encounterRef?.Reference is { } encounter)
        {
            if (!encounter.StartsWith("Encounter/", StringComparison.Ordinal) || !long.TryParse(encounter["Encounter/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var e)
                || !await db.Encounters.AsNoTracking().AnyAsync(x => x.Id == e && x.PatientId == existing.PatientId, ct).ConfigureAwait(false))
            {
                return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"{encounter} is not an encounter of this patient on this server.", encounterElement);
            }
            encounterId = e;
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var (row, problems) = RecordMapping.ToRow(resource, existing.PatientId, encounterId, now);
        if (row is null)
        {
            var outcome = new OperationOutcome();
            foreach (var p in problems) outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = OperationOutcome.IssueType.Invalid, Diagnostics = p.Message, Expression = [p.Expression] });
            return FhirResults.Resource(outcome, StatusCodes.Status400BadRequest);
        }
        row.Id = existing.Id;
        row.VersionId = expected + 1;
        row.RecordedByServiceId = existing.RecordedByServiceId;
        db.Entry(existing).CurrentValues.SetValues(row);
        db.Entry(existing).Property(e => e.VersionId).OriginalValue = expected;
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = (expected + 1).ToString(CultureInfo.InvariantCulture);
        resource.Meta.LastUpdated = new DateTimeOffset(now);
        db.ResourceVersions.Add(new ResourceVersion { ResourceType = type, ResourceId = entryId, VersionId = expected + 1, LastUpdated = now, Method = "update", Json = FhirJson.Serialize(resource) });
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DbUpdateConcurrencyException or DbUpdateException)
        {
            return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"The {type} was changed by someone else while you were saving version {expected}. Read it again and reapply your change.");
        }
        return FhirResults.Resource(resource, StatusCodes.Status200OK, response =>
        {
            response.Headers.ETag = $"W/\"{expected + 1}\"";
            response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/{type}/{entryId}/_history/{expected + 1}";
            response.Headers.LastModified = resource.Meta.LastUpdated.Value.ToString("R", CultureInfo.InvariantCulture);
        });
    }

    /// <summary>
    /// DELETE: for an entry recorded in error, by someone with a full care relationship with the patient (not
    /// emergency or triage access) who can see the entry. The row goes; a "delete" version keeps what it was, so
    /// history and audit still show it, and reads answer 410 Gone. The entry's identifiers are released, so the
    /// same data can be sent again.
    /// </summary>
    private static async Task<IResult> DeleteAsync<T>(DbSet<T> set, string type, string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct)
        where T : ClinicalEntry
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var entryId)) return FhirResults.Forbidden();
        var who = http.RequiredCaller();
        var row = await set.AsNoTracking().Where(e => e.Id == entryId).Select(e => new { e.PatientId, e.VersionId, e.Confidential, e.RecordedByServiceId }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (row is null)
        {
            await access.AuditAsync(who, AuditOutcome.Denied, "record.delete", $"{type}/{entryId}", null, "no such entry", null, ct).ConfigureAwait(false);
            return FhirResults.Forbidden();
        }
        var (view, refused) = await OpenForChangeAsync(set, who, access, row.PatientId, "record.delete", $"{type}/{entryId}", entryId, ct).ConfigureAwait(false);
        if (refused is not null) return refused;
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0 && ifMatch != $"W/\"{row.VersionId}\"" && ifMatch != $"\"{row.VersionId}\"")
        {
            return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                $"The {type} has changed since version {ifMatch}: it is now at version {row.VersionId}. Read it again before deleting it.");
        }
        var last = await db.ResourceVersions.AsNoTracking().Where(v => v.ResourceType == type && v.ResourceId == entryId && v.VersionId == row.VersionId)
            .Select(v => v.Json).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var json = last ?? $"{{\"resourceType\":\"{type}\",\"id\":\"{entryId}\",\"subject\":{{\"reference\":\"Patient/{row.PatientId}\"}}}}";
        if (row.Confidential || (row.RecordedByServiceId is { } service && view!.SensitiveServiceIds.Contains(service)))
        {
            // The row's security label goes with the row: keep it on the deletion, so its history stays restricted.
            var restricted = System.Text.Json.JsonSerializer.Deserialize<Resource>(json, FhirJson.Write)!;
            restricted.Meta ??= new Meta();
            if (!restricted.Meta.Security.Any(c => c.Code == "R")) restricted.Meta.Security.Add(new Coding("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R", "restricted"));
            json = FhirJson.Serialize(restricted);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (tx.ConfigureAwait(false))
        {
            // The version check again inside the transaction: someone may have changed it since.
            var deleted = await set.Where(e => e.Id == entryId && e.VersionId == row.VersionId).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            if (deleted == 0)
            {
                return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict, $"The {type} was changed or deleted by someone else at the same moment. Read it again.");
            }
            await db.ResourceIdentifiers.Where(i => i.ResourceType == type && i.ResourceId == entryId).ExecuteDeleteAsync(ct).ConfigureAwait(false);
            db.ResourceVersions.Add(new ResourceVersion
            {
                ResourceType = type, ResourceId = entryId, VersionId = row.VersionId + 1, LastUpdated = now, Method = "delete",
                Json = json,
            });
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        return Results.NoContent();
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
