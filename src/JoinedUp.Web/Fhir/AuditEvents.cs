using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using AuditEvent = Hl7.Fhir.Model.AuditEvent;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Fhir;

/// <summary>The audit trail as FHIR AuditEvent, for information governance tools (audit.read); the search is itself audited.</summary>
internal static class AuditEvents
{
    public static void MapAuditEvents(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/AuditEvent/{id}", async (string id, HttpContext http, JoinedUpDbContext db, RecordAccessService access, CancellationToken ct) =>
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var entryId))
                {
                    return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"AuditEvent ids are numbers; '{id}' is not one.");
                }
                var row = await db.AuditEntries.AsNoTracking().FirstOrDefaultAsync(e => e.Id == entryId, ct).ConfigureAwait(false);
                await access.AuditAsync(http.RequiredCaller(), AuditOutcome.Allowed, PermissionMatrix.Name(Permission.AuditRead), $"AuditEvent/{entryId}", row?.PatientId, "information governance (FHIR)", null, ct).ConfigureAwait(false);
                return row is null
                    ? FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"There is no AuditEvent/{entryId}.")
                    : FhirResults.Resource(ToFhir(row));
            })
            .RequirePermission(Permission.AuditRead).WithName("FhirReadAuditEvent").WithSummary("One entry of the audit trail.");
        fhir.MapGet("/AuditEvent", async (string? patient, string? agent, string? outcome, string? date, int? _count, HttpContext http,
                JoinedUpDbContext db, RecordAccessService access, CancellationToken ct) =>
            {
                long? patientId = null;
                if (patient is not null)
                {
                    if (!long.TryParse(patient.Replace("Patient/", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    {
                        return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{patient}' is not a Patient reference.", "patient");
                    }
                    patientId = pid;
                }
                string? outcomeFilter = outcome switch
                {
                    null => null,
                    "0" => AuditOutcome.Allowed,
                    "4" => AuditOutcome.Denied,
                    "8" => AuditOutcome.Unauthenticated,
                    _ => "invalid",
                };
                if (outcomeFilter == "invalid") return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "outcome is 0 (allowed), 4 (denied) or 8 (not signed in).", "outcome");
                DateTime? from = null, to = null;
                if (date is not null)
                {
                    if (!DateParam.TryParse(date, out var d) || d.Prefix is not ("eq" or "ge" or "lt"))
                    {
                        return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "date is yyyy-mm-dd with eq, ge or lt.", "date");
                    }
                    var start = d.Start.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                    var end = d.EndExclusive.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                    (from, to) = d.Prefix switch { "ge" => ((DateTime?)start, (DateTime?)null), "lt" => ((DateTime?)null, (DateTime?)start), _ => ((DateTime?)start, (DateTime?)end) };
                }
                var rows = await SecurityApi.Filter(db.AuditEntries.AsNoTracking(), patientId, agent, outcomeFilter, null, from, to)
                    .OrderByDescending(e => e.Id).Take(Math.Clamp(_count ?? 50, 1, 500)).ToListAsync(ct).ConfigureAwait(false);
                await access.AuditAsync(http.RequiredCaller(), AuditOutcome.Allowed, PermissionMatrix.Name(Permission.AuditRead), "AuditEvent", patientId, "information governance (FHIR)", null, ct).ConfigureAwait(false);
                var baseUrl = FhirEndpoints.BaseUrl(http);
                var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = rows.Count };
                foreach (var row in rows)
                {
                    bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/AuditEvent/{row.Id}", Resource = ToFhir(row), Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
                }
                return FhirResults.Resource(bundle);
            })
            .RequirePermission(Permission.AuditRead).WithName("FhirSearchAuditEvent").WithSummary("The audit trail as AuditEvent: patient, agent (user id), outcome, date; newest first.");
    }

    internal static AuditEvent ToFhir(AuditEntry e)
    {
        var audit = new AuditEvent
        {
            Id = e.Id.ToString(CultureInfo.InvariantCulture),
            Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"),
            Subtype = [new Coding("https://joinedup.example/CodeSystem/audit-action", e.Action, e.Action)],
            Action = e.Action switch
            {
                "record.write" or "record.create" or "record.import" => AuditEvent.AuditEventAction.C,
                "record.delete" => AuditEvent.AuditEventAction.D,
                "record.update" or "consent.manage" or "proxy.manage" or "relationship.manage" or "break-glass.review" => AuditEvent.AuditEventAction.U,
                "sign-in" or "token" or "record.break-glass" => AuditEvent.AuditEventAction.E,
                _ => AuditEvent.AuditEventAction.R,
            },
            Recorded = new DateTimeOffset(DateTime.SpecifyKind(e.At, DateTimeKind.Utc)),
            Outcome = e.Outcome switch
            {
                AuditOutcome.Allowed => AuditEvent.AuditEventOutcome.N0,
                AuditOutcome.Denied => AuditEvent.AuditEventOutcome.N4,
                _ => AuditEvent.AuditEventOutcome.N8,
            },
            OutcomeDesc = e.Basis,
            Source = new AuditEvent.SourceComponent { Observer = new ResourceReference { Display = "JoinedUp" } },
        };
        audit.Agent.Add(new AuditEvent.AgentComponent
        {
            Requestor = true,
            Who = new ResourceReference { Identifier = e.UserId is null ? null : new Identifier("https://joinedup.example/Id/user", e.UserId), Display = e.UserName ?? "not signed in" },
            Role = e.Role is null ? [] : [new CodeableConcept("https://joinedup.example/CodeSystem/role", e.Role, Roles.Describe(e.Role))],
            AltId = e.ClientId,
        });
        if (e.PatientId is { } patient) audit.Entity.Add(new AuditEvent.EntityComponent { What = new ResourceReference($"Patient/{patient.ToString(CultureInfo.InvariantCulture)}") });
        audit.Entity.Add(new AuditEvent.EntityComponent { Description = e.Resource, Name = e.OrganisationCode });
        return audit;
    }
}
