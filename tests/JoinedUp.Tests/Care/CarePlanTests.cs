using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Care;

/// <summary>Care plans (issue 6, first slice) through HTTP: one plan per episode, several services, nobody overwrites another's work.</summary>
public class CarePlanTests
{
    /// <summary>A practice refers the demo patient and the SPA routes them to community nursing and foot health: an episode with two teams.</summary>
    private static async Task<(long Patient, HttpClient Nurse, HttpClient Podiatrist)> EpisodeWithTwoServicesAsync(SecureApp app)
    {
        var patient = await CareScenario.EpisodeWithTwoServicesAsync(app);
        return (patient, await app.SignInAsync(SecureApp.Email(Roles.Clinician)), await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "foot-health")));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Two_services_edit_one_plan_and_a_stale_change_is_refused_naming_who_changed_it_and_the_plan_stays_intact(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var nurseBefore = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var patient = await app.DemoPatientAsync();
        // No episode yet: a plan belongs to one, and the message says how to start it.
        var early = await nurseBefore.PostAsJsonAsync("/api/care/plans", new { patientId = patient });
        Assert.Equal((HttpStatusCode)422, early.StatusCode);
        Assert.Contains("no open episode", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var (_, nurse, podiatrist) = await EpisodeWithTwoServicesAsync(app);
        var started = await nurse.PostAsJsonAsync("/api/care/plans", new { patientId = patient, title = "Mrs Ahmed's plan" });
        Assert.Equal(HttpStatusCode.Created, started.StatusCode);
        var planId = (await SecureApp.JsonAsync(started)).GetProperty("id").GetInt64();
        // One plan per episode: the podiatrist starting it gets the same plan.
        var again = await podiatrist.PostAsJsonAsync("/api/care/plans", new { patientId = patient });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(planId, (await SecureApp.JsonAsync(again)).GetProperty("id").GetInt64());

        var walk = await SecureApp.JsonAsync(await nurse.PostAsJsonAsync($"/api/care/plans/{planId}/goals", new { description = "Walk to church on Sunday", measure = "walks 400 m with a stick", targetDate = "2027-02-01" }));
        var feet = await SecureApp.JsonAsync(await podiatrist.PostAsJsonAsync($"/api/care/plans/{planId}/goals", new { description = "Cut my own toenails safely", targetDate = "2027-01-15" }));
        var walkId = walk.GetProperty("id").GetInt64();
        var feetId = feet.GetProperty("id").GetInt64();

        // Different goals at the same time: both saved.
        var both = await Task.WhenAll(
            nurse.PutAsJsonAsync($"/api/care/goals/{walkId}", new { measure = "walks 600 m with a stick", version = 1, reason = "doing better than expected" }),
            podiatrist.PutAsJsonAsync($"/api/care/goals/{feetId}", new { targetDate = "2027-01-31", version = 1, reason = "nail surgery first" }));
        Assert.All(both, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        // The same goal from a stale read: refused, naming who changed it; the nurse's change stays.
        var stale = await podiatrist.PutAsJsonAsync($"/api/care/goals/{walkId}", new { measure = "walks 100 m", version = 1 });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var nurseName = await app.QueryAsync(db => db.Users.Where(u => u.Email == SecureApp.Email(Roles.Clinician)).Select(u => u.DisplayName).FirstAsync());
        Assert.Contains($"{nurseName} changed this", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Two saves of the same version racing: exactly one wins.
        var race = await Task.WhenAll(
            nurse.PutAsJsonAsync($"/api/care/goals/{walkId}", new { measure = "walks 700 m", version = 2 }),
            podiatrist.PutAsJsonAsync($"/api/care/goals/{walkId}", new { measure = "walks 800 m", version = 2 }));
        Assert.Single(race, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Single(race, r => r.StatusCode == HttpStatusCode.Conflict);

        // Activities owned by a team, by the person; a wrong owner or a goal from elsewhere is refused with what to do.
        var dressing = await nurse.PostAsJsonAsync($"/api/care/plans/{planId}/activities", new { description = "Dress the leg ulcer twice a week", goalId = walkId, owner = "team", serviceCode = "adult-community-nursing", due = "2026-12-01" });
        Assert.Equal(HttpStatusCode.Created, dressing.StatusCode);
        var dressingId = (await SecureApp.JsonAsync(dressing)).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Created, (await podiatrist.PostAsJsonAsync($"/api/care/plans/{planId}/activities", new { description = "Moisturise feet every evening", goalId = feetId, owner = "patient" })).StatusCode);
        var badOwner = await nurse.PostAsJsonAsync($"/api/care/plans/{planId}/activities", new { description = "x", owner = "the council" });
        Assert.Equal((HttpStatusCode)422, badOwner.StatusCode);
        Assert.Contains("owner must be", await badOwner.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, (await nurse.PostAsJsonAsync($"/api/care/plans/{planId}/activities", new { description = "x", goalId = 987654, owner = "patient" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await nurse.PutAsJsonAsync($"/api/care/activities/{dressingId}", new { status = "in-progress", version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await podiatrist.PutAsJsonAsync($"/api/care/activities/{dressingId}", new { status = "cancelled", version = 1 })).StatusCode);

        // Agreement on the person's behalf needs a note saying how.
        var view = await SecureApp.JsonAsync(await nurse.GetAsync($"/api/care/plans/{planId}"));
        var planVersion = view.GetProperty("plan").GetProperty("versionId").GetInt32();
        Assert.Equal((HttpStatusCode)422, (await nurse.PostAsJsonAsync($"/api/care/plans/{planId}/agree", new { agreedBy = "staff-on-behalf", version = planVersion })).StatusCode);
        var agreed = await nurse.PostAsJsonAsync($"/api/care/plans/{planId}/agree", new { agreedBy = "staff-on-behalf", note = "Agreed at home with her daughter present", version = planVersion });
        Assert.Equal(HttpStatusCode.OK, agreed.StatusCode);
        Assert.Equal("Active", (await SecureApp.JsonAsync(agreed)).GetProperty("status").GetString());

        // Every change is kept with who and why.
        view = await SecureApp.JsonAsync(await podiatrist.GetAsync($"/api/care/plans/{planId}"));
        var history = view.GetProperty("history").EnumerateArray().ToList();
        Assert.Contains(history, h => h.GetProperty("reason").GetString() == "doing better than expected" && h.GetProperty("byName").GetString() == nurseName);
        Assert.Contains(history, h => h.GetProperty("reason").GetString() == "nail surgery first");
        Assert.Contains(history, h => h.GetProperty("reason").GetString() == "plan agreed");
        Assert.Equal(2, view.GetProperty("goals").GetArrayLength());
        Assert.Equal("InProgress", view.GetProperty("activities").EnumerateArray().Single(a => a.GetProperty("id").GetInt64() == dressingId).GetProperty("status").GetString());
        var walkNow = view.GetProperty("goals").EnumerateArray().Single(g => g.GetProperty("id").GetInt64() == walkId);
        Assert.Equal(3, walkNow.GetProperty("versionId").GetInt32());
        Assert.Contains(walkNow.GetProperty("measure").GetString(), new[] { "walks 700 m", "walks 800 m" });

        // The same plan over FHIR: CarePlan with its goals and activities, Goal with its measure and target date.
        var fhirPlan = JoinedUp.Fhir.FhirJson.Parse<Hl7.Fhir.Model.CarePlan>(await nurse.GetStringAsync($"/fhir/CarePlan/{planId}"));
        Assert.Equal(Hl7.Fhir.Model.RequestStatus.Active, fhirPlan.Status);
        Assert.Equal($"Patient/{patient}", fhirPlan.Subject.Reference);
        Assert.Equal(2, fhirPlan.Goal.Count);
        Assert.Contains(fhirPlan.Activity, a => a.Detail?.Description == "Dress the leg ulcer twice a week" && a.Detail?.Status == Hl7.Fhir.Model.CarePlan.CarePlanActivityStatus.InProgress);
        Assert.Contains("Agreed at home with her daughter present", fhirPlan.Note.Single().Text, StringComparison.Ordinal);
        var fhirGoal = JoinedUp.Fhir.FhirJson.Parse<Hl7.Fhir.Model.Goal>(await podiatrist.GetStringAsync($"/fhir/Goal/{feetId}"));
        Assert.Equal("Cut my own toenails safely", fhirGoal.Description.Text);
        Assert.Equal("2027-01-31", (fhirGoal.Target.Single().Due as Hl7.Fhir.Model.Date)?.Value);
        var search = JoinedUp.Fhir.FhirJson.Parse<Hl7.Fhir.Model.Bundle>(await nurse.GetStringAsync($"/fhir/CarePlan?patient=Patient/{patient}"));
        Assert.Equal(planId.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(search.Entry).Resource!.Id);

        // A clinician with no relationship sees nothing and changes nothing; the attempt is audited.
        using var audiologist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-audiology"));
        Assert.Equal(HttpStatusCode.Forbidden, (await audiologist.GetAsync($"/api/care/plans/{planId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await audiologist.GetAsync($"/fhir/CarePlan/{planId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await audiologist.GetAsync($"/fhir/CarePlan?patient=Patient/{patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await audiologist.PutAsJsonAsync($"/api/care/goals/{walkId}", new { measure = "x", version = 3 })).StatusCode);
        Assert.NotEmpty(await app.AuditAsync(e => e.Resource == $"CarePlan/{planId}" && e.Outcome == "denied"));
        nurse.Dispose();
        podiatrist.Dispose();
    }
}
