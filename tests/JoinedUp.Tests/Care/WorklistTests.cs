using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JoinedUp.Tests.Care;

/// <summary>The care worklists (issue 6, docs/adr/0005 point 4): caseload, people at risk, team lead; keyset paged and audited once a page.</summary>
public class WorklistTests
{
    private static readonly Dictionary<string, string?> Answers = new() { ["what-matters"] = "Staying at home", ["living"] = "With family", ["mobility"] = "Independent", ["falls"] = "no" };

    /// <summary>Referral and triage by the single point of access, as a coordinator does it.</summary>
    private static async Task TriageAsync(HttpClient spa, long patient, string[] services)
    {
        var sent = await SecureApp.JsonAsync(await spa.PostAsJsonAsync("/api/referrals", new { source = "community-service", patientId = patient, reason = "Leg ulcer and low mood" }));
        var reference = sent.GetProperty("reference").GetString();
        var version = (await SecureApp.JsonAsync(await spa.GetAsync($"/api/referrals/{reference}/triage"))).GetProperty("version").GetInt32();
        var routed = await spa.PostAsJsonAsync($"/api/referrals/{reference}/triage", new { services, urgency = "routine", overrideReason = "Chosen by the coordinator for this test", version, answers = Answers });
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
    }

    /// <summary>The receiving team accepts every referral routed to it for these people.</summary>
    private static async Task AcceptRoutesAsync(HttpClient team, params long[] patients)
    {
        var waiting = await SecureApp.JsonAsync(await team.GetAsync("/api/referrals/team"));
        foreach (var route in waiting.EnumerateArray().Where(r => r.GetProperty("patientId").ValueKind == JsonValueKind.Number && patients.Contains(r.GetProperty("patientId").GetInt64())))
        {
            Assert.True((await team.PostAsync($"/api/referrals/routes/{route.GetProperty("routeId").GetInt64()}/accept", null)).IsSuccessStatusCode);
        }
    }

