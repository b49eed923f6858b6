using JoinedUp.Care;
using JoinedUp.Security;
using JoinedUp.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JoinedUp.Web.Care;

public sealed record StartPlanRequest(long? PatientId, string? Title);

public sealed record GoalRequest(string? Description, string? Measure, DateOnly? TargetDate, string? Status, int? Version, string? Reason);

public sealed record ActivityRequest(string? Description, long? GoalId, string? Owner, string? ServiceCode, DateOnly? Due, string? Status, int? Version, string? Reason);

public sealed record HandOverRequest(long? PatientId, string? ServiceCode, string? Note);

public sealed record FollowUpRequest(long? PatientId, string? Description, int? DueInHours);

public sealed record AgreeRequest(string? AgreedBy, string? Note, int? Version);

public sealed record CommentRequest(string? Text);

public sealed record DeclineRequest(string? Reason);

public sealed record NavigatorRequest(string? StaffCode, string? Reason);

/// <summary>
/// Care plans over REST (issue 6, first slice): start the plan of a person's episode, read it with its history, add and
/// change goals with the version read (a stale version is 409 naming who changed it), record agreement. The record
/// rules decide who may (a relationship with a full view); every read and change is audited.
/// </summary>
internal static class CarePlanApi
{
    public static void MapCarePlanApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/care").WithTags("Care");

        group.MapPost("/plans", async Task<IResult> (StartPlanRequest? body, HttpContext http, CarePlanService plans, CancellationToken ct) =>
            {
                if (body?.PatientId is not { } patientId) return Problem(422, "Name the patient", "Send patientId: the person whose plan this is.");
                return ToResult(await plans.StartAsync(http.RequiredCaller(), patientId, body.Title, ct).ConfigureAwait(false), p => $"/api/care/plans/{p.Id}");
            })
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("StartCarePlan").WithSummary("Start the care plan of the person's open episode (or get the one already started).");

