using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Care;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using FhirCarePlan = Hl7.Fhir.Model.CarePlan;
using FhirGoal = Hl7.Fhir.Model.Goal;
using CarePlan = JoinedUp.Care.CarePlan;
using Goal = JoinedUp.Care.Goal;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Care plans over FHIR (issue 6): CarePlan and Goal read, and CarePlan search by patient, mapped from the relational
/// plan; the writes are in <see cref="CarePlanWrites"/>. Read through the record rules and audited.
/// </summary>
internal static class CarePlans
{
    /// <summary>The extension on Goal naming the CarePlan it belongs to (valueReference CarePlan/&lt;id&gt;).</summary>
    public const string GoalCarePlanExtension = "https://joinedup.example/fhir/StructureDefinition/goal-care-plan";

    public static void MapCarePlans(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/CarePlan/{id}", async (string id, HttpContext http, CarePlanService plans, JoinedUpDbContext db, CancellationToken ct) =>
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var planId)) return NotFound("CarePlan", id);
                var view = await plans.GetAsync(http.RequiredCaller(), planId, ct).ConfigureAwait(false);
                if (view is null) return FhirResults.Forbidden();
                var resource = await ToFhirAsync(db, view, ct).ConfigureAwait(false);
                return FhirResults.Resource(resource, headers: r => r.Headers.ETag = $"W/\"{view.Plan.VersionId}\"");
            })
            .RequirePermission(Permission.CarePlanRead)
            .WithName("FhirReadCarePlan").WithSummary("A personalised care plan: goals, activities with their owners, agreement.");

        fhir.MapGet("/CarePlan", async (string? patient, HttpContext http, CarePlanService plans, RecordAccessService access, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var subject = patient ?? http.Request.Query["subject"].ToString();
                if (string.IsNullOrEmpty(subject) || !long.TryParse(subject.Replace("Patient/", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var patientId))
                {
                    return FhirResults.Problem(400, OperationOutcome.IssueType.Required, "Search CarePlan by patient=Patient/<id>.");
                }
                var ids = await db.CarePlans.AsNoTracking().Where(p => p.PatientId == patientId).OrderByDescending(p => p.Id).Select(p => p.Id).Take(20).ToListAsync(ct).ConfigureAwait(false);
                if (ids.Count == 0)
                {
                    // Nothing to show, but the question is about a person: it is answered only to those who may open the record.
                    var opened = await access.OpenAsync(http.RequiredCaller(), patientId, PermissionMatrix.Name(Permission.CarePlanRead), $"CarePlan?patient={patientId}", ct).ConfigureAwait(false);
                    if (opened.View is null) return FhirResults.Forbidden();
                }
                var resources = new List<Resource>();
                foreach (var planId in ids)
                {
                    var view = await plans.GetAsync(http.RequiredCaller(), planId, ct).ConfigureAwait(false);
                    if (view is null) return FhirResults.Forbidden();
                    resources.Add(await ToFhirAsync(db, view, ct).ConfigureAwait(false));
                }
                return FhirResults.Resource(DirectoryResources.Searchset(http, "CarePlan", resources));
            })
            .RequirePermission(Permission.CarePlanRead)
            .WithName("FhirSearchCarePlan").WithSummary("Care plans of one patient: patient=Patient/<id>.");

        fhir.MapGet("/Goal/{id}", async (string id, HttpContext http, CarePlanService plans, JoinedUpDbContext db, CancellationToken ct) =>
            {
                if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var goalId)) return NotFound("Goal", id);
                var planId = await db.Goals.AsNoTracking().Where(g => g.Id == goalId).Select(g => (long?)g.CarePlanId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                if (planId is null) return FhirResults.Forbidden();
                var view = await plans.GetAsync(http.RequiredCaller(), planId.Value, ct).ConfigureAwait(false);
                if (view is null) return FhirResults.Forbidden();
                var goal = view.Goals.First(g => g.Id == goalId);
                return FhirResults.Resource(ToFhir(goal, view.Plan.PatientId), headers: r => r.Headers.ETag = $"W/\"{goal.VersionId}\"");
            })
            .RequirePermission(Permission.CarePlanRead)
            .WithName("FhirReadGoal").WithSummary("A goal of a care plan, in the person's own words, with its measure and target date.");
    }

    internal static FhirGoal ToFhir(Goal g, long patientId)
    {
        var goal = new FhirGoal
        {
            Id = g.Id.ToString(CultureInfo.InvariantCulture),
            Meta = new Meta { VersionId = g.VersionId.ToString(CultureInfo.InvariantCulture), LastUpdated = DateTime.SpecifyKind(g.LastUpdated, DateTimeKind.Utc) },
            LifecycleStatus = g.Status switch
            {
                GoalStatus.Proposed => FhirGoal.GoalLifecycleStatus.Proposed,
                GoalStatus.Achieved or GoalStatus.NotAchieved => FhirGoal.GoalLifecycleStatus.Completed,
                GoalStatus.Cancelled => FhirGoal.GoalLifecycleStatus.Cancelled,
                _ => FhirGoal.GoalLifecycleStatus.Active,
            },
            AchievementStatus = g.Status switch
            {
                GoalStatus.Achieved => new CodeableConcept("http://terminology.hl7.org/CodeSystem/goal-achievement", "achieved", "Achieved"),
                GoalStatus.NotAchieved => new CodeableConcept("http://terminology.hl7.org/CodeSystem/goal-achievement", "not-achieved", "Not Achieved"),
                _ => null,
            },
            Description = new CodeableConcept { Text = g.Description },
            Subject = new ResourceReference($"Patient/{patientId}"),
        };
        // FHIR R4's Goal has no element for its plan (CarePlan.goal points the other way): an extension says which plan it is in.
        goal.Extension.Add(new Extension(GoalCarePlanExtension, new ResourceReference($"CarePlan/{g.CarePlanId}")));
        if (g.Measure is not null || g.TargetDate is not null)
        {
            var target = new FhirGoal.TargetComponent();
            if (g.Measure is not null) target.Measure = new CodeableConcept { Text = g.Measure };
            if (g.TargetDate is { } due) target.Due = new Date(due.Year, due.Month, due.Day);
            goal.Target.Add(target);
        }
        return goal;
    }

    internal static async Task<FhirCarePlan> ToFhirAsync(JoinedUpDbContext db, CarePlanView view, CancellationToken ct)
    {
        var p = view.Plan;
        var teams = view.Activities.Where(a => a.OwnerTeamId is not null).Select(a => a.OwnerTeamId!.Value).Distinct().ToList();
        var teamNames = await db.Teams.AsNoTracking().Where(t => teams.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        var plan = new FhirCarePlan
        {
            Id = p.Id.ToString(CultureInfo.InvariantCulture),
            Meta = new Meta { VersionId = p.VersionId.ToString(CultureInfo.InvariantCulture), LastUpdated = DateTime.SpecifyKind(p.LastUpdated, DateTimeKind.Utc) },
            Status = p.Status switch { CarePlanStatus.Active => RequestStatus.Active, CarePlanStatus.Completed => RequestStatus.Completed, _ => RequestStatus.Draft },
            Intent = FhirCarePlan.CarePlanIntent.Plan,
            Title = p.Title,
            Subject = new ResourceReference($"Patient/{p.PatientId}"),
            Period = new Period { Start = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(p.CreatedAt, DateTimeKind.Utc))).Value },
            Created = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(p.CreatedAt, DateTimeKind.Utc))).Value,
            Goal = view.Goals.Select(g => new ResourceReference($"Goal/{g.Id}", g.Description)).ToList(),
        };
        if (p.ReviewDue is { } review) plan.Period.End = new Date(review.Year, review.Month, review.Day).Value;
        if (p.AgreedAt is { } agreed)
        {
            plan.Note.Add(new Annotation
            {
                Text = new Markdown($"Agreed by {(p.AgreedBy == AgreedBy.StaffOnBehalf ? "staff on the person's behalf" : p.AgreedBy?.ToString().ToLowerInvariant())} ({p.AgreedByName}){(p.AgreementNote is null ? "" : ": " + p.AgreementNote)}"),
                Time = new FhirDateTime(new DateTimeOffset(DateTime.SpecifyKind(agreed, DateTimeKind.Utc))).Value,
            });
        }
        foreach (var a in view.Activities)
        {
            var detail = new FhirCarePlan.DetailComponent
            {
                Description = a.Description,
                Status = a.Status switch
                {
                    ActivityStatus.Scheduled => FhirCarePlan.CarePlanActivityStatus.Scheduled,
                    ActivityStatus.InProgress => FhirCarePlan.CarePlanActivityStatus.InProgress,
                    ActivityStatus.Completed => FhirCarePlan.CarePlanActivityStatus.Completed,
                    ActivityStatus.Cancelled => FhirCarePlan.CarePlanActivityStatus.Cancelled,
                    _ => FhirCarePlan.CarePlanActivityStatus.NotStarted,
                },
                Goal = a.GoalId is { } goalId ? [new ResourceReference($"Goal/{goalId}")] : [],
                Performer =
                [
                    a.OwnerKind switch
                    {
                        ActivityOwnerKind.Team => new ResourceReference { Display = a.OwnerTeamId is { } t && teamNames.TryGetValue(t, out var name) ? name : "a team" },
                        ActivityOwnerKind.StaffMember => new ResourceReference($"Practitioner/{a.OwnerStaffMemberId}"),
                        ActivityOwnerKind.Patient => new ResourceReference($"Patient/{p.PatientId}", "the person"),
                        _ => new ResourceReference { Display = "the person's carer" },
                    },
                ],
            };
            if (a.Due is { } due) detail.Scheduled = new FhirString($"by {due:yyyy-MM-dd}");
            plan.Activity.Add(new FhirCarePlan.ActivityComponent { Detail = detail });
        }
        return plan;
    }

    private static IResult NotFound(string type, string id) =>
        FhirResults.Problem(404, OperationOutcome.IssueType.NotFound, $"{type} ids on this server are numbers; '{id}' is not one.");
}
