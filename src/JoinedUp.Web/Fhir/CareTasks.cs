using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Access;
using JoinedUp.Care;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using FhirTask = Hl7.Fhir.Model.Task;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Care tasks over FHIR (issue 6): hand-overs, follow-ups and plan reviews (table care_task) as <c>Task</c> with ids
/// <c>care-&lt;id&gt;</c>, so they never clash with a referral's workflow tasks (<c>&lt;reference&gt;.triage</c>,
/// <c>&lt;reference&gt;.&lt;route id&gt;</c>). Read and search through the record rules (the receiving team, or a full view
/// of the person); create a hand-over (to the service in <c>owner</c>) or a follow-up (due at
/// <c>restriction.period.end</c>); update status to accepted or completed with If-Match.
/// </summary>
/// <remarks>
/// Read and update have their own routes, <c>/Task/care-{id}</c>: routing prefers a segment with a literal prefix over
/// the referral tasks' plain <c>/Task/{id}</c>, so the two never compete, and each carries its own permission (care
/// tasks need task.manage to change, where referral tasks need referral.accept). Search shares <c>GET /Task</c> with the
/// referral workflow and is dispatched there: <c>focus</c> for a referral's tasks, <c>patient</c> for care tasks.
/// </remarks>
internal static class CareTasks
{
    public const string Prefix = "care-";
    public const string CodeSystem = "https://joinedup.example/fhir/CodeSystem/care-task";

