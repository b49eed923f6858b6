using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using Referral = JoinedUp.Access.Referral;
using FhirTask = Hl7.Fhir.Model.Task;
using ReferralRequest = JoinedUp.Access.ReferralRequest;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Referrals over FHIR: <c>ServiceRequest</c> create (conditional create with If-None-Exist on identifier, through the
/// same intake as REST and the forms), read and search; <c>Task</c> for the workflow (the triage task and one task per
/// receiving service: read, search by focus, and update of status by the receiving team); the holistic assessment's
/// <c>Questionnaire</c> and the stored <c>QuestionnaireResponse</c>s. The id of a ServiceRequest is the referral's reference.
/// </summary>
internal static class ServiceRequests
{
    public const string SourceSystem = "https://joinedup.example/fhir/CodeSystem/referral-source";
    public const string ReferenceSystem = "https://joinedup.example/Id/referral";

    public static void MapServiceRequests(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/ServiceRequest", async (HttpContext http, ReferralIntake intake, JoinedUpDbContext db, AccessDirectory directory, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var (resource, error) = await FhirBody.ReadAsync<ServiceRequest>(http, ct).ConfigureAwait(false);
                if (error is not null) return error;
                var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
                var (request, problems) = ToRequest(resource!, who, snapshot);
                if (problems.Count > 0) return Outcome(422, problems);
                string? key = null;
                var condition = http.Request.Headers["If-None-Exist"].ToString();
                if (!string.IsNullOrWhiteSpace(condition))
                {
                    if (!condition.StartsWith("identifier=", StringComparison.Ordinal) || condition.Length <= "identifier=".Length)
                    {
                        return FhirResults.Problem(400, OperationOutcome.IssueType.NotSupported, "If-None-Exist on ServiceRequest supports identifier=system|value only.");
                    }
                    key = Uri.UnescapeDataString(condition["identifier=".Length..]);
                    if (!resource!.Identifier.Any(i => string.Equals($"{i.System}|{i.Value}", key, StringComparison.Ordinal)))
                    {
                        return FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, "If-None-Exist names an identifier the ServiceRequest does not carry: send the same system|value in ServiceRequest.identifier.", "ServiceRequest.identifier");
                    }
                }
                var result = await intake.SubmitAsync(who, request, key, ct).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case IntakeOutcome.Created or IntakeOutcome.Linked or IntakeOutcome.Replayed:
                        var referral = result.Referral!;
                        var linked = result.LinkedReference;
                        var sr = await ToFhirAsync(db, snapshot, referral, ct).ConfigureAwait(false);
                        return FhirResults.Resource(sr, result.Outcome == IntakeOutcome.Replayed ? 200 : 201, response =>
                        {
                            response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/ServiceRequest/{referral.Reference}/_history/{referral.VersionId}";
                            response.Headers.ETag = $"W/\"{referral.VersionId}\"";
                            if (linked is not null) response.Headers["X-Linked-Referral"] = linked;
                        });
                    case IntakeOutcome.Refused:
                        return FhirResults.Problem(403, OperationOutcome.IssueType.Forbidden, result.Problems[0].Message, "ServiceRequest.subject");
                    case IntakeOutcome.KeyReused:
                        return FhirResults.Problem(412, OperationOutcome.IssueType.Duplicate, result.Problems[0].Message, "ServiceRequest.identifier");
                    default:
                        return Outcome(422, result.Problems.Select(p => (Expression(p.Field), p.Message)).ToList());
                }
            })
            .RequirePermission(Permission.ReferralCreate)
            .WithName("FhirCreateServiceRequest").WithSummary("Refer a person as a ServiceRequest (subject, reasonCode, performer = HealthcareService, priority). If-None-Exist: identifier=system|value makes a retry return the first referral.");

        fhir.MapGet("/ServiceRequest/{id}", async (string id, HttpContext http, ReferralQueries queries, JoinedUpDbContext db, AccessDirectory directory, CancellationToken ct) =>
            {
                var view = await queries.StatusAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false);
                if (view is null) return NotFound("ServiceRequest", id);
                var referral = await db.Referrals.AsNoTracking().FirstAsync(r => r.Reference == id, ct).ConfigureAwait(false);
                var sr = await ToFhirAsync(db, await directory.GetAsync(db, ct).ConfigureAwait(false), referral, ct).ConfigureAwait(false);
                return FhirResults.Resource(sr, headers: r => r.Headers.ETag = $"W/\"{referral.VersionId}\"");
            })
            .RequirePermission(Permission.ReferralRead)
            .WithName("FhirReadServiceRequest").WithSummary("A referral as a ServiceRequest: for its referrer, the patient, the single point of access, or a receiving team.");

        fhir.MapGet("/ServiceRequest", async (HttpContext http, string? identifier, string? patient, RecordAccessService access, JoinedUpDbContext db, AccessDirectory directory, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var unknown = http.Request.Query.Keys.Where(k => k is not ("identifier" or "patient" or "subject" or "_count")).ToList();
                if (unknown.Count > 0) return FhirResults.Problem(400, OperationOutcome.IssueType.NotSupported, $"ServiceRequest search supports identifier and patient; not {string.Join(", ", unknown)}.");
                patient ??= http.Request.Query["subject"].ToString() is { Length: > 0 } s ? s : null;
                IQueryable<Referral> query;
                if (identifier is not null)
                {
                    // Identifiers are the caller's own: a client finds its referrals, never another's.
                    var owner = who.ClientId ?? who.UserId;
                    query = db.Referrals.AsNoTracking().Where(r => r.IdempotencyOwner == owner && r.IdempotencyKey == identifier);
                }
                else if (patient is not null && long.TryParse(patient.Replace("Patient/", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    var opened = await access.OpenAsync(who, pid, PermissionMatrix.Name(Permission.ReferralRead), $"ServiceRequest?patient={pid}", ct).ConfigureAwait(false);
                    if (opened.View is null) return FhirResults.Forbidden();
                    query = db.Referrals.AsNoTracking().Where(r => r.PatientId == pid);
                }
                else
                {
                    return FhirResults.Problem(400, OperationOutcome.IssueType.Required, "Search ServiceRequest by identifier=system|value (your own referrals) or patient=Patient/<id>.");
                }
                var rows = await query.OrderByDescending(r => r.ReceivedAt).Take(100).ToListAsync(ct).ConfigureAwait(false);
                var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
                var resources = new List<Resource>();
                foreach (var r in rows) resources.Add(await ToFhirAsync(db, snapshot, r, ct).ConfigureAwait(false));
                return FhirResults.Resource(DirectoryResources.Searchset(http, "ServiceRequest", resources));
            })
            .RequirePermission(Permission.ReferralRead)
            .WithName("FhirSearchServiceRequest").WithSummary("Referrals by identifier (the caller's own) or by patient (with a relationship).");

        fhir.MapGet("/Task/{id}", async (string id, HttpContext http, ReferralQueries queries, JoinedUpDbContext db, AccessDirectory directory, CancellationToken ct) =>
            {
                var reference = id.Split('.')[0];
                var view = await queries.StatusAsync(http.RequiredCaller(), reference, ct).ConfigureAwait(false);
                if (view is null) return NotFound("Task", id);
                var tasks = await TasksAsync(db, await directory.GetAsync(db, ct).ConfigureAwait(false), reference, ct).ConfigureAwait(false);
                var task = tasks.FirstOrDefault(t => t.Id == id);
                return task is null ? NotFound("Task", id) : FhirResults.Resource(task);
            })
            .RequirePermission(Permission.ReferralRead)
            .WithName("FhirReadTask").WithSummary("A referral's workflow step: '<reference>.triage', or '<reference>.<route id>' for a receiving service.");

        fhir.MapGet("/Task", async (string? focus, HttpContext http, ReferralQueries queries, JoinedUp.Care.CareTaskQueries careTasks, RecordAccessService access, JoinedUpDbContext db,
                AccessDirectory directory, CancellationToken ct) =>
            {
                // One search for two kinds of Task: a referral's workflow by focus, a person's care tasks (hand-overs, follow-ups) by patient.
                if (focus is null && http.Request.Query.ContainsKey("patient")) return await CareTasks.SearchAsync(http, careTasks, access, ct).ConfigureAwait(false);
                if (focus is null || !focus.StartsWith("ServiceRequest/", StringComparison.Ordinal))
                {
                    return FhirResults.Problem(400, OperationOutcome.IssueType.Required, "Search Task by focus=ServiceRequest/<reference> (a referral's workflow) or patient=Patient/<id> (care tasks, with code and status).");
                }
                var reference = focus["ServiceRequest/".Length..];
                var view = await queries.StatusAsync(http.RequiredCaller(), reference, ct).ConfigureAwait(false);
                if (view is null) return FhirResults.Resource(DirectoryResources.Searchset(http, "Task", []));
                var tasks = await TasksAsync(db, await directory.GetAsync(db, ct).ConfigureAwait(false), reference, ct).ConfigureAwait(false);
                return FhirResults.Resource(DirectoryResources.Searchset(http, "Task", tasks));
            })
            .RequirePermission(Permission.ReferralRead)
            .WithName("FhirSearchTask").WithSummary("The workflow of a referral (focus=ServiceRequest/<reference>), or a person's care tasks (patient=Patient/<id>, code=hand-over,follow-up,plan-review, status).");

        fhir.MapPut("/Task/{id}", async (string id, HttpContext http, ReferralQueries queries, JoinedUpDbContext db, AccessDirectory directory, CancellationToken ct) =>
            {
                var (task, error) = await FhirBody.ReadAsync<FhirTask>(http, ct).ConfigureAwait(false);
                if (error is not null) return error;
                var parts = id.Split('.');
                if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var routeId))
                {
                    return FhirResults.Problem(422, OperationOutcome.IssueType.NotSupported, "Only a receiving service's task ('<reference>.<route id>') is updated here; triage is done by the single point of access.");
                }
                var who = http.RequiredCaller();
                RouteActionResult result;
                switch (task!.Status)
                {
                    case FhirTask.TaskStatus.Accepted:
                        result = await queries.AcceptAsync(who, routeId, ct).ConfigureAwait(false);
                        break;
                    case FhirTask.TaskStatus.Rejected:
                        result = await queries.DeclineAsync(who, routeId, task.StatusReason?.Text, ct).ConfigureAwait(false);
                        break;
                    case FhirTask.TaskStatus.InProgress:
                        result = await queries.FirstContactAsync(who, routeId, ct).ConfigureAwait(false);
                        break;
                    default:
                        return FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, "Set Task.status to accepted, rejected (with statusReason.text) or in-progress (first contact made).", "Task.status");
                }
                if (result.Outcome == RouteActionOutcome.Done)
                {
                    var updated = (await TasksAsync(db, await directory.GetAsync(db, ct).ConfigureAwait(false), parts[0], ct).ConfigureAwait(false)).First(t => t.Id == id);
                    return FhirResults.Resource(updated);
                }
                return result.Outcome switch
                {
                    RouteActionOutcome.NotFound => NotFound("Task", id),
                    RouteActionOutcome.Conflict => FhirResults.Problem(409, OperationOutcome.IssueType.Conflict, result.Problem!),
                    _ => FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, result.Problem!, "Task.statusReason"),
                };
            })
            .RequirePermission(Permission.ReferralAccept)
            .WithName("FhirUpdateTask").WithSummary("The receiving team accepts (accepted), declines (rejected with statusReason) or records first contact (in-progress).");

        fhir.MapGet("/Questionnaire/holistic-assessment", () => FhirResults.Resource(HolisticAssessment.Questionnaire))
            .AllowAnonymous().WithName("FhirReadQuestionnaire").WithSummary("The holistic assessment questionnaire, filled once per episode.");

        fhir.MapGet("/QuestionnaireResponse/{id}", async (string id, HttpContext http, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var aid)) return NotFound("QuestionnaireResponse", id);
                var row = await db.Assessments.AsNoTracking().Where(a => a.Id == aid).Select(a => new { a.PatientId, a.ResponseJson, a.VersionId, a.LastUpdated }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                if (row is null) return FhirResults.Forbidden();
                var opened = await access.OpenAsync(http.RequiredCaller(), row.PatientId, PermissionMatrix.Name(Permission.RecordRead), $"QuestionnaireResponse/{aid}", ct).ConfigureAwait(false);
                if (opened.View is null) return FhirResults.Forbidden();
                var response = JoinedUp.Fhir.FhirJson.Parse<QuestionnaireResponse>(row.ResponseJson);
                response.Id = id;
                response.Meta = new Meta { VersionId = row.VersionId.ToString(CultureInfo.InvariantCulture), LastUpdated = DateTime.SpecifyKind(row.LastUpdated, DateTimeKind.Utc) };
                return FhirResults.Resource(response);
            })
            .RequirePermission(Permission.RecordRead)
            .WithName("FhirReadQuestionnaireResponse").WithSummary("A stored assessment (the episode's holistic one, or a service's section).");
    }

    private static (ReferralRequest Request, List<(string Expression, string Message)> Problems) ToRequest(ServiceRequest sr, AccessPrincipal who, AccessDirectory.Snapshot snapshot)
    {
        var problems = new List<(string, string)>();
        if (sr.Status is not (RequestStatus.Active or RequestStatus.Draft)) problems.Add(("ServiceRequest.status", "A new referral has status active."));
        if (sr.Intent is not (RequestIntent.Order or RequestIntent.OriginalOrder or RequestIntent.Proposal or RequestIntent.Plan)) problems.Add(("ServiceRequest.intent", "intent must be order, original-order, proposal or plan."));
        long? patientId = null;
        string? nhs = null;
        var subject = sr.Subject;
        if (subject?.Reference is { } reference && reference.StartsWith("Patient/", StringComparison.Ordinal)
            && long.TryParse(reference["Patient/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            patientId = pid;
        }
        else if (subject?.Identifier is { System: JoinedUp.Fhir.FhirSystems.NhsNumber } id)
        {
            nhs = id.Value;
        }
        else
        {
            problems.Add(("ServiceRequest.subject", "subject must reference Patient/<id> on this server, or carry the NHS number as identifier (system https://fhir.nhs.uk/Id/nhs-number)."));
        }
        string? serviceCode = null;
        var performer = sr.Performer.FirstOrDefault();
        if (performer is not null)
        {
            if (performer.Reference is { } pref && pref.StartsWith("HealthcareService/", StringComparison.Ordinal)
                && int.TryParse(pref["HealthcareService/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var sid))
            {
                serviceCode = snapshot.ById(sid)?.Code ?? $"#{sid}";
            }
            else if (performer.Identifier?.Value is { } code)
            {
                serviceCode = code;
            }
            else
            {
                problems.Add(("ServiceRequest.performer[0]", "performer must reference HealthcareService/<id> (GET /fhir/HealthcareService lists them) or carry the service code as identifier; leave it out and the single point of access decides."));
            }
        }
        var reasonText = string.Join(". ", sr.ReasonCode.Select(c => c.Text ?? c.Coding.FirstOrDefault()?.Display).Concat(sr.Note.Select(n => n.Text)).Where(t => !string.IsNullOrWhiteSpace(t)));
        var reasonCode = sr.ReasonCode.SelectMany(c => c.Coding).FirstOrDefault(c => c.System == "http://snomed.info/sct")?.Code;
        var source = sr.Category.SelectMany(c => c.Coding).FirstOrDefault(c => c.System == SourceSystem)?.Code
            ?? (who.Has(Roles.PracticeStaff) || who.Has(Roles.System) ? "gp" : "community-service");
        var urgency = sr.Priority switch
        {
            RequestPriority.Asap or RequestPriority.Stat => "within-2-hours",
            RequestPriority.Urgent => "within-2-days",
            RequestPriority.Routine => "routine",
            _ => null,
        };
        return (new ReferralRequest
        {
            Source = source, PatientId = patientId, NhsNumber = nhs, Reason = string.IsNullOrWhiteSpace(reasonText) ? null : reasonText, ReasonCode = reasonCode,
            ServiceCode = serviceCode, Urgency = urgency,
        }, problems);
    }

    private static string Expression(string field) => field switch
    {
        "reason" => "ServiceRequest.reasonCode",
        "reasonCode" => "ServiceRequest.reasonCode.coding",
        "serviceCode" => "ServiceRequest.performer",
        "nhsNumber" or "patientId" or "birthDate" or "patient" => "ServiceRequest.subject",
        "urgency" => "ServiceRequest.priority",
        "source" => "ServiceRequest.category",
        "Idempotency-Key" => "ServiceRequest.identifier",
        _ => "ServiceRequest",
    };

    internal static async Task<ServiceRequest> ToFhirAsync(JoinedUpDbContext db, AccessDirectory.Snapshot snapshot, Referral r, CancellationToken ct)
    {
        var sr = new ServiceRequest
        {
            Id = r.Reference,
            Meta = new Meta { VersionId = r.VersionId.ToString(CultureInfo.InvariantCulture), LastUpdated = DateTime.SpecifyKind(r.LastUpdated, DateTimeKind.Utc) },
            Status = r.Status switch
            {
                ReferralStatus.Declined => RequestStatus.Revoked,
                ReferralStatus.Closed => RequestStatus.Completed,
                _ => RequestStatus.Active,
            },
            Intent = RequestIntent.Order,
            Priority = r.Urgency switch { Urgency.Within2Hours => RequestPriority.Asap, Urgency.Within2Days => RequestPriority.Urgent, _ => RequestPriority.Routine },
            Category = [new CodeableConcept(SourceSystem, ReferralIntake.SourceCode(r.Source), ReferralIntake.DescribeSource(r.Source))],
            Code = new CodeableConcept("http://snomed.info/sct", "3457005", "Patient referral"),
            Subject = r.PatientId is { } pid ? new ResourceReference($"Patient/{pid}") : new ResourceReference { Display = $"{r.GivenName} {r.FamilyName} (not yet matched to a record)" },
            AuthoredOn = new DateTimeOffset(DateTime.SpecifyKind(r.ReceivedAt, DateTimeKind.Utc)).ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture),
            Requester = new ResourceReference { Display = r.ReferrerName },
            ReasonCode = [new CodeableConcept { Text = r.Reason }],
            Identifier = [new Identifier(ReferenceSystem, r.Reference)],
        };
        if (r.ReasonCode is not null) sr.ReasonCode[0].Coding.Add(new Coding("http://snomed.info/sct", r.ReasonCode));
        if (r.IdempotencyKey is { } key && key.Split('|', 2) is [var system, var value] && Uri.TryCreate(system, UriKind.Absolute, out _)) sr.Identifier.Add(new Identifier(system, value));
        var routes = await db.ReferralRoutes.AsNoTracking().Where(x => x.ReferralId == r.Id && !x.IsBooking).Select(x => x.ServiceId).ToListAsync(ct).ConfigureAwait(false);
        foreach (var serviceId in routes.Count > 0 ? routes : r.RequestedServiceId is { } rs ? [rs] : [])
        {
            sr.Performer.Add(new ResourceReference($"HealthcareService/{serviceId}", snapshot.ById(serviceId)?.Name));
        }
        if (r.EpisodeId is { } episode)
        {
            var assessment = await db.Assessments.AsNoTracking().Where(a => a.EpisodeId == episode && a.Scope == Assessment.HolisticScope).Select(a => (long?)a.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            if (assessment is { } aid) sr.SupportingInfo.Add(new ResourceReference($"QuestionnaireResponse/{aid}", "The episode's holistic assessment (tell us once)"));
        }
        if (r.LinkedReferralId is { } linked)
        {
            var linkedRef = await db.Referrals.AsNoTracking().Where(x => x.Id == linked).Select(x => x.Reference).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            sr.SupportingInfo.Add(new ResourceReference($"ServiceRequest/{linkedRef}", "An open referral for the same person and service: this one is linked to it"));
        }
        return sr;
    }

    private static async Task<List<Resource>> TasksAsync(JoinedUpDbContext db, AccessDirectory.Snapshot snapshot, string reference, CancellationToken ct)
    {
        var r = await db.Referrals.AsNoTracking().FirstAsync(x => x.Reference == reference, ct).ConfigureAwait(false);
        var routes = await db.ReferralRoutes.AsNoTracking().Where(x => x.ReferralId == r.Id).OrderBy(x => x.Id).ToListAsync(ct).ConfigureAwait(false);
        var tasks = new List<Resource>();
        FhirTask Make(string id, FhirTask.TaskStatus status, string owner, string business) => new()
        {
            Id = id,
            Status = status,
            Intent = FhirTask.TaskIntent.Order,
            Focus = new ResourceReference($"ServiceRequest/{reference}"),
            For = r.PatientId is { } pid ? new ResourceReference($"Patient/{pid}") : null,
            Owner = new ResourceReference { Display = owner },
            BusinessStatus = new CodeableConcept { Text = business },
            AuthoredOn = new DateTimeOffset(DateTime.SpecifyKind(r.ReceivedAt, DateTimeKind.Utc)).ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture),
        };
        tasks.Add(Make($"{reference}.triage", r.Status switch
        {
            ReferralStatus.Received => FhirTask.TaskStatus.Requested,
            ReferralStatus.Declined => FhirTask.TaskStatus.Rejected,
            _ => FhirTask.TaskStatus.Completed,
        }, "Single point of access", r.Status == ReferralStatus.Received ? "Waiting for triage" : r.Status == ReferralStatus.Declined ? "Declined: " + r.DeclineReason : $"Triaged by {r.TriagedByName}"));
        foreach (var route in routes)
        {
            var name = snapshot.ById(route.ServiceId)?.Name ?? "";
            tasks.Add(Make($"{reference}.{route.Id.ToString(CultureInfo.InvariantCulture)}", route.Status switch
            {
                RouteStatus.Waiting => FhirTask.TaskStatus.Requested,
                RouteStatus.Accepted => route.FirstContactAt is null ? FhirTask.TaskStatus.Accepted : FhirTask.TaskStatus.InProgress,
                RouteStatus.Declined => FhirTask.TaskStatus.Rejected,
                _ => FhirTask.TaskStatus.Completed,
            }, name, route.IsBooking ? "Booking: " + route.Reason : route.Status switch
            {
                RouteStatus.Waiting => $"Waiting for {name} to accept" + (route.ExpectedWaitDays is { } w ? $" (expected wait {w} days)" : ""),
                RouteStatus.Declined => "Declined: " + route.DeclineReason,
                _ => route.FirstContactAt is null ? $"Accepted by {route.AcceptedByName}" : "First contact made",
            }));
        }
        return tasks;
    }

    private static IResult NotFound(string type, string id) =>
        FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"No {type} '{id}' that you can see.");

    private static IResult Outcome(int status, IReadOnlyList<(string Expression, string Message)> problems)
    {
        var outcome = new OperationOutcome();
        foreach (var (expression, message) in problems)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Error, Code = OperationOutcome.IssueType.Invalid, Diagnostics = message, Expression = [expression] });
        }
        return FhirResults.Resource(outcome, status);
    }
}