    private static async Task<long> TaskAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await SecureApp.JsonAsync(response)).GetProperty("id").GetInt64();
    }

    private static Task<List<long>> FreshAdultsAsync(SecureApp app, int n) => app.QueryAsync(db => db.Patients
        .Where(p => !db.CareRelationships.Any(r => r.PatientId == p.Id) && !db.Referrals.Any(r => r.PatientId == p.Id) && p.BirthDate < new DateOnly(1980, 1, 1) && p.NhsNumber != null)
        .OrderBy(p => p.Id).Select(p => p.Id).Take(n).ToListAsync());

    private static async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await SecureApp.JsonAsync(response);
    }

    private static List<long> Ids(JsonElement page, string id = "patientId") => page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty(id).GetInt64()).ToList();

    /// <summary>Walks a worklist one row a page, following <c>next</c>, and returns the ids in order.</summary>
    private static async Task<List<long>> WalkAsync(HttpClient client, string url, string id = "patientId")
    {
        var seen = new List<long>();
        string? next = null;
        for (var pages = 0; pages < 50; pages++)
        {
            var page = await GetAsync(client, $"{url}{(url.Contains('?', StringComparison.Ordinal) ? "&" : "?")}limit=1{(next is null ? "" : "&after=" + Uri.EscapeDataString(next))}");
            var rows = Ids(page, id);
            Assert.True(rows.Count <= 1);
            seen.AddRange(rows);
            next = page.GetProperty("next").ValueKind == JsonValueKind.String ? page.GetProperty("next").GetString() : null;
            if (next is null) return seen;
        }
        throw new InvalidOperationException("the cursor never ended");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_clinician_sees_the_caseload_of_their_teams_by_next_due_contact_with_overdue_and_review_filters_and_another_team_sees_none_of_it(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var demo = await app.DemoPatientAsync();
        var fresh = await FreshAdultsAsync(app, 2);
        var (q, r) = (fresh[0], fresh[1]);
        using (var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator)))
        {
            await TriageAsync(spa, q, ["adult-community-nursing"]);
            await TriageAsync(spa, r, ["adult-community-nursing"]);
        }
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        await AcceptRoutesAsync(nurse, q, r);
        var qFollowUp = await TaskAsync(await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = q, description = "Phone call: how is the dressing holding up?", dueInHours = 24 }));
        await TaskAsync(await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = r, description = "Phone call: check the new stockings", dueInHours = 24 * 5 }));
        // Q's plan: review due in 28 days. R's plan: a visit by the nursing team in two days.
        var qPlan = await SecureApp.JsonAsync(await nurse.PostAsJsonAsync("/api/care/plans", new { patientId = q }));
        var rPlan = (await SecureApp.JsonAsync(await nurse.PostAsJsonAsync("/api/care/plans", new { patientId = r }))).GetProperty("id").GetInt64();
        var today = DateOnly.FromDateTime(JoinedUp.Access.UkClock.ToLocal(app.Clock.GetUtcNow().UtcDateTime));
        Assert.Equal(HttpStatusCode.Created, (await nurse.PostAsJsonAsync($"/api/care/plans/{rPlan}/activities",
            new { description = "Home visit: dress the leg ulcer", owner = "team", serviceCode = "adult-community-nursing", due = today.AddDays(2), status = "scheduled" })).StatusCode);
        // A hand-over of the demo patient to psychology is psychology's work, not the nursing team's.
        await TaskAsync(await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = demo, serviceCode = "adult-psychology", note = "Low mood since the ulcer, would like to talk to someone" }));

        // Now: Q's call tomorrow, then R's visit in two days, then the demo patient with nothing due (last).
        var audited = (await app.AuditAsync(e => e.Resource == "CareTask?worklist=caseload")).Count;
        var all = await GetAsync(nurse, "/api/care/worklists/caseload");
        Assert.Equal([q, r, demo], Ids(all));
        Assert.Equal(audited + 1, (await app.AuditAsync(e => e.Resource == "CareTask?worklist=caseload")).Count);
        var counts = all.GetProperty("counts");
        Assert.Equal((3, 0, 0, 0), (counts.GetProperty("people").GetInt32(), counts.GetProperty("overdue").GetInt32(), counts.GetProperty("dueToday").GetInt32(), counts.GetProperty("reviewDue").GetInt32()));
        var rows = all.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal("task", rows[0].GetProperty("nextDueWhat").GetString());
        Assert.Equal("activity", rows[1].GetProperty("nextDueWhat").GetString());
        Assert.Equal(today.AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), rows[1].GetProperty("nextActivityDue").GetString());
        Assert.Equal(JsonValueKind.Null, rows[2].GetProperty("nextDueAt").ValueKind);
        Assert.Equal(qPlan.GetProperty("reviewDue").GetString(), rows[0].GetProperty("reviewDue").GetString());
        Assert.Equal(Ids(all), await WalkAsync(nurse, "/api/care/worklists/caseload"));

        // 25 hours on: Q's call is overdue (and due today); nothing else is.
        app.Clock.Advance(TimeSpan.FromHours(25));
        using var nurse2 = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var overdue = await GetAsync(nurse2, "/api/care/worklists/caseload?filter=overdue");
        Assert.Equal([q], Ids(overdue));
        Assert.True(overdue.GetProperty("rows")[0].GetProperty("overdue").GetBoolean());
        Assert.Equal(1, overdue.GetProperty("counts").GetProperty("overdue").GetInt32());
        Assert.Contains(q, Ids(await GetAsync(nurse2, "/api/care/worklists/caseload?filter=due-today")));
        Assert.Empty(Ids(await GetAsync(nurse2, "/api/care/worklists/caseload?filter=review-due")));

        // Completing the call clears it; three weeks on, Q's plan review (28 days) is within 7 days, and R's visit and call are overdue.
        Assert.Equal(HttpStatusCode.OK, (await nurse2.PostAsync($"/api/care/tasks/{qFollowUp}/complete", null)).StatusCode);
        app.Clock.Advance(TimeSpan.FromDays(22));
        using var nurse3 = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal([r, q], Ids(await GetAsync(nurse3, "/api/care/worklists/caseload?filter=review-due"))); // both plans started today; R first: its visit is due
        var later = await GetAsync(nurse3, "/api/care/worklists/caseload");
        Assert.Equal([r, .. new[] { demo, q }.Order()], Ids(later)); // Q and the demo patient have nothing due: last, by patient id
        Assert.Equal([r], Ids(await GetAsync(nurse3, "/api/care/worklists/caseload?filter=overdue")));
        Assert.Equal(Ids(later), await WalkAsync(nurse3, "/api/care/worklists/caseload"));

        // Another team's clinician sees none of the nursing caseload.
        using var psychologist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology"));
        var theirs = await GetAsync(psychologist, "/api/care/worklists/caseload");
        Assert.Empty(Ids(theirs));
        Assert.Equal(0, theirs.GetProperty("counts").GetProperty("people").GetInt32());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_navigator_sees_people_at_risk_with_each_reason_and_counts_until_the_work_is_done_and_then_after_14_days_without_contact(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var demo = await app.DemoPatientAsync();
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var handOver = await TaskAsync(await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = demo, serviceCode = "adult-psychology", note = "Low mood since the ulcer, would like to talk to someone" }));
        var followUp = await TaskAsync(await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = demo, description = "Phone call within 24 hours of discharge", dueInHours = 24 }));
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        var none = await GetAsync(navigator, "/api/care/worklists/at-risk");
        Assert.Empty(Ids(none));
        Assert.Equal(1, none.GetProperty("counts").GetProperty("navigated").GetInt32());

        static List<string> Reasons(JsonElement page) => page.GetProperty("rows")[0].GetProperty("reasons").EnumerateArray().Select(x => x.GetString()!).ToList();
        app.Clock.Advance(TimeSpan.FromHours(25));
        using var navigator2 = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        var missed = await GetAsync(navigator2, "/api/care/worklists/at-risk");
        Assert.Equal([demo], Ids(missed));
        Assert.Equal(["MissedFollowUp"], Reasons(missed));

        app.Clock.Advance(TimeSpan.FromHours(24));
        using var navigator3 = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        var both = await GetAsync(navigator3, "/api/care/worklists/at-risk");
        Assert.Equal(["HandOverNotAccepted", "MissedFollowUp"], Reasons(both));
        var c = both.GetProperty("counts");
        Assert.Equal((1, 1, 1, 1, 0), (c.GetProperty("navigated").GetInt32(), c.GetProperty("atRisk").GetInt32(), c.GetProperty("handOverNotAccepted").GetInt32(), c.GetProperty("missedFollowUp").GetInt32(), c.GetProperty("noContact").GetInt32()));
        Assert.Equal([demo], Ids(await GetAsync(navigator3, "/api/care/worklists/at-risk?reason=hand-over-not-accepted")));
        Assert.Empty(Ids(await GetAsync(navigator3, "/api/care/worklists/at-risk?reason=no-contact")));
        // A clinician navigates nobody.
        using var nurse2 = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Empty(Ids(await GetAsync(nurse2, "/api/care/worklists/at-risk")));

        // The work is done: psychology accepts, the nurse makes the call. The person is no longer at risk...
        using var psychologist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology"));
        Assert.Equal(HttpStatusCode.OK, (await psychologist.PostAsync($"/api/care/tasks/{handOver}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await nurse2.PostAsync($"/api/care/tasks/{followUp}/complete", null)).StatusCode);
        var completedAt = app.Clock.GetUtcNow().UtcDateTime;
        Assert.Empty(Ids(await GetAsync(navigator3, "/api/care/worklists/at-risk")));

        // ...until 14 days pass without contact (the call was the last contact); 30 days asked: not yet.
        app.Clock.Advance(TimeSpan.FromDays(14) + TimeSpan.FromHours(1));
        using var navigator4 = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        var quiet = await GetAsync(navigator4, "/api/care/worklists/at-risk?reason=no-contact");
        Assert.Equal([demo], Ids(quiet));
        Assert.Equal(["NoContact"], Reasons(quiet));
        Assert.Equal(completedAt, quiet.GetProperty("rows")[0].GetProperty("lastContactAt").GetDateTime().ToUniversalTime(), TimeSpan.FromMilliseconds(1));
        Assert.Empty(Ids(await GetAsync(navigator4, "/api/care/worklists/at-risk?days=30")));

        // More people for this navigator, quiet for longer: keyset paging one at a time sees each once, longest waiting first.
        var more = await FreshAdultsAsync(app, 3);
        var navigatorStaff = await app.QueryAsync(db => db.CareRelationships.Where(x => x.PatientId == demo && x.Kind == RelationshipKind.Navigator && x.EndedAt == null).Select(x => x.StaffMemberId!.Value).FirstAsync());
        await app.QueryAsync(async db =>
        {
            var now = app.Clock.GetUtcNow().UtcDateTime;
            for (var i = 0; i < more.Count; i++)
            {
                db.CareRelationships.Add(new CareRelationship { PatientId = more[i], Kind = RelationshipKind.Navigator, StaffMemberId = navigatorStaff, StartedAt = now.AddDays(-20 - i), Source = "test" });
            }
            return await db.SaveChangesAsync();
        });
        var page = await GetAsync(navigator4, "/api/care/worklists/at-risk");
        Assert.Equal([more[2], more[1], more[0], demo], Ids(page));
        Assert.Equal(4, page.GetProperty("counts").GetProperty("noContact").GetInt32());
        Assert.Equal(Ids(page), await WalkAsync(navigator4, "/api/care/worklists/at-risk"));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_team_lead_sees_waiting_hand_overs_overdue_and_escalated_tasks_and_caseload_of_the_teams_they_lead_only(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var demo = await app.DemoPatientAsync();
        // The demo nurse leads the nursing team (the first clinician of each team is its lead in the demo borough).
        var nursingTeam = await app.QueryAsync(db => db.Teams.Where(t => t.Service!.Code == "adult-community-nursing").OrderBy(t => t.Id).Select(t => t.Id).FirstAsync());
        await app.QueryAsync(async db =>
        {
            var staff = await db.Users.Where(u => u.Email == SecureApp.Email(Roles.Clinician)).Select(u => u.StaffMemberId).FirstAsync();
            return await db.TeamMemberships.Where(m => m.StaffMemberId == staff && m.TeamId == nursingTeam).ExecuteUpdateAsync(s => s.SetProperty(m => m.IsLead, true));
        });
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var call = await TaskAsync(await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = demo, description = "Phone call within 24 hours of discharge", dueInHours = 24 }));
        var visit = await TaskAsync(await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = demo, description = "Check the dressing at the clinic", dueInHours = 24 * 10 }));
        // A person handed over to nursing by psychology, waiting for nursing to accept.
        var q = (await FreshAdultsAsync(app, 1))[0];
        using (var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator))) await TriageAsync(spa, q, ["adult-psychology"]);
        var psychologistEmail = await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology");
        using var psychologist = await app.SignInAsync(psychologistEmail);
        await AcceptRoutesAsync(psychologist, q);
        var handOver = await TaskAsync(await psychologist.PostAsJsonAsync("/api/care/handovers", new { patientId = q, serviceCode = "adult-community-nursing", note = "Leg ulcer needs dressing twice a week" }));

        var first = await GetAsync(nurse, "/api/care/worklists/team");
        var totals = first.GetProperty("totals");
        Assert.Equal((1, 0, 0, 1), (totals.GetProperty("handOversWaiting").GetInt32(), totals.GetProperty("overdueTasks").GetInt32(), totals.GetProperty("escalatedToLead").GetInt32(), totals.GetProperty("caseload").GetInt32()));
        Assert.Equal(nursingTeam, first.GetProperty("teams")[0].GetProperty("teamId").GetInt32());
        Assert.Empty(Ids(first, "taskId"));
        Assert.Equal([handOver], Ids(await GetAsync(nurse, "/api/care/worklists/team?show=hand-overs"), "taskId"));

        // Two days on the call and the hand-over are overdue; the escalation job takes them to the navigator, then a day later to the lead.
        app.Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(1));
        await using (var scope = app.Factory.Services.CreateAsyncScope()) await scope.ServiceProvider.GetRequiredService<JoinedUp.Care.EscalationService>().RunAsync(default);
        app.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromHours(1));
        await using (var scope = app.Factory.Services.CreateAsyncScope()) await scope.ServiceProvider.GetRequiredService<JoinedUp.Care.EscalationService>().RunAsync(default);
        using var lead = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var escalated = await GetAsync(lead, "/api/care/worklists/team");
        totals = escalated.GetProperty("totals");
        Assert.Equal((1, 2, 2, 1), (totals.GetProperty("handOversWaiting").GetInt32(), totals.GetProperty("overdueTasks").GetInt32(), totals.GetProperty("escalatedToLead").GetInt32(), totals.GetProperty("caseload").GetInt32()));
        Assert.Equal([call, handOver], Ids(escalated, "taskId")); // due order: the call (24 h) before the hand-over (48 h)
        Assert.Equal([call, handOver], await WalkAsync(lead, "/api/care/worklists/team", "taskId"));
        Assert.Equal([call, handOver], Ids(await GetAsync(lead, "/api/care/worklists/team?show=overdue"), "taskId"));
        Assert.DoesNotContain(visit, Ids(escalated, "taskId"));

        // Psychology's clinician leads no team here (or leads psychology, which has none of this): never the nursing team's tasks.
        using var psychologistLater = await app.SignInAsync(psychologistEmail);
        var theirs = await GetAsync(psychologistLater, "/api/care/worklists/team");
        Assert.DoesNotContain(theirs.GetProperty("rows").EnumerateArray(), t => t.GetProperty("teamId").GetInt32() == nursingTeam);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_bad_cursor_filter_or_limit_is_422_with_what_to_send(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        foreach (var url in new[]
        {
            "/api/care/worklists/caseload?after=nonsense", "/api/care/worklists/caseload?filter=urgent", "/api/care/worklists/caseload?limit=0",
            "/api/care/worklists/caseload?limit=201", "/api/care/worklists/at-risk?reason=bored", "/api/care/worklists/at-risk?days=0",
            "/api/care/worklists/at-risk?after=-.5", "/api/care/worklists/team?show=everything", "/api/care/worklists/team?after=1.x",
        })
        {
            var response = await nurse.GetAsync(url);
            Assert.True(response.StatusCode == (HttpStatusCode)422, $"{url}: {(int)response.StatusCode}");
            Assert.False(string.IsNullOrWhiteSpace((await SecureApp.JsonAsync(response)).GetProperty("detail").GetString()));
        }
        // The page: the caseload with a link to the record, the lead's teams, a bad cursor explained; a navigator gets the at-risk tab.
        var demo = await app.DemoPatientAsync();
        var html = await nurse.GetStringAsync("/care");
        Assert.Contains("data-testid=\"caseload\"", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"/record/{demo}\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"team-counts\"", await nurse.GetStringAsync("/care?tab=team"), StringComparison.Ordinal);
        Assert.Contains("data-testid=\"errors\"", await nurse.GetStringAsync("/care?after=nonsense"), StringComparison.Ordinal);
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        Assert.Contains("data-testid=\"at-risk-empty\"", await navigator.GetStringAsync("/care?tab=at-risk"), StringComparison.Ordinal);

        // Someone without task.manage is refused by the gate.
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        Assert.Equal(HttpStatusCode.Forbidden, (await commissioner.GetAsync("/api/care/worklists/caseload")).StatusCode);
    }
}
