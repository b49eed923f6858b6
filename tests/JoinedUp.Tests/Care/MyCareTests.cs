using System.Net;
using System.Net.Http.Json;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Care;

/// <summary>
/// The patient and carer view (issue 6) through HTTP: the person sees their own plan, referrals, upcoming contacts and
/// navigator, comments and agrees; a carer sees the same only while the proxy stands; neither changes goals; a navigator
/// is reassigned only with a reason, and the journey shows every step.
/// </summary>
public class MyCareTests
{
    /// <summary>The demo patient in an episode with community nursing and foot health; the nurse starts a plan with one goal and one activity.</summary>
    private static async Task<(long Patient, long Plan, long Goal, HttpClient Nurse)> PlanAsync(SecureApp app)
    {
        var patient = await CareScenario.EpisodeWithTwoServicesAsync(app);
        var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var plan = (await SecureApp.JsonAsync(await nurse.PostAsJsonAsync("/api/care/plans", new { patientId = patient }))).GetProperty("id").GetInt64();
        var goal = (await SecureApp.JsonAsync(await nurse.PostAsJsonAsync($"/api/care/plans/{plan}/goals", new { description = "Walk to church on Sunday", measure = "400 m with a stick" }))).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Created, (await nurse.PostAsJsonAsync($"/api/care/plans/{plan}/activities", new { description = "Dress the ulcer", owner = "team", serviceCode = "adult-community-nursing", due = "2099-01-05", goalId = goal })).StatusCode);
        return (patient, plan, goal, nurse);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_patient_and_their_carer_see_only_the_patients_plan_comment_and_agree_and_the_carer_loses_it_when_the_proxy_is_withdrawn(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var (patient, plan, goal, nurse) = await PlanAsync(app);
        using var _ = nurse;
        var stranger = await app.StrangerAsync();
        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));

        var mine = await SecureApp.JsonAsync(await me.GetAsync("/api/care/me"));
        var care = mine.GetProperty("care");
        Assert.Equal(patient, care.GetProperty("patientId").GetInt64());
        Assert.False(care.GetProperty("asCarer").GetBoolean());
        Assert.Equal(plan, care.GetProperty("plan").GetProperty("plan").GetProperty("id").GetInt64());
        Assert.Equal("Walk to church on Sunday", care.GetProperty("plan").GetProperty("goals")[0].GetProperty("description").GetString());
        Assert.Contains(care.GetProperty("referrals").EnumerateArray(), r => r.GetProperty("statusText").GetString()!.Length > 0);
        Assert.Contains(care.GetProperty("upcoming").EnumerateArray(), u => u.GetProperty("what").GetString() == "Dress the ulcer");
        // Two services: a navigator was assigned, and the person is told who.
        Assert.Equal(System.Text.Json.JsonValueKind.Object, care.GetProperty("navigator").ValueKind);
        Assert.Contains(care.GetProperty("journey").EnumerateArray(), e => e.GetProperty("what").GetString()!.Contains("became the care navigator", StringComparison.Ordinal));

        // Only their own plan; and they never write goals (the gate), even their own.
        var other = await me.GetAsync($"/api/care/me?patientId={stranger}");
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("only your own care plan", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await me.PostAsJsonAsync($"/api/care/plans/{plan}/goals", new { description = "Something else" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await me.PutAsJsonAsync($"/api/care/goals/{goal}", new { description = "Changed", version = 1 })).StatusCode);

        // Comments: empty and over-long ones are refused saying what to do; a good one is kept with who wrote it.
        var empty = await me.PostAsJsonAsync($"/api/care/goals/{goal}/comments", new { text = " " });
        Assert.Equal((HttpStatusCode)422, empty.StatusCode);
        Assert.Contains("Write your comment first", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, (await me.PostAsJsonAsync($"/api/care/goals/{goal}/comments", new { text = new string('x', 1001) })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await me.PostAsJsonAsync($"/api/care/goals/{goal}/comments", new { text = "I managed half way last Sunday." })).StatusCode);

        // Agreement: the patient agrees as themself even when asking to be recorded as staff.
        var agreed = await SecureApp.JsonAsync(await me.PostAsJsonAsync($"/api/care/plans/{plan}/agree", new { agreedBy = "staff-on-behalf", version = 1 }));
        Assert.Equal("Patient", agreed.GetProperty("agreedBy").GetString());
        Assert.Equal("Active", agreed.GetProperty("status").GetString());
        // A stale agreement is refused and names who changed the plan.
        var stale = await me.PostAsJsonAsync($"/api/care/plans/{plan}/agree", new { agreedBy = "patient", version = 1 });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);

        // The carer sees the same plan, with the patient's comment, and comments as the carer.
        using var carer = await app.SignInAsync(SecureApp.Email(Roles.Carer));
        var theirs = await SecureApp.JsonAsync(await carer.GetAsync("/api/care/me"));
        Assert.True(theirs.GetProperty("care").GetProperty("asCarer").GetBoolean());
        Assert.Equal("I managed half way last Sunday.", theirs.GetProperty("care").GetProperty("plan").GetProperty("comments")[0].GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.Created, (await carer.PostAsJsonAsync($"/api/care/goals/{goal}/comments", new { text = "She used the stick all the way." })).StatusCode);
        var carerOther = await carer.GetAsync($"/api/care/me?patientId={stranger}");
        Assert.Equal(HttpStatusCode.Forbidden, carerOther.StatusCode);
        Assert.Contains("not given you access", await carerOther.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await carer.PostAsJsonAsync($"/api/care/plans/{plan}/activities", new { description = "x", owner = "carer" })).StatusCode);

        // A proxy cannot be asked for or given without the patient: the carer and the nurse are told who can give it.
        foreach (var someone in new[] { carer, nurse })
        {
            var asked = await someone.PostAsJsonAsync($"/api/record/patients/{patient}/proxies", new { carerEmail = SecureApp.Email(Roles.Carer) });
            Assert.Equal(HttpStatusCode.Forbidden, asked.StatusCode);
            Assert.Contains("Only the patient can give or withdraw a carer's access", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The patient withdraws the proxy: from then on the carer sees nothing and cannot comment; the plan is intact.
        var proxies = await SecureApp.JsonAsync(await me.GetAsync($"/api/record/patients/{patient}/proxies"));
        var proxyId = proxies.EnumerateArray().First(p => p.GetProperty("withdrawnAt").ValueKind == System.Text.Json.JsonValueKind.Null).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await me.DeleteAsync($"/api/record/patients/{patient}/proxies/{proxyId}")).StatusCode);
        var after = await carer.GetAsync("/api/care/me");
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Contains("Nobody has given you access", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await carer.GetAsync($"/api/care/me?patientId={patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await carer.PostAsJsonAsync($"/api/care/goals/{goal}/comments", new { text = "Still here?" })).StatusCode);

        await app.QueryAsync(async db =>
        {
            var comments = await db.GoalComments.Where(c => c.GoalId == goal).OrderBy(c => c.Id).ToListAsync();
            Assert.Equal([JoinedUp.Care.CommentAuthor.Patient, JoinedUp.Care.CommentAuthor.Carer], comments.Select(c => c.Author).ToArray());
            Assert.Equal("Walk to church on Sunday", (await db.Goals.SingleAsync(g => g.Id == goal)).Description);
            return 0;
        });
        Assert.NotEmpty(await app.AuditAsync(e => e.PatientId == patient && e.Action == "careplan.comment"));
        Assert.NotEmpty(await app.AuditAsync(e => e.PatientId == patient && e.Action == "careplan.read" && e.Outcome == JoinedUp.Security.Audit.AuditOutcome.Denied));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_navigator_is_changed_only_to_another_navigator_with_a_reason_and_the_journey_shows_it(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var (patient, _, _, nurse) = await PlanAsync(app);
        using var __ = nurse;
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        var codes = await app.QueryAsync(db => db.Staff.Where(s => s.Role == JoinedUp.Directory.StaffRole.CareNavigator).OrderBy(s => s.StaffCode).Select(s => s.StaffCode).ToListAsync());
        var current = await app.QueryAsync(db => db.CareRelationships.Where(r => r.PatientId == patient && r.Kind == RelationshipKind.Navigator && r.EndedAt == null)
            .Join(db.Staff, r => r.StaffMemberId, s => s.Id, (r, s) => s.StaffCode).SingleAsync());
        var next = codes.First(c => c != current);

        // Malformed JSON is a 400 that says so; nothing changes.
        var malformed = await navigator.PutAsync($"/api/care/patients/{patient}/navigator", new StringContent("{\"staffCode\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("JSON", await malformed.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var noReason = await navigator.PutAsJsonAsync($"/api/care/patients/{patient}/navigator", new { staffCode = next, reason = "leave" });
        Assert.Equal((HttpStatusCode)422, noReason.StatusCode);
        Assert.Contains("Say why", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var notNavigator = await navigator.PutAsJsonAsync($"/api/care/patients/{patient}/navigator", new { staffCode = "NOBODY", reason = "Sam is on leave for six weeks" });
        Assert.Equal((HttpStatusCode)422, notNavigator.StatusCode);
        Assert.Contains(next, await notNavigator.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, (await navigator.PutAsJsonAsync($"/api/care/patients/{patient}/navigator", new { staffCode = current, reason = "Sam is on leave for six weeks" })).StatusCode);
        // Clinicians cannot reassign (the gate).
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.PutAsJsonAsync($"/api/care/patients/{patient}/navigator", new { staffCode = next, reason = "Sam is on leave for six weeks" })).StatusCode);

        var done = await navigator.PutAsJsonAsync($"/api/care/patients/{patient}/navigator", new { staffCode = next, reason = "Sam is on leave for six weeks" });
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        await app.QueryAsync(async db =>
        {
            var rows = await db.CareRelationships.Where(r => r.PatientId == patient && r.Kind == RelationshipKind.Navigator).OrderBy(r => r.Id).ToListAsync();
            Assert.Equal(2, rows.Count);
            Assert.Contains("Sam is on leave", rows[0].EndReason, StringComparison.Ordinal);
            Assert.Null(rows[1].EndedAt);
            return 0;
        });
        var journey = await SecureApp.JsonAsync(await nurse.GetAsync($"/api/care/patients/{patient}/journey"));
        var steps = journey.EnumerateArray().Select(e => e.GetProperty("what").GetString()!).ToList();
        Assert.Contains(steps, s => s.StartsWith("Referral R-", StringComparison.Ordinal));
        Assert.Contains(steps, s => s.Contains("stopped being the care navigator: reassigned", StringComparison.Ordinal));
        Assert.Contains("Plan started", steps);
        // Oldest first.
        var times = journey.EnumerateArray().Select(e => e.GetProperty("at").GetDateTime()).ToList();
        Assert.Equal(times.Order().ToList(), times);
        // Someone with no relationship gets nothing.
        var stranger = await app.StrangerAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.GetAsync($"/api/care/patients/{stranger}/journey")).StatusCode);
    }
}
