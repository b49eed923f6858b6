using System.Net;
using System.Net.Http.Json;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using JoinedUp.Fhir;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Fhir;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;
using FhirCarePlan = Hl7.Fhir.Model.CarePlan;
using FhirGoal = Hl7.Fhir.Model.Goal;
using FhirTask = Hl7.Fhir.Model.Task;

namespace JoinedUp.Tests.Care;

/// <summary>
/// Care plans, goals and care tasks written over FHIR with the Firely client: create, versioned update with If-Match
/// (428 without, 412 naming who changed it when stale), hand-overs and follow-ups as Task with ids care-&lt;id&gt;.
/// </summary>
public class CareFhirTests
{
    private const string TaskCodes = "https://joinedup.example/fhir/CodeSystem/care-task";
    private const string ServiceCodes = "https://joinedup.example/Id/service-code";

    /// <summary>A Firely client with a user token for someone signed in with the browser.</summary>
    private static async System.Threading.Tasks.Task<FhirClient> FhirAsAsync(SecureApp app, HttpClient browser) =>
        FhirTestClient.For(app, (await SecureApp.AuthorizationCodeAsync(browser, "user/*.cruds")).Access);

    private static async System.Threading.Tasks.Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, Resource resource, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = new StringContent(FhirJson.Serialize(resource), Encoding.UTF8, "application/fhir+json") };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    private static async System.Threading.Tasks.Task<OperationOutcome> OutcomeAsync(HttpResponseMessage response) => FhirJson.Parse<OperationOutcome>(await response.Content.ReadAsStringAsync());

    private static string Status(FhirClient client) => client.LastResult!.Status!.Split(' ')[0];

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_plan_and_goals_written_over_FHIR_need_the_version_read_and_a_stale_write_is_refused_naming_who_changed_it(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await CareScenario.EpisodeWithTwoServicesAsync(app);
        using var nurseBrowser = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        using var podiatristBrowser = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "foot-health"));
        var nurse = await FhirAsAsync(app, nurseBrowser);
        var nurseName = await app.QueryAsync(db => db.Users.Where(u => u.Email == SecureApp.Email(Roles.Clinician)).Select(u => u.DisplayName).FirstAsync());

        // Start the plan: 201 with Location and ETag; the other service starting it gets the same plan, and is told so.
        var plan = await nurse.CreateAsync(new FhirCarePlan { Status = RequestStatus.Draft, Intent = FhirCarePlan.CarePlanIntent.Plan, Subject = new ResourceReference($"Patient/{patient}"), Title = "Mrs Ahmed's plan" });
        Assert.Equal("201", Status(nurse));
        Assert.Equal("W/\"1\"", nurse.LastResult!.Etag);
        Assert.EndsWith($"/CarePlan/{plan!.Id}/_history/1", nurse.LastResult.Location, StringComparison.Ordinal);
        Assert.Equal("Mrs Ahmed's plan", plan.Title);
        var again = await SendAsync(podiatristBrowser, HttpMethod.Post, "/fhir/CarePlan", new FhirCarePlan { Status = RequestStatus.Draft, Intent = FhirCarePlan.CarePlanIntent.Plan, Subject = new ResourceReference($"Patient/{patient}") });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal($"CarePlan/{plan.Id}", again.Headers.GetValues("X-Existing-CarePlan").Single());
        var active = await SendAsync(podiatristBrowser, HttpMethod.Post, "/fhir/CarePlan", new FhirCarePlan { Status = RequestStatus.Active, Intent = FhirCarePlan.CarePlanIntent.Plan, Subject = new ResourceReference($"Patient/{patient}") });
        Assert.Equal((HttpStatusCode)422, active.StatusCode);
        Assert.Contains((await OutcomeAsync(active)).Issue, i => i.Expression.Contains("CarePlan.status"));

        // A goal joins the plan of the person's open episode; the extension says which plan.
        var goal = await nurse.CreateAsync(new FhirGoal
        {
            LifecycleStatus = FhirGoal.GoalLifecycleStatus.Active,
            Description = new CodeableConcept { Text = "Walk to church on Sunday" },
            Subject = new ResourceReference($"Patient/{patient}"),
            Target = [new FhirGoal.TargetComponent { Measure = new CodeableConcept { Text = "walks 400 m with a stick" }, Due = new Date(2027, 2, 1) }],
        });
        Assert.Equal("201", Status(nurse));
        Assert.Equal("W/\"1\"", nurse.LastResult!.Etag);
        Assert.Equal("1", goal!.Meta!.VersionId);
        Assert.NotNull(goal.Meta!.LastUpdated);
        Assert.Equal($"CarePlan/{plan.Id}", (goal.Extension.Single(e => e.Url == "https://joinedup.example/fhir/StructureDefinition/goal-care-plan").Value as ResourceReference)?.Reference);
        var read = await nurse.ReadAsync<FhirCarePlan>($"CarePlan/{plan.Id}");
        Assert.Contains(read!.Goal, g => g.Reference == $"Goal/{goal.Id}");

        // Update with the version read (Firely sends If-Match): 200 and a new version.
        goal.Target[0].Measure!.Text = "walks 600 m with a stick";
        var updated = await nurse.UpdateAsync(goal, versionAware: true);
        Assert.Equal("200", Status(nurse));
        Assert.Equal("W/\"2\"", nurse.LastResult!.Etag);
        Assert.Equal("2", updated!.Meta!.VersionId);
        Assert.Equal("walks 600 m with a stick", updated.Target.Single().Measure!.Text);

        // The podiatrist saves from a stale read: 412 naming who changed it; nothing of theirs is saved.
        var staleCopy = (FhirGoal)goal.DeepCopy();
        staleCopy.Target[0].Measure!.Text = "walks 100 m";
        var stale = await SendAsync(podiatristBrowser, HttpMethod.Put, $"/fhir/Goal/{goal.Id}", staleCopy, "W/\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains($"{nurseName} changed this", (await OutcomeAsync(stale)).Issue.Single().Diagnostics, StringComparison.Ordinal);
        var noIfMatch = await SendAsync(podiatristBrowser, HttpMethod.Put, $"/fhir/Goal/{goal.Id}", staleCopy);
        Assert.Equal(HttpStatusCode.PreconditionRequired, noIfMatch.StatusCode);
        Assert.Contains("If-Match", (await OutcomeAsync(noIfMatch)).Issue.Single().Diagnostics, StringComparison.Ordinal);
        var now = await nurse.ReadAsync<FhirGoal>($"Goal/{goal.Id}");
        Assert.Equal("2", now!.Meta!.VersionId);
        Assert.Equal("W/\"2\"", nurse.LastResult!.Etag);
        Assert.Equal("walks 600 m with a stick", now.Target.Single().Measure!.Text);

        // What is not stored is named, not dropped; a completed goal says whether it was met.
        var withPriority = (FhirGoal)now.DeepCopy();
        withPriority.Priority = new CodeableConcept("http://terminology.hl7.org/CodeSystem/goal-priority", "high-priority");
        var unsupported = await SendAsync(podiatristBrowser, HttpMethod.Put, $"/fhir/Goal/{goal.Id}", withPriority, "W/\"2\"");
        Assert.Equal((HttpStatusCode)422, unsupported.StatusCode);
        Assert.Contains((await OutcomeAsync(unsupported)).Issue, i => i.Expression.Contains("Goal.priority"));
        now.LifecycleStatus = FhirGoal.GoalLifecycleStatus.Completed;
        now.AchievementStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/goal-achievement", "achieved");
        var achieved = await nurse.UpdateAsync(now, versionAware: true);
        Assert.Equal("3", achieved!.Meta!.VersionId);
        Assert.Equal(JoinedUp.Care.GoalStatus.Achieved, await app.QueryAsync(db => db.Goals.Where(g => g.Id == long.Parse(goal.Id!, System.Globalization.CultureInfo.InvariantCulture)).Select(g => g.Status).FirstAsync()));

        // Agreement is the one change of the plan itself: draft to active with a note saying how; a new title is named and refused.
        var current = (await nurse.ReadAsync<FhirCarePlan>($"CarePlan/{plan.Id}"))!;
        var retitled = (FhirCarePlan)current.DeepCopy();
        retitled.Title = "Another title";
        var titleChange = await SendAsync(nurseBrowser, HttpMethod.Put, $"/fhir/CarePlan/{plan.Id}", retitled, $"W/\"{current.Meta!.VersionId}\"");
        Assert.Equal((HttpStatusCode)422, titleChange.StatusCode);
        Assert.Contains((await OutcomeAsync(titleChange)).Issue, i => i.Expression.Contains("CarePlan.title"));
        current.Status = RequestStatus.Active;
        current.Note.Add(new Annotation { Text = new Markdown("Agreed at home with her daughter present") });
        var agreed = await nurse.UpdateAsync(current, versionAware: true);
        Assert.Equal(RequestStatus.Active, agreed!.Status);
        Assert.Equal("2", agreed.Meta!.VersionId);
        Assert.Contains("Agreed at home with her daughter present", agreed.Note.Single().Text, StringComparison.Ordinal);

        // The CapabilityStatement says so.
        var capability = FhirJson.Parse<CapabilityStatement>(await app.Anonymous().GetStringAsync("/fhir/metadata"));
        var goalCapability = capability.Rest[0].Resource.Single(r => r.Type == "Goal");
        Assert.Contains(goalCapability.Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Update);
        Assert.Equal(CapabilityStatement.ResourceVersionPolicy.VersionedUpdate, goalCapability.Versioning);
        Assert.Contains(capability.Rest[0].Resource.Single(r => r.Type == "CarePlan").Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Create);
        Assert.Contains(capability.Rest[0].Resource.Single(r => r.Type == "Task").SearchParam, p => p.Name == "patient");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_hand_over_as_a_FHIR_Task_is_refused_with_the_reason_when_the_person_is_ineligible_and_otherwise_accepted_once_by_the_receiving_team(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var nurseBrowser = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var nurse = await FhirAsAsync(app, nurseBrowser);
        FhirTask HandOver(string service) => new()
        {
            Status = FhirTask.TaskStatus.Requested,
            Intent = FhirTask.TaskIntent.Order,
            Code = new CodeableConcept(TaskCodes, "hand-over"),
            For = new ResourceReference($"Patient/{patient}"),
            Owner = new ResourceReference { Identifier = new Identifier(ServiceCodes, service) },
            Description = "Low mood since the ulcer, would like to talk to someone",
        };

        // The demo patient is an adult: the children's service cannot take them; the reason is given and nothing is stored.
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.CreateAsync(HandOver("children-salt")));
        Assert.Equal((HttpStatusCode)422, refused.Status);
        var issue = refused.Outcome!.Issue.Single();
        Assert.Contains("Children's speech and language therapy cannot take this person", issue.Diagnostics, StringComparison.Ordinal);
        Assert.Equal("Task.owner", issue.Expression.Single());
        Assert.Equal(0, await app.QueryAsync(db => db.CareTasks.CountAsync(t => t.PatientId == patient)));

        var sent = await nurse.CreateAsync(HandOver("adult-psychology"));
        Assert.Equal("201", Status(nurse));
        Assert.Matches("^care-[0-9]+$", sent!.Id);
        Assert.Equal("W/\"1\"", nurse.LastResult!.Etag);
        Assert.EndsWith($"/Task/{sent.Id}", nurse.LastResult.Location, StringComparison.Ordinal);
        Assert.Equal(FhirTask.TaskStatus.Requested, sent.Status);
        Assert.Equal("adult-psychology", sent.Owner!.Identifier!.Value);
        Assert.NotNull(sent.Restriction?.Period?.End);

        // The receiving team reads it and accepts it once; a clinician with no relationship does not see it.
        using var psychologistBrowser = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology"));
        var psychologist = await FhirAsAsync(app, psychologistBrowser);
        var received = await psychologist.ReadAsync<FhirTask>($"Task/{sent.Id}");
        Assert.Equal(FhirTask.TaskStatus.Requested, received!.Status);
        Assert.Equal("1", received.Meta!.VersionId);
        using var audiologist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-audiology"));
        Assert.Equal(HttpStatusCode.NotFound, (await audiologist.GetAsync($"/fhir/Task/{sent.Id}")).StatusCode);

        received.Status = FhirTask.TaskStatus.Accepted;
        Assert.Equal(HttpStatusCode.PreconditionRequired, (await SendAsync(psychologistBrowser, HttpMethod.Put, $"/fhir/Task/{sent.Id}", received)).StatusCode);
        var accepted = await psychologist.UpdateAsync(received, versionAware: true);
        Assert.Equal("200", Status(psychologist));
        Assert.Equal(FhirTask.TaskStatus.Accepted, accepted!.Status);
        Assert.Equal("W/\"2\"", psychologist.LastResult!.Etag);
        Assert.NotNull(accepted.ExecutionPeriod?.Start);
        // Again from the stale read: 412 saying who accepted it; again with the current version: 409, it is already accepted.
        var stale = await SendAsync(psychologistBrowser, HttpMethod.Put, $"/fhir/Task/{sent.Id}", received, "W/\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Contains("accepted by", (await OutcomeAsync(stale)).Issue.Single().Diagnostics, StringComparison.Ordinal);
        var twice = await Assert.ThrowsAsync<FhirOperationException>(() => psychologist.UpdateAsync(accepted, versionAware: true));
        Assert.Equal(HttpStatusCode.Conflict, twice.Status);
        Assert.Contains("already accepted", twice.Outcome!.Issue.Single().Diagnostics, StringComparison.Ordinal);

        // The person's care tasks by patient and code; a referral's tasks are still searched by focus.
        var found = await nurse.SearchAsync<FhirTask>(new SearchParams().Add("patient", $"Patient/{patient}").Add("code", "hand-over"));
        var task = Assert.Single(found!.Entry.Select(e => e.Resource).OfType<FhirTask>());
        Assert.Equal(sent.Id, task.Id);
        Assert.Equal(FhirTask.TaskStatus.Accepted, task.Status);
        Assert.Empty((await nurse.SearchAsync<FhirTask>(new SearchParams().Add("patient", $"Patient/{patient}").Add("code", "follow-up")))!.Entry);
        Assert.Equal(HttpStatusCode.Forbidden, (await audiologist.GetAsync($"/fhir/Task?patient=Patient/{patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await nurseBrowser.GetAsync("/fhir/Task")).StatusCode);

        // A team that cannot take the person declines: rejected needs statusReason.text, and keeps it.
        var toAudiology = await nurse.CreateAsync(HandOver("adult-audiology"));
        var audiology = await FhirAsAsync(app, audiologist);
        var offered = await audiology.ReadAsync<FhirTask>($"Task/{toAudiology!.Id}");
        offered!.Status = FhirTask.TaskStatus.Rejected;
        var noReason = await SendAsync(audiologist, HttpMethod.Put, $"/fhir/Task/{offered.Id}", offered, "W/\"1\"");
        Assert.Equal((HttpStatusCode)422, noReason.StatusCode);
        Assert.Equal("Task.statusReason", (await OutcomeAsync(noReason)).Issue.Single().Expression.Single());
        offered.StatusReason = new CodeableConcept { Text = "No hearing concern in the note: please say what the hearing problem is." };
        var rejected = await audiology.UpdateAsync(offered, versionAware: true);
        Assert.Equal(FhirTask.TaskStatus.Rejected, rejected!.Status);
        Assert.Equal("No hearing concern in the note: please say what the hearing problem is.", rejected.StatusReason!.Text);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_follow_up_created_as_a_FHIR_Task_is_due_at_restriction_period_end_and_completed_by_PUT(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var nurseBrowser = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var nurse = await FhirAsAsync(app, nurseBrowser);
        var due = app.Clock.GetUtcNow().AddHours(48);
        var followUp = new FhirTask
        {
            Status = FhirTask.TaskStatus.Requested,
            Intent = FhirTask.TaskIntent.Order,
            Code = new CodeableConcept(TaskCodes, "follow-up"),
            For = new ResourceReference($"Patient/{patient}"),
            Description = "Phone call within 48 hours of discharge: how are you managing?",
            Restriction = new FhirTask.RestrictionComponent { Period = new Period { EndElement = new FhirDateTime(due) } },
        };
        var noDue = (FhirTask)followUp.DeepCopy();
        noDue.Restriction = null;
        var missing = await Assert.ThrowsAsync<FhirOperationException>(() => nurse.CreateAsync(noDue));
        Assert.Equal((HttpStatusCode)422, missing.Status);
        Assert.Contains(missing.Outcome!.Issue, i => i.Expression.Contains("Task.restriction.period.end"));

        var made = await nurse.CreateAsync(followUp);
        Assert.Equal("201", Status(nurse));
        Assert.Equal(FhirTask.TaskStatus.Accepted, made!.Status);
        var stored = await app.QueryAsync(db => db.CareTasks.SingleAsync(t => t.PatientId == patient));
        Assert.Equal(JoinedUp.Care.CareTaskKind.FollowUp, stored.Kind);
        Assert.True(Math.Abs((stored.DueAt - due.UtcDateTime).TotalHours) < 1, $"due {stored.DueAt:O}, asked {due:O}");

        made.Status = FhirTask.TaskStatus.Completed;
        var completed = await nurse.UpdateAsync(made, versionAware: true);
        Assert.Equal(FhirTask.TaskStatus.Completed, completed!.Status);
        Assert.NotNull(completed.ExecutionPeriod?.End);
        var done = await nurse.SearchAsync<FhirTask>(new SearchParams().Add("patient", $"Patient/{patient}").Add("code", "follow-up").Add("status", "completed"));
        Assert.Equal(made.Id, Assert.Single(done!.Entry).Resource!.Id);
    }
}
