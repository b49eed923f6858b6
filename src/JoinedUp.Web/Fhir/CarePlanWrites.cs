using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Access;
using JoinedUp.Care;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using FhirCarePlan = Hl7.Fhir.Model.CarePlan;
using FhirGoal = Hl7.Fhir.Model.Goal;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Care plan writes over FHIR (issue 6): CarePlan create (the plan of the person's open episode) and update (agreement:
/// draft to active, with a note saying how it was agreed); Goal create and update. Every update needs If-Match with
/// the version read (428 without, 412 when someone changed it since, naming who). Only what JoinedUp stores may
/// change: any other element is a 422 naming it, never silently dropped.
/// </summary>
internal static class CarePlanWrites
{
    public static void MapCarePlanWrites(this RouteGroupBuilder fhir)
    {
        fhir.MapPost("/CarePlan", CreatePlanAsync)
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("FhirCreateCarePlan").WithSummary("Start the care plan of the person's open episode (subject, title, intent plan, status draft); 200 with the existing plan and X-Existing-CarePlan when it has one.");

        fhir.MapPut("/CarePlan/{id}", UpdatePlanAsync)
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("FhirUpdateCarePlan").WithSummary("Record the plan's agreement (status draft to active with a new note saying how); If-Match W/\"n\" required.");

        fhir.MapPost("/Goal", CreateGoalAsync)
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("FhirCreateGoal").WithSummary("Add a goal to the plan of the subject's open episode (or the plan named in the goal-care-plan extension).");

        fhir.MapPut("/Goal/{id}", UpdateGoalAsync)
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("FhirUpdateGoal").WithSummary("Change a goal's status, words, measure or target date; If-Match W/\"n\" required, 412 naming who changed it when stale.");
    }

    private static async Task<IResult> CreatePlanAsync(HttpContext http, CarePlanService plans, JoinedUpDbContext db, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        var (resource, error) = await FhirBody.ReadAsync<FhirCarePlan>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        var problems = Unsupported(resource!, "CarePlan", "status", "intent", "title", "subject");
        if (resource!.Status is not RequestStatus.Draft)
        {
            problems.Add(("CarePlan.status", "A plan starts as draft. It becomes active when the person agrees it: PUT it with status active and a note saying how it was agreed."));
        }
        if (resource.Intent is not FhirCarePlan.CarePlanIntent.Plan) problems.Add(("CarePlan.intent", "intent must be plan."));
        var patientId = PatientId(resource.Subject);
        if (patientId is null) problems.Add(("CarePlan.subject", "subject must reference Patient/<id> on this server."));
        if (problems.Count > 0) return Outcome(422, problems);

        var result = await plans.StartAsync(who, patientId!.Value, resource.Title, ct).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case CareOutcome.Created or CareOutcome.Done:
                var view = await plans.GetAsync(who, result.Value!.Id, ct).ConfigureAwait(false);
                if (view is null) return FhirResults.Forbidden();
                var plan = await CarePlans.ToFhirAsync(db, view, ct).ConfigureAwait(false);
                var created = result.Outcome == CareOutcome.Created;
                return FhirResults.Resource(plan, created ? 201 : 200, response =>
                {
                    response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/CarePlan/{view.Plan.Id}/_history/{view.Plan.VersionId}";
                    response.Headers.ETag = ETag(view.Plan.VersionId);
                    // One plan per episode: starting it again returns the plan already started (by this or another service).
                    if (!created) response.Headers["X-Existing-CarePlan"] = $"CarePlan/{view.Plan.Id}";
                });
            case CareOutcome.Invalid:
                return FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, result.Problem!, result.Problem!.Contains("title", StringComparison.Ordinal) ? "CarePlan.title" : "CarePlan.subject");
            default:
                return FhirResults.Forbidden();
        }
    }

    private static async Task<IResult> UpdatePlanAsync(string id, HttpContext http, CarePlanService plans, JoinedUpDbContext db, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var planId)) return NotNumber("CarePlan", id);
        var view = await plans.GetAsync(who, planId, ct).ConfigureAwait(false);
        if (view is null) return FhirResults.Forbidden();
        var (resource, error) = await FhirBody.ReadAsync<FhirCarePlan>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        if (resource!.Id != id) return FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, $"The body must be CarePlan {id} (got {resource.Id ?? "no id"}).", "CarePlan.id");
        var (expected, preconditionError) = IfMatch(http, "CarePlan");
        if (preconditionError is not null) return preconditionError;

        var current = await CarePlans.ToFhirAsync(db, view, ct).ConfigureAwait(false);
        var problems = Unsupported(resource, "CarePlan", "status", "intent", "title", "subject", "period", "created", "goal", "activity", "note");
        if (resource.Intent != current.Intent) problems.Add(("CarePlan.intent", "intent is plan."));
        if (resource.Subject?.Reference != current.Subject.Reference) problems.Add(("CarePlan.subject", $"A plan stays with its person: subject is {current.Subject.Reference}."));
        if (resource.Title != current.Title) problems.Add(("CarePlan.title", "The title is set when the plan starts and is not changed here."));
        if (!Same(resource.Period, current.Period)) problems.Add(("CarePlan.period", "The plan's period (start, and the review date as its end) is not changed here."));
        if (resource.Created != current.Created) problems.Add(("CarePlan.created", "When the plan was created does not change."));
        if (!resource.Goal.Select(g => g.Reference).Order(StringComparer.Ordinal).SequenceEqual(current.Goal.Select(g => g.Reference).Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            problems.Add(("CarePlan.goal", "Goals are added with POST /fhir/Goal and changed with PUT /fhir/Goal/<id>, not through the plan."));
        }
        if (resource.Activity.Count != current.Activity.Count || resource.Activity.Zip(current.Activity).Any(p => !p.First.IsExactly(p.Second)))
        {
            problems.Add(("CarePlan.activity", "Activities are changed through /api/care/activities, not through the plan."));
        }
        var agreeing = current.Status == RequestStatus.Draft && resource.Status == RequestStatus.Active;
        if (!agreeing && resource.Status != current.Status)
        {
            problems.Add(("CarePlan.status", "A plan's status changes here only when it is agreed (draft to active, with a note saying how); it is completed when its episode closes."));
        }
        var added = resource.Note.Where(n => !current.Note.Any(c => c.IsExactly(n))).ToList();
        if (current.Note.Any(c => !resource.Note.Any(n => n.IsExactly(c))) || added.Count > (agreeing ? 1 : 0))
        {
            problems.Add(("CarePlan.note", agreeing
                ? "Add one note: how the plan was agreed (who agreed, and how). Other notes are not stored."
                : "Notes are not stored, except the note saying how the plan was agreed when it becomes active."));
        }
        if (problems.Count > 0) return Outcome(422, problems);

        if (!agreeing)
        {
            // Nothing changes; a stale version is still refused, so the client learns its copy is out of date.
            if (expected != view.Plan.VersionId) return Stale(view.Plan.LastUpdatedBy, view.Plan.LastUpdated);
            return FhirResults.Resource(current, headers: r => r.Headers.ETag = ETag(view.Plan.VersionId));
        }
        var note = added.SingleOrDefault();
        var by = note?.Author switch
        {
            ResourceReference { Reference: { } r } when r == current.Subject.Reference => AgreedBy.Patient,
            ResourceReference { Reference: { } r } when r.StartsWith("RelatedPerson/", StringComparison.Ordinal) => AgreedBy.Carer,
            _ => AgreedBy.StaffOnBehalf,
        };
        var result = await plans.AgreeAsync(who, planId, expected, by, note?.Text, ct).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case CareOutcome.Done:
                var updated = await plans.GetAsync(who, planId, ct).ConfigureAwait(false);
                if (updated is null) return FhirResults.Forbidden();
                return FhirResults.Resource(await CarePlans.ToFhirAsync(db, updated, ct).ConfigureAwait(false), headers: r => r.Headers.ETag = ETag(updated.Plan.VersionId));
            case CareOutcome.Conflict:
                return FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict, result.Problem!);
            case CareOutcome.Invalid:
                return FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, result.Problem!, "CarePlan.note");
            default:
                return FhirResults.Forbidden();
        }
    }

    private static async Task<IResult> CreateGoalAsync(HttpContext http, CarePlanService plans, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        var (resource, error) = await FhirBody.ReadAsync<FhirGoal>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        var (input, problems) = ToInput(resource!, update: false, storedTarget: null);
        var patientId = PatientId(resource!.Subject);
        if (patientId is null) problems.Add(("Goal.subject", "subject must reference Patient/<id> on this server."));
        long? planId = null;
        var named = resource.Extension.FirstOrDefault(e => e.Url == CarePlans.GoalCarePlanExtension)?.Value as ResourceReference;
        if (named is not null)
        {
            planId = named.Reference is { } r && r.StartsWith("CarePlan/", StringComparison.Ordinal) && long.TryParse(r["CarePlan/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
            if (planId is null) problems.Add(($"Goal.extension('{CarePlans.GoalCarePlanExtension}')", "The goal-care-plan extension's valueReference must be CarePlan/<id>."));
        }
        if (problems.Count > 0) return Outcome(422, problems);

        var plan = planId is { } known
            ? await db.CarePlans.AsNoTracking().Where(x => x.Id == known).Select(x => new { x.Id, x.PatientId }).FirstOrDefaultAsync(ct).ConfigureAwait(false)
            : await db.CarePlans.AsNoTracking().Where(x => x.PatientId == patientId && db.Episodes.Any(e => e.Id == x.EpisodeId && e.ClosedAt == null))
                .OrderByDescending(x => x.Id).Select(x => new { x.Id, x.PatientId }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (plan is null || plan.PatientId != patientId)
        {
            // Whether the person has a plan is part of their record: say so only to those who may change it.
            var opened = await access.OpenAsync(who, patientId!.Value, PermissionMatrix.Name(Permission.CarePlanWrite), $"Patient/{patientId}/Goal", ct).ConfigureAwait(false);
            if (opened.View is not { Level: AccessLevel.Full, Emergency: false }) return FhirResults.Forbidden();
            return plan is null && planId is null
                ? FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, $"Patient/{patientId} has no care plan for their open episode: start it with POST /fhir/CarePlan first.", "Goal.subject")
                : FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, $"CarePlan/{planId} is not a plan of Patient/{patientId}: name one of their plans, or leave the extension out for the open episode's plan.", "Goal.extension");
        }
        var result = await plans.AddGoalAsync(who, plan.Id, input, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            CareOutcome.Created => FhirResults.Resource(CarePlans.ToFhir(result.Value!, plan.PatientId), 201, response =>
            {
                response.Headers.Location = $"{FhirEndpoints.BaseUrl(http)}/Goal/{result.Value!.Id}/_history/{result.Value.VersionId}";
                response.Headers.ETag = ETag(result.Value.VersionId);
            }),
            CareOutcome.Invalid => FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, result.Problem!, "Goal.description"),
            _ => FhirResults.Forbidden(),
        };
    }

    private static async Task<IResult> UpdateGoalAsync(string id, HttpContext http, CarePlanService plans, JoinedUpDbContext db, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var goalId)) return NotNumber("Goal", id);
        var planId = await db.Goals.AsNoTracking().Where(g => g.Id == goalId).Select(g => (long?)g.CarePlanId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var view = planId is null ? null : await plans.GetAsync(who, planId.Value, ct).ConfigureAwait(false);
        if (view is null) return FhirResults.Forbidden();
        var stored = view.Goals.First(g => g.Id == goalId);
        var (resource, error) = await FhirBody.ReadAsync<FhirGoal>(http, ct).ConfigureAwait(false);
        if (error is not null) return error;
        if (resource!.Id != id) return FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, $"The body must be Goal {id} (got {resource.Id ?? "no id"}).", "Goal.id");
        var (expected, preconditionError) = IfMatch(http, "Goal");
        if (preconditionError is not null) return preconditionError;
        var (input, problems) = ToInput(resource, update: true, stored.TargetDate);
        if (resource.Subject?.Reference != $"Patient/{view.Plan.PatientId}") problems.Add(("Goal.subject", $"A goal stays with its person: subject is Patient/{view.Plan.PatientId}."));
        var named = resource.Extension.FirstOrDefault(e => e.Url == CarePlans.GoalCarePlanExtension)?.Value as ResourceReference;
        if (named is not null && named.Reference != $"CarePlan/{view.Plan.Id}") problems.Add(("Goal.extension", $"A goal stays in its plan: CarePlan/{view.Plan.Id}."));
        if (problems.Count > 0) return Outcome(422, problems);

        var result = await plans.UpdateGoalAsync(who, goalId, expected, input, null, ct).ConfigureAwait(false);
        return result.Outcome switch
        {
            CareOutcome.Done => FhirResults.Resource(CarePlans.ToFhir(result.Value!, view.Plan.PatientId), headers: r => r.Headers.ETag = ETag(result.Value!.VersionId)),
            CareOutcome.Conflict => FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict, result.Problem!),
            CareOutcome.Invalid => FhirResults.Problem(422, OperationOutcome.IssueType.BusinessRule, result.Problem!, "Goal"),
            _ => FhirResults.Forbidden(),
        };
    }

    /// <summary>
    /// A goal as JoinedUp keeps it: status (lifecycleStatus with achievementStatus), the words (description.text), one
    /// measure (target[0].measure.text, or its detail as text) and one target date (target[0].dueDate). On update,
    /// a missing measure clears it; a target date once set cannot be removed (<paramref name="storedTarget"/>).
    /// </summary>
    private static (GoalInput Input, List<(string Expression, string Message)> Problems) ToInput(FhirGoal g, bool update, DateOnly? storedTarget)
    {
        var problems = Unsupported(g, "Goal", "lifecycleStatus", "achievementStatus", "description", "subject", "target");
        foreach (var e in g.Extension.Where(e => e.Url != CarePlans.GoalCarePlanExtension)) problems.Add(($"Goal.extension('{e.Url}')", "This extension is not stored on this server."));
        var achievement = g.AchievementStatus?.Coding.FirstOrDefault(c => c.System == "http://terminology.hl7.org/CodeSystem/goal-achievement")?.Code;
        GoalStatus? status = g.LifecycleStatus switch
        {
            FhirGoal.GoalLifecycleStatus.Proposed => GoalStatus.Proposed,
            FhirGoal.GoalLifecycleStatus.Active => GoalStatus.Active,
            FhirGoal.GoalLifecycleStatus.Cancelled => GoalStatus.Cancelled,
            FhirGoal.GoalLifecycleStatus.Completed when achievement == "achieved" => GoalStatus.Achieved,
            FhirGoal.GoalLifecycleStatus.Completed when achievement == "not-achieved" => GoalStatus.NotAchieved,
            _ => null,
        };
        if (status is null)
        {
            problems.Add(g.LifecycleStatus == FhirGoal.GoalLifecycleStatus.Completed
                ? ("Goal.achievementStatus", "A completed goal says whether it was met: achievementStatus achieved or not-achieved (http://terminology.hl7.org/CodeSystem/goal-achievement).")
                : ("Goal.lifecycleStatus", "lifecycleStatus must be proposed, active, completed (with achievementStatus) or cancelled: JoinedUp keeps no other goal status."));
        }
        var description = g.Description?.Text ?? g.Description?.Coding.FirstOrDefault()?.Display;
        if (string.IsNullOrWhiteSpace(description)) problems.Add(("Goal.description.text", "Write the goal in the person's own words in description.text, for example \"Walk to the market on Saturdays\"."));
        string? measure = null;
        DateOnly? due = null;
        if (g.Target.Count > 1) problems.Add(("Goal.target[1]", "JoinedUp keeps one target per goal: send one."));
        if (g.Target.FirstOrDefault() is { } target)
        {
            measure = target.Measure?.Text ?? target.Detail switch
            {
                FhirString s => s.Value,
                CodeableConcept c => c.Text,
                null => null,
                _ => null,
            };
            if (target.Detail is not (null or FhirString or CodeableConcept)) problems.Add(("Goal.target[0].detail", "Give the measure as text: target[0].measure.text (or detailString)."));
            switch (target.Due)
            {
                case Date { Value: { } text } when DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d):
                    due = d;
                    break;
                case null:
                    break;
                default:
                    problems.Add(("Goal.target[0].due", "Give the target as a full date: target[0].dueDate yyyy-mm-dd."));
                    break;
            }
        }
        if (storedTarget is not null && due is null && !problems.Any(p => p.Expression.StartsWith("Goal.target[0].due", StringComparison.Ordinal)))
        {
            problems.Add(("Goal.target[0].dueDate", "A goal's target date cannot be removed once set: give the new date."));
        }
        // On update, a measure left out is cleared ("" clears it); on create it is simply absent.
        var input = new GoalInput(description, update ? measure ?? "" : measure, due, status?.ToString());
        return (input, problems);
    }

    /// <summary>The version an update is conditional on: If-Match W/"n" is required (428 without it).</summary>
    internal static (int Version, IResult? Error) IfMatch(HttpContext http, string type)
    {
        var header = http.Request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
        {
            return (0, FhirResults.Problem(StatusCodes.Status428PreconditionRequired, OperationOutcome.IssueType.Required,
                $"Send If-Match: W/\"<versionId>\" with the version of the {type} you read (its ETag), so that nobody's change is overwritten.", "If-Match"));
        }
        var text = (header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header).Trim('"');
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            return (0, FhirResults.Problem(400, OperationOutcome.IssueType.Invalid, $"If-Match must be a version as the ETag gives it, for example W/\"3\" (got {header}).", "If-Match"));
        }
        return (version, null);
    }

    internal static string ETag(int version) => $"W/\"{version}\"";

    /// <summary>The elements of a resource JoinedUp does not store: each is named, so nothing sent is silently dropped.</summary>
    internal static List<(string Expression, string Message)> Unsupported(Resource resource, string type, params string[] kept)
    {
        var problems = new List<(string, string)>();
        foreach (var (name, _) in resource.EnumerateElements())
        {
            if (name is "id" or "meta" or "text" or "extension" || kept.Contains(name, StringComparer.Ordinal)) continue;
            problems.Add(($"{type}.{name}", $"{type}.{name} is not stored on this server: leave it out."));
        }
        return problems;
    }

    internal static long? PatientId(ResourceReference? subject) =>
        subject?.Reference is { } r && r.StartsWith("Patient/", StringComparison.Ordinal) && long.TryParse(r["Patient/".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    internal static IResult Outcome(int status, IReadOnlyList<(string Expression, string Message)> problems)
    {
        var outcome = new OperationOutcome();
        foreach (var (expression, message) in problems)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error, Code = OperationOutcome.IssueType.BusinessRule, Diagnostics = message, Expression = [expression],
            });
        }
        return FhirResults.Resource(outcome, status);
    }

    private static bool Same(Period? a, Period? b) => (a is null && b is null) || (a is not null && b is not null && a.IsExactly(b));

    private static IResult Stale(string by, DateTime at) => FhirResults.Problem(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict,
        $"{(string.IsNullOrEmpty(by) ? "Someone" : by)} changed this at {UkClock.ToLocal(at):HH:mm} on {UkClock.ToLocal(at):d MMM yyyy} since you opened it. Reload to see their change, then make yours again: nothing of yours was saved.");

    private static IResult NotNumber(string type, string id) =>
        FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"{type} ids on this server are numbers; '{id}' is not one.");
}
