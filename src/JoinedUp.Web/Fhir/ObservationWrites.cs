using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using FhirObservation = Hl7.Fhir.Model.Observation;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Observation create: a GP system or a clinician adds a result to a patient they have a care relationship with
/// (full access, not emergency or triage). The row holds what measures need (code, value, unit, time); the full
/// resource as sent is kept in resource_version (docs/adr/0003).
/// </summary>
internal static class ObservationWrites
{
    public static void MapObservationWrites(this RouteGroupBuilder fhir) =>
        fhir.MapPost("/Observation", async (HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                var (resource, error) = await FhirBody.ReadAsync<FhirObservation>(http, ct).ConfigureAwait(false);
                if (error is not null) return error;
                var reference = resource!.Subject?.Reference;
                if (reference is null || !reference.StartsWith("Patient/", StringComparison.Ordinal)
                    || !long.TryParse(reference["Patient/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var patientId))
                {
                    return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required, "An Observation names its patient: subject.reference = Patient/<id>.", "Observation.subject");
                }
                var opened = await access.OpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.RecordWrite), $"Patient/{patientId}/Observation", ct).ConfigureAwait(false);
                if (opened.View is null) return FhirResults.Forbidden();
                if (opened.View.Emergency || opened.View.Level != AccessLevel.Full)
                {
                    return FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, "Emergency and triage access can read but not add to the record.");
                }
                var coding = resource.Code?.Coding.FirstOrDefault();
                if (coding?.Code is null || coding.System is null)
                {
                    return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required, "Observation.code needs a coding with system and code (SNOMED CT, LOINC, ...).", "Observation.code.coding[0]");
                }
                if (coding.Code.Length > 64 || coding.System.Length > 200) return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "The code or its system is too long.", "Observation.code.coding[0]");
                DateTime effective;
                switch (resource.Effective)
                {
                    case FhirDateTime dt when dt.TryToDateTimeOffset(out var when):
                        effective = when.UtcDateTime;
                        break;
                    case Instant instant when instant.Value is { } at:
                        effective = at.UtcDateTime;
                        break;
                    default:
                        return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required, "Give when it was measured: effectiveDateTime.", "Observation.effective[x]");
                }
                double? value = null, second = null;
                string? unit = null;
                if (resource.Value is Quantity q && q.Value is { } v)
                {
                    value = (double)v;
                    unit = q.Code ?? q.Unit;
                }
                foreach (var component in resource.Component)
                {
                    if (component.Value is not Quantity cq || cq.Value is not { } cv) continue;
                    var code = component.Code?.Coding.FirstOrDefault()?.Code;
                    if (code is "8480-6" or "271649006") { value = (double)cv; unit ??= cq.Code ?? cq.Unit; }
                    if (code is "8462-4" or "271650006") second = (double)cv;
                }
                var now = clock.GetUtcNow().UtcDateTime;
                if (effective > now.AddMinutes(5)) return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "effectiveDateTime is in the future.", "Observation.effective[x]");
                var row = new JoinedUp.Record.Observation
                {
                    PatientId = patientId,
                    CodeSystem = coding.System,
                    Code = coding.Code,
                    Display = coding.Display is { Length: <= 500 } d ? d : resource.Code!.Text?[..Math.Min(resource.Code.Text.Length, 500)],
                    EffectiveAt = effective,
                    Value = value,
                    SecondaryValue = second,
                    Unit = unit is { Length: <= 32 } ? unit : null,
                    RecordedByServiceId = opened.View.OwnServiceIds.Count == 1 ? opened.View.OwnServiceIds[0] : null,
                    Status = resource.Status switch
                    {
                        Hl7.Fhir.Model.ObservationStatus.Amended or Hl7.Fhir.Model.ObservationStatus.Corrected => JoinedUp.Record.ObservationStatus.Amended,
                        Hl7.Fhir.Model.ObservationStatus.EnteredInError => JoinedUp.Record.ObservationStatus.EnteredInError,
                        _ => JoinedUp.Record.ObservationStatus.Final,
                    },
                    LastUpdated = now,
                };
                var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
                await using (tx.ConfigureAwait(false))
                {
                    db.Observations.Add(row);
                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                    resource.Id = row.Id.ToString(CultureInfo.InvariantCulture);
                    resource.Meta ??= new Meta();
                    resource.Meta.VersionId = "1";
                    resource.Meta.LastUpdated = new DateTimeOffset(now);
                    db.ResourceVersions.Add(new ResourceVersion { ResourceType = "Observation", ResourceId = row.Id, VersionId = 1, LastUpdated = now, Method = "create", Json = FhirJson.Serialize(resource) });
                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                    await tx.CommitAsync(ct).ConfigureAwait(false);
                }
                return FhirResults.Resource(resource, StatusCodes.Status201Created, response =>
                {
                    response.Headers.ETag = "W/\"1\"";
                    response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/Observation/{row.Id}/_history/1";
                    response.Headers.LastModified = resource.Meta.LastUpdated!.Value.ToString("R", CultureInfo.InvariantCulture);
                });
            })
            .RequirePermission(Permission.RecordWrite).WithName("FhirCreateObservation").WithSummary("Adds an observation for a patient the caller has a care relationship with.");
}