        group.MapGet("/plans/{id:long}", async Task<IResult> (long id, HttpContext http, CarePlanService plans, CancellationToken ct) =>
            {
                var view = await plans.GetAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false);
                return view is null ? Refused() : TypedResults.Ok(view);
            })
            .RequirePermission(Permission.CarePlanRead)
            .WithName("GetCarePlan").WithSummary("A care plan with its goals, activities and every change (who, when, why).");

        group.MapPost("/plans/{id:long}/goals", async Task<IResult> (long id, GoalRequest? body, HttpContext http, CarePlanService plans, CancellationToken ct) =>
                ToResult(await plans.AddGoalAsync(http.RequiredCaller(), id, Input(body), ct).ConfigureAwait(false), g => $"/api/care/goals/{g.Id}"))
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("AddGoal").WithSummary("Add a goal in the person's own words, with a measure and a target date.");

        group.MapPut("/goals/{id:long}", async Task<IResult> (long id, GoalRequest? body, HttpContext http, CarePlanService plans, CancellationToken ct) =>
            {
                if (body?.Version is not { } version) return Problem(422, "Send the version", "Send the goal's version as you read it, so that nobody's change is overwritten.");
                return ToResult(await plans.UpdateGoalAsync(http.RequiredCaller(), id, version, Input(body), body.Reason, ct).ConfigureAwait(false), null);
            })
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("UpdateGoal").WithSummary("Change a goal; 409 with who changed it when the version is stale.");

        group.MapPost("/plans/{id:long}/activities", async Task<IResult> (long id, ActivityRequest? body, HttpContext http, CarePlanService plans, CancellationToken ct) =>
                ToResult(await plans.AddActivityAsync(http.RequiredCaller(), id, Activity(body), ct).ConfigureAwait(false), a => $"/api/care/activities/{a.Id}"))
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("AddActivity").WithSummary("Add an activity owned by a team (serviceCode), the caller (staff), the patient or the carer, optionally towards a goal.");

        group.MapPut("/activities/{id:long}", async Task<IResult> (long id, ActivityRequest? body, HttpContext http, CarePlanService plans, CancellationToken ct) =>
            {
                if (body?.Version is not { } version) return Problem(422, "Send the version", "Send the activity's version as you read it, so that nobody's change is overwritten.");
                return ToResult(await plans.UpdateActivityAsync(http.RequiredCaller(), id, version, Activity(body), body.Reason, ct).ConfigureAwait(false), null);
            })
            .RequirePermission(Permission.CarePlanWrite)
            .WithName("UpdateActivity").WithSummary("Change an activity's status, due date or wording; 409 with who changed it when the version is stale.");

        group.MapPost("/handovers", async Task<IResult> (HandOverRequest? body, HttpContext http, NavigationService navigation, CancellationToken ct) =>
            {
                if (body?.PatientId is not { } patientId) return Problem(422, "Name the patient", "Send patientId: the person being handed over.");
                return ToResult(await navigation.HandOverAsync(http.RequiredCaller(), patientId, body.ServiceCode, body.Note, ct).ConfigureAwait(false), t => $"/api/care/tasks/{t.Id}");
            })
            .RequirePermission(Permission.TaskManage)
            .WithName("HandOver").WithSummary("Hand the person over to another service: open until that service accepts; refused with the reason when the person is not eligible or the service has no capacity.");

        group.MapGet("/tasks/incoming", async (HttpContext http, NavigationService navigation, CancellationToken ct) =>
                TypedResults.Ok(await navigation.IncomingAsync(http.RequiredCaller(), ct).ConfigureAwait(false)))
            .RequirePermission(Permission.TaskManage)
            .WithName("IncomingHandOvers").WithSummary("Hand-overs waiting for the caller's teams to accept, oldest due first.");

        group.MapPost("/followups", async Task<IResult> (FollowUpRequest? body, HttpContext http, NavigationService navigation, CancellationToken ct) =>
            {
                if (body?.PatientId is not { } patientId) return Problem(422, "Name the patient", "Send patientId: the person to follow up.");
                return ToResult(await navigation.FollowUpAsync(http.RequiredCaller(), patientId, body.Description, body.DueInHours ?? 48, ct).ConfigureAwait(false), t => $"/api/care/tasks/{t.Id}");
            })
            .RequirePermission(Permission.TaskManage)
            .WithName("ScheduleFollowUp").WithSummary("Schedule a follow-up owned by your team, due in dueInHours (48 by default); it escalates when overdue.");

        group.MapPost("/tasks/{id:long}/complete", async Task<IResult> (long id, HttpContext http, NavigationService navigation, CancellationToken ct) =>
            {
                var result = await navigation.CompleteAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false);
                return result.Outcome == CareOutcome.NotFound ? Problem(404, "Not found", "No task with that id belongs to your team.") : ToResult(result, null);
            })
            .RequirePermission(Permission.TaskManage)
            .WithName("CompleteTask").WithSummary("Complete a follow-up (or an accepted hand-over's work): it stops escalating.");

        group.MapGet("/tasks/escalated", async (HttpContext http, EscalationService escalation, CancellationToken ct) =>
                TypedResults.Ok(await escalation.ForAsync(http.RequiredCaller(), ct).ConfigureAwait(false)))
            .RequirePermission(Permission.TaskManage)
            .WithName("EscalatedTasks").WithSummary("Overdue tasks escalated to the caller: for people they navigate, and (after a day more) for teams they lead.");

        group.MapPost("/tasks/{id:long}/decline", async Task<IResult> (long id, DeclineRequest? body, HttpContext http, NavigationService navigation, CancellationToken ct) =>
            {
                var result = await navigation.DeclineAsync(http.RequiredCaller(), id, body?.Reason, ct).ConfigureAwait(false);
                return result.Outcome == CareOutcome.NotFound ? Problem(404, "Not found", "No hand-over with that id was sent to your team.") : ToResult(result, null);
            })
            .RequirePermission(Permission.TaskManage)
            .WithName("DeclineHandOver").WithSummary("Decline a hand-over with the reason: it closes as rejected, the sender and navigator see why, and the team's access for deciding ends.");

        group.MapPost("/tasks/{id:long}/accept", async Task<IResult> (long id, HttpContext http, NavigationService navigation, CancellationToken ct) =>
            {
                var result = await navigation.AcceptAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false);
                return result.Outcome == CareOutcome.NotFound ? Problem(404, "Not found", "No hand-over with that id was sent to your team.") : ToResult(result, null);
            })
            .RequirePermission(Permission.TaskManage)
            .WithName("AcceptHandOver").WithSummary("Accept a hand-over: the person joins the team's caseload.");

        group.MapPost("/plans/{id:long}/agree", async Task<IResult> (long id, AgreeRequest? body, HttpContext http, CarePlanService plans, CancellationToken ct) =>
            {
                if (body?.Version is not { } version) return Problem(422, "Send the version", "Send the plan's version as you read it.");
                AgreedBy? by = body.AgreedBy?.ToLowerInvariant() switch { "patient" => AgreedBy.Patient, "carer" => AgreedBy.Carer, "staff-on-behalf" or null => AgreedBy.StaffOnBehalf, _ => null };
                if (by is null) return Problem(422, "Who agreed?", "agreedBy must be patient, carer or staff-on-behalf.");
                return ToResult(await plans.AgreeAsync(http.RequiredCaller(), id, version, by.Value, body.Note, ct).ConfigureAwait(false), null);
            })
            .RequirePermission(Permission.CarePlanComment)
            .WithName("AgreeCarePlan").WithSummary("Record that the plan was agreed, by whom and how (a patient agrees as themself, a carer as the carer).");

        group.MapPost("/goals/{id:long}/comments", async Task<IResult> (long id, CommentRequest? body, HttpContext http, CarePlanService plans, CancellationToken ct) =>
                ToResult(await plans.CommentAsync(http.RequiredCaller(), id, body?.Text, ct).ConfigureAwait(false), c => $"/api/care/goals/{id}/comments/{c.Id}"))
            .RequirePermission(Permission.CarePlanComment)
            .WithName("CommentOnGoal").WithSummary("Comment on a goal: the person, their carer (with a proxy) or the staff caring for them.");

        group.MapPut("/patients/{id:long}/navigator", async Task<IResult> (long id, NavigatorRequest? body, HttpContext http, NavigationService navigation, CancellationToken ct) =>
            {
                var result = await navigation.ReassignAsync(http.RequiredCaller(), id, body?.StaffCode, body?.Reason, ct).ConfigureAwait(false);
                return result.Outcome == CareOutcome.Done ? TypedResults.Ok(new { navigator = result.Value }) : ToResult(result, null);
            })
            .RequirePermission(Permission.NavigationManage)
            .WithName("ReassignNavigator").WithSummary("Give the person another care navigator (staffCode), with a reason.");

        group.MapGet("/patients/{id:long}/journey", async Task<IResult> (long id, HttpContext http, JourneyService journey, CancellationToken ct) =>
            {
                var steps = await journey.ForAsync(http.RequiredCaller(), id, ct).ConfigureAwait(false);
                return steps is null ? Refused() : TypedResults.Ok(steps);
            })
            .RequirePermission(Permission.CarePlanRead)
            .WithName("Journey").WithSummary("The person's journey across services as one timeline, oldest first.");

        group.MapGet("/me", async Task<IResult> (long? patientId, HttpContext http, MyCareService mine, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var people = await mine.PeopleAsync(who, ct).ConfigureAwait(false);
                var target = patientId ?? (people.Count > 0 ? people[0].PatientId : null);
                if (target is null)
                {
                    return Problem(404, "Nobody to show", who.Has(Roles.Carer)
                        ? "Nobody has given you access as their carer yet. The person you care for gives it from \"My record\" > \"Carers who can see my record\", with the email address you sign in with."
                        : "Your account is not linked to a patient record.");
                }
                var (view, refusal) = await mine.GetAsync(who, target.Value, ct).ConfigureAwait(false);
                return view is null ? Problem(403, "Not allowed", refusal!) : TypedResults.Ok(new { people, care = view });
            })
            .RequirePermission(Permission.CarePlanRead)
            .WithName("MyCare").WithSummary("For a patient or carer: the plan, referrals and status, upcoming contacts, the navigator and the journey (patientId chooses among the people a carer cares for).");
    }

    private static ActivityInput Activity(ActivityRequest? body) => new(body?.Description, body?.GoalId, body?.Owner, body?.ServiceCode, body?.Due, body?.Status);

    private static GoalInput Input(GoalRequest? body) => new(body?.Description, body?.Measure, body?.TargetDate, body?.Status);

    private static IResult ToResult<T>(CareResult<T> result, Func<T, string>? location) where T : class => result.Outcome switch
    {
        CareOutcome.Created when location is not null => TypedResults.Created(location(result.Value!), result.Value),
        CareOutcome.Done or CareOutcome.Created => TypedResults.Ok(result.Value),
        CareOutcome.Conflict => TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = 409, Title = "Changed by someone else", Detail = result.Problem, Extensions = { ["current"] = result.Value } }),
        CareOutcome.Invalid => Problem(422, "Not saved", result.Problem!),
        _ => Refused(),
    };

    private static ProblemHttpResult Refused() => Problem(403, "Not allowed",
        "You have no care relationship with this person (or there is no such plan). Plans are read and changed by the teams caring for the person and their navigator.");

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