    public static void MapCareTasks(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Task/care-{id:long}", async (long id, HttpContext http, CareTaskQueries queries, CancellationToken ct) =>
            {
                var task = await queries.GetAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false);
                if (task is null) return NotFound(id);
                var teams = await queries.TeamsAsync([task], ct).ConfigureAwait(false);
                return FhirResults.Resource(ToFhir(task, teams), headers: r => r.Headers.ETag = CarePlanWrites.ETag(task.VersionId));
            })
            .RequirePermission(Permission.CarePlanRead)
            .WithName("FhirReadCareTask").WithSummary("A care task (hand-over, follow-up, plan review): for the receiving team and those with a full view of the person.");

        fhir.MapPut("/Task/care-{id:long}", async (long id, HttpContext http, CareTaskQueries queries, NavigationService navigation, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var current = await queries.GetAsync(who, id, ct).ConfigureAwait(false);
                if (current is null) return NotFound(id);
                var (resource, error) = await FhirBody.ReadAsync<FhirTask>(http, ct).ConfigureAwait(false);
                if (error is not null) return error;
                if (resource!.Id != $"{Prefix}{id}") return FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, $"The body must be Task {Prefix}{id} (got {resource.Id ?? "no id"}).", "Task.id");
                var (expected, preconditionError) = CarePlanWrites.IfMatch(http, "Task");
                if (preconditionError is not null) return preconditionError;
                var problems = new List<(string, string)>();
                if (resource.For?.Reference != $"Patient/{current.PatientId}") problems.Add(("Task.for", $"A task stays with its person: for is Patient/{current.PatientId}."));
                if (Kind(resource) != current.Kind) problems.Add(("Task.code", $"A task's kind does not change: code is {Code(current.Kind)}."));
                if (resource.Description != current.Description) problems.Add(("Task.description", "The task's description is not changed here: add what has changed to the person's record."));
                if (resource.Status is not (FhirTask.TaskStatus.Accepted or FhirTask.TaskStatus.Completed or FhirTask.TaskStatus.Rejected))
                {
                    problems.Add(("Task.status", "Set status to accepted (the receiving team takes the hand-over), rejected with statusReason.text (it cannot), or completed (the work is done); other changes of a care task are not supported here."));
                }
                if (resource.Status == FhirTask.TaskStatus.Rejected && string.IsNullOrWhiteSpace(resource.StatusReason?.Text))
                {
                    problems.Add(("Task.statusReason", "Say why the team cannot take this person in statusReason.text, and what the sender should do instead."));
                }
                if (problems.Count > 0) return CarePlanWrites.Outcome(422, problems);
                if (expected != current.VersionId)
                {
                    return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
                        $"This task changed since version {expected}: it is now at version {current.VersionId} ({State(current)}). Read it again, then make your change: nothing of yours was saved.");
                }
                var result = resource.Status switch
                {
                    FhirTask.TaskStatus.Accepted => await navigation.AcceptAsync(who, id, ct).ConfigureAwait(false),
                    FhirTask.TaskStatus.Rejected => await navigation.DeclineAsync(who, id, resource.StatusReason!.Text, ct).ConfigureAwait(false),
                    _ => await navigation.CompleteAsync(who, id, ct).ConfigureAwait(false),
                };
                switch (result.Outcome)
                {
                    case CareOutcome.Done:
                        var task = result.Value!;
                        var teams = await queries.TeamsAsync([task], ct).ConfigureAwait(false);
                        return FhirResults.Resource(ToFhir(task, teams), headers: r => r.Headers.ETag = CarePlanWrites.ETag(task.VersionId));
                    case CareOutcome.NotFound:
                        return FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, resource.Status is FhirTask.TaskStatus.Accepted or FhirTask.TaskStatus.Rejected
                            ? "This task was not sent to your team: only the receiving team accepts or declines it."
                            : "This task does not belong to your team: only the team that owns it completes it.");
                    case CareOutcome.Conflict:
                        return FhirResults.Problem(409, OperationOutcome.IssueType.Conflict, result.Problem!, "Task.status");
                    default:
                        return FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, result.Problem!, "Task.status");
                }
            })
            .RequirePermission(Permission.TaskManage)
            .WithName("FhirUpdateCareTask").WithSummary("Accept a hand-over (status accepted), decline it (rejected, with statusReason.text) or complete a task (completed); If-Match W/\"n\" required.");

        fhir.MapPost("/Task", async (HttpContext http, NavigationService navigation, CareTaskQueries queries, AccessDirectory directory, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var (resource, error) = await FhirBody.ReadAsync<FhirTask>(http, ct).ConfigureAwait(false);
                if (error is not null) return error;
                var problems = CarePlanWrites.Unsupported(resource!, "Task", "status", "intent", "code", "for", "owner", "description", "restriction");
                var kind = Kind(resource!);
                if (kind is not (CareTaskKind.HandOver or CareTaskKind.FollowUp))
                {
                    problems.Add(("Task.code", $"code must be hand-over or follow-up ({CodeSystem}); plan reviews are created by the plan, and a referral's tasks by POST ServiceRequest."));
                }
                if (resource!.Intent != FhirTask.TaskIntent.Order) problems.Add(("Task.intent", "intent must be order."));
                var patientId = CarePlanWrites.PatientId(resource.For);
                if (patientId is null) problems.Add(("Task.for", "for must reference Patient/<id> on this server: the person the task is about."));
                var allowed = kind == CareTaskKind.FollowUp ? [FhirTask.TaskStatus.Requested, FhirTask.TaskStatus.Accepted] : new[] { FhirTask.TaskStatus.Requested };
                if (resource.Status is not { } status || !allowed.Contains(status))
                {
                    problems.Add(("Task.status", kind == CareTaskKind.FollowUp ? "A new follow-up has status requested or accepted (it is your team's from the start)." : "A new hand-over has status requested: it stays open until the receiving team accepts."));
                }
                string? serviceCode = null;
                int dueInHours = 0;
                if (kind == CareTaskKind.HandOver)
                {
                    var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
                    var owner = resource.Owner;
                    if (owner?.Reference is { } r && r.StartsWith("HealthcareService/", StringComparison.Ordinal)
                        && int.TryParse(r["HealthcareService/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var sid))
                    {
                        serviceCode = snapshot.ById(sid)?.Code ?? $"#{sid}";
                    }
                    else if (owner?.Identifier is { System: DirectoryResources.ServiceCodeSystem, Value: { } code })
                    {
                        serviceCode = code;
                    }
                    else
                    {
                        problems.Add(("Task.owner", $"owner is the receiving service: reference HealthcareService/<id> (GET /fhir/HealthcareService lists them) or identifier {DirectoryResources.ServiceCodeSystem}|<service code>."));
                    }
                    if (resource.Restriction is not null) problems.Add(("Task.restriction", $"A hand-over is due {NavigationService.HandOverAcceptDays} days after it is sent: leave restriction out."));
                }
                else if (kind == CareTaskKind.FollowUp)
                {
                    if (resource.Owner is not null) problems.Add(("Task.owner", "A follow-up belongs to your own team: leave owner out."));
                    if (resource.Restriction?.Period?.EndElement?.ToDateTimeOffset(TimeSpan.Zero) is { } due)
                    {
                        dueInHours = (int)Math.Ceiling((due - clock.GetUtcNow()).TotalHours);
                    }
                    else
                    {
                        problems.Add(("Task.restriction.period.end", "Say when the follow-up is due: restriction.period.end, a date and time with a time zone."));
                    }
                }
                if (problems.Count > 0) return CarePlanWrites.Outcome(422, problems);

                var note = resource.Description;
                var result = kind == CareTaskKind.HandOver
                    ? await navigation.HandOverAsync(who, patientId!.Value, serviceCode, note, ct).ConfigureAwait(false)
                    : await navigation.FollowUpAsync(who, patientId!.Value, note, dueInHours, ct).ConfigureAwait(false);
                switch (result.Outcome)
                {
                    case CareOutcome.Created:
                        var task = result.Value!;
                        var teams = await queries.TeamsAsync([task], ct).ConfigureAwait(false);
                        return FhirResults.Resource(ToFhir(task, teams), 201, response =>
                        {
                            response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/Task/{Prefix}{task.Id}";
                            response.Headers.ETag = CarePlanWrites.ETag(task.VersionId);
                        });
                    case CareOutcome.Invalid:
                        // The service checks the words first, then (hand-over) the receiving service or (follow-up) the due time.
                        var aboutWords = string.IsNullOrWhiteSpace(note) || note.Trim().Length < (kind == CareTaskKind.HandOver ? 10 : 5) || note.Length > 1000;
                        return FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, result.Problem!,
                            aboutWords ? "Task.description" : kind == CareTaskKind.HandOver ? "Task.owner" : dueInHours is < 1 or > 24 * 90 ? "Task.restriction.period.end" : "Task");
                    default:
                        return FhirResults.Forbidden();
                }
            })
            .RequirePermission(Permission.TaskManage)
            .WithName("FhirCreateCareTask").WithSummary("Hand the person over to another service (code hand-over, owner = the service, description = the note) or schedule a follow-up (code follow-up, restriction.period.end = due).");
    }

    /// <summary>
    /// GET /Task?patient=Patient/&lt;id&gt;[&amp;code=hand-over,follow-up,plan-review][&amp;status=...]: the person's care tasks,
    /// dispatched here from the Task search the referral workflow shares.
    /// </summary>
    public static async Task<IResult> SearchAsync(HttpContext http, CareTaskQueries queries, RecordAccessService access, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        if (!who.Can(Permission.CarePlanRead))
        {
            await access.AuditAsync(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.CarePlanRead), "GET /fhir/Task?patient", null, "role or token lacks careplan.read", null, ct).ConfigureAwait(false);
            return FhirResults.Problem(403, OperationOutcome.IssueType.Forbidden, "Your role does not allow careplan.read, or your token's scopes do not cover it.");
        }
        var query = http.Request.Query;
        var unknown = query.Keys.Where(k => k is not ("patient" or "code" or "status" or "_count")).ToList();
        if (unknown.Count > 0) return FhirResults.Problem(400, OperationOutcome.IssueType.NotSupported, $"Task search by patient supports code and status; not {string.Join(", ", unknown)}.");
        var patientId = CarePlanWrites.PatientId(new ResourceReference(query["patient"].ToString() is { } p && !p.StartsWith("Patient/", StringComparison.Ordinal) ? $"Patient/{p}" : query["patient"].ToString()));
        if (patientId is null) return FhirResults.Problem(400, OperationOutcome.IssueType.Required, "Search care tasks by patient=Patient/<id>.");
        var kinds = new List<CareTaskKind>();
        foreach (var c in Values(query["code"]))
        {
            var code = c.Contains('|', StringComparison.Ordinal) ? c.Split('|', 2) is [var system, var value] && (system.Length == 0 || system == CodeSystem) ? value : "" : c;
            if (KindOf(code) is not { } kind) return FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, $"code must be hand-over, follow-up or plan-review ({CodeSystem}); not '{c}'.");
            kinds.Add(kind);
        }
        var statuses = new List<CareTaskStatus>();
        foreach (var s in Values(query["status"]))
        {
            if (!Enum.TryParse<CareTaskStatus>(s, ignoreCase: true, out var status) || !Enum.IsDefined(status))
            {
                return FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, $"status must be requested, accepted, rejected, completed or cancelled; not '{s}'.");
            }
            statuses.Add(status);
        }
        var tasks = await queries.ForPatientAsync(who, patientId.Value, kinds, statuses, ct).ConfigureAwait(false);
        if (tasks is null) return FhirResults.Forbidden();
        var teams = await queries.TeamsAsync(tasks, ct).ConfigureAwait(false);
        return FhirResults.Resource(DirectoryResources.Searchset(http, "Task", tasks.Select(t => (Resource)ToFhir(t, teams))));
    }

    internal static FhirTask ToFhir(CareTask t, IReadOnlyDictionary<int, CareTaskTeam> teams)
    {
        static string When(DateTime at) => new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToString("yyyy-MM-ddTHH:mm:ssK", CultureInfo.InvariantCulture);
        var changed = new[] { t.CreatedAt, t.AcceptedAt ?? default, t.CompletedAt ?? default, t.EscalatedAt ?? default }.Max();
        var task = new FhirTask
        {
            Id = $"{Prefix}{t.Id.ToString(CultureInfo.InvariantCulture)}",
            Meta = new Meta { VersionId = t.VersionId.ToString(CultureInfo.InvariantCulture), LastUpdated = DateTime.SpecifyKind(changed, DateTimeKind.Utc) },
            Status = t.Status switch
            {
                CareTaskStatus.Accepted => FhirTask.TaskStatus.Accepted,
                CareTaskStatus.Completed => FhirTask.TaskStatus.Completed,
                CareTaskStatus.Rejected => FhirTask.TaskStatus.Rejected,
                CareTaskStatus.Cancelled => FhirTask.TaskStatus.Cancelled,
                _ => FhirTask.TaskStatus.Requested,
            },
            Intent = FhirTask.TaskIntent.Order,
            Code = new CodeableConcept(CodeSystem, Code(t.Kind), t.Kind switch { CareTaskKind.HandOver => "Hand-over", CareTaskKind.FollowUp => "Follow-up", _ => "Plan review" }),
            For = new ResourceReference($"Patient/{t.PatientId}"),
            Description = t.Description,
            AuthoredOn = When(t.CreatedAt),
            LastModified = When(changed),
            Restriction = new FhirTask.RestrictionComponent { Period = new Period { EndElement = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(t.DueAt, DateTimeKind.Utc))) } },
            BusinessStatus = t.EscalationLevel switch
            {
                1 => new CodeableConcept { Text = "escalated to navigator" },
                >= 2 => new CodeableConcept { Text = "escalated to team lead" },
                _ => null,
            },
        };
        if (t.ToTeamId is { } to && teams.TryGetValue(to, out var owner))
        {
            task.Owner = new ResourceReference($"HealthcareService/{owner.ServiceId}", $"{owner.ServiceName} ({owner.TeamName})") { Identifier = new Identifier(DirectoryResources.ServiceCodeSystem, owner.ServiceCode) };
        }
        var from = t.FromTeamId is { } f && teams.TryGetValue(f, out var fromTeam) ? $" ({fromTeam.TeamName})" : "";
        task.Requester = new ResourceReference { Display = t.CreatedByName + from };
        if (t.AcceptedAt is { } accepted)
        {
            task.ExecutionPeriod = new Period { StartElement = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(accepted, DateTimeKind.Utc))) };
            if (t.CompletedAt is { } completed) task.ExecutionPeriod.EndElement = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(completed, DateTimeKind.Utc)));
        }
        if (t.RejectionReason is { } reason) task.StatusReason = new CodeableConcept { Text = reason };
        return task;
    }

    private static string State(CareTask t) => t.Status switch
    {
        CareTaskStatus.Accepted when t.AcceptedByName is not null => $"accepted by {t.AcceptedByName} at {UkClock.ToLocal(t.AcceptedAt!.Value):HH:mm} on {UkClock.ToLocal(t.AcceptedAt!.Value):d MMM yyyy}",
        CareTaskStatus.Completed when t.CompletedByName is not null => $"completed by {t.CompletedByName} at {UkClock.ToLocal(t.CompletedAt!.Value):HH:mm} on {UkClock.ToLocal(t.CompletedAt!.Value):d MMM yyyy}",
        _ when t.EscalationLevel > 0 => $"{t.Status.ToString().ToLowerInvariant()}, escalated to the {(t.EscalationLevel == 1 ? "care navigator" : "team lead")}",
        _ => t.Status.ToString().ToLowerInvariant(),
    };

    private static string Code(CareTaskKind kind) => kind switch { CareTaskKind.HandOver => "hand-over", CareTaskKind.FollowUp => "follow-up", _ => "plan-review" };

    private static CareTaskKind? KindOf(string? code) => code switch { "hand-over" => CareTaskKind.HandOver, "follow-up" => CareTaskKind.FollowUp, "plan-review" => CareTaskKind.PlanReview, _ => null };

    private static CareTaskKind? Kind(FhirTask task) => KindOf(task.Code?.Coding.FirstOrDefault(c => c.System == CodeSystem)?.Code);

    private static IEnumerable<string> Values(Microsoft.Extensions.Primitives.StringValues values) =>
        values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static IResult NotFound(long id) =>
        FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"No Task '{Prefix}{id}' that you can see.");
}
