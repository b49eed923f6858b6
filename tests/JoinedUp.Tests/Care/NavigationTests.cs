using System.Net;
using System.Net.Http.Json;
using JoinedUp.Directory;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JoinedUp.Tests.Care;

/// <summary>Care navigation (issue 6, first part): a person routed to more than one service gets a navigator.</summary>
public class NavigationTests
{
    private static readonly Dictionary<string, string?> Answers = new() { ["what-matters"] = "Staying at home", ["living"] = "With family", ["mobility"] = "Independent", ["falls"] = "no" };

    /// <summary>One run of the escalation job, as the scheduler runs it.</summary>
    private static async Task<JoinedUp.Care.EscalationRun> EscalateAsync(SecureApp app)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JoinedUp.Care.EscalationService>().RunAsync(default);
    }

    private static async Task TriageAsync(HttpClient spa, long patient, string[] services)
    {
        var sent = await SecureApp.JsonAsync(await spa.PostAsJsonAsync("/api/referrals", new { source = "community-service", patientId = patient, reason = "Leg ulcer, toenails and low mood" }));
        var reference = sent.GetProperty("reference").GetString();
        var version = (await SecureApp.JsonAsync(await spa.GetAsync($"/api/referrals/{reference}/triage"))).GetProperty("version").GetInt32();
        var routed = await spa.PostAsJsonAsync($"/api/referrals/{reference}/triage", new { services, urgency = "routine", overrideReason = "Chosen by the coordinator for this test", version, answers = Answers });
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_person_routed_to_two_services_gets_the_least_busy_care_navigator_and_one_service_gets_none(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var (two, one) = await app.QueryAsync(async db =>
        {
            var ids = await db.Patients.Where(p => !db.CareRelationships.Any(r => r.PatientId == p.Id) && p.BirthDate < new DateOnly(1980, 1, 1)).OrderBy(p => p.Id).Select(p => p.Id).Take(2).ToListAsync();
            return (ids[0], ids[1]);
        });
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        await TriageAsync(spa, one, ["adult-community-nursing"]);
        await TriageAsync(spa, two, ["adult-community-nursing", "foot-health"]);

        await app.QueryAsync(async db =>
        {
            Assert.False(await db.CareRelationships.AnyAsync(r => r.PatientId == one && r.Kind == RelationshipKind.Navigator));
            var assigned = await db.CareRelationships.SingleAsync(r => r.PatientId == two && r.Kind == RelationshipKind.Navigator && r.EndedAt == null);
            Assert.Equal(StaffRole.CareNavigator, await db.Staff.Where(s => s.Id == assigned.StaffMemberId).Select(s => s.Role).FirstAsync());
            // The least busy: nobody else has fewer people.
            var loads = await db.Staff.Where(s => s.Role == StaffRole.CareNavigator)
                .Select(s => db.CareRelationships.Count(r => r.StaffMemberId == s.Id && r.Kind == RelationshipKind.Navigator && r.EndedAt == null)).ToListAsync();
            var mine = await db.CareRelationships.CountAsync(r => r.StaffMemberId == assigned.StaffMemberId && r.Kind == RelationshipKind.Navigator && r.EndedAt == null);
            Assert.True(mine - 1 <= loads.Min(), $"assigned a navigator with {mine - 1} people when one had {loads.Min()}");
            return 0;
        });
        Assert.Single(await app.AuditAsync(e => e.PatientId == two && e.Basis == "care navigator assigned: more than one service"));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_hand_over_stays_open_until_the_receiving_team_accepts_and_an_ineligible_or_full_service_is_refused_with_the_reason(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));

        // The demo patient is an adult: a children's service refuses, saying why; nothing is created.
        var child = await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "children-salt", note = "Speech unclear since last month" });
        Assert.Equal((HttpStatusCode)422, child.StatusCode);
        Assert.Contains("Children's speech and language therapy cannot take this person", await child.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, (await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "no-such-service", note = "Please see this person soon" })).StatusCode);
        Assert.Equal((HttpStatusCode)422, (await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "foot-health", note = "x" })).StatusCode);

        // A service with no room: foot health's queue filled far past its weekly capacity.
        await app.QueryAsync(async db =>
        {
            var foot = await db.Services.Where(s => s.Code == "foot-health").Select(s => s.Id).FirstAsync();
            var podiatryTeam = await db.Teams.Where(t => t.ServiceId == foot).OrderBy(t => t.Id).Select(t => t.Id).FirstAsync();
            var others = await db.Patients.Where(p => p.Id != patient).OrderBy(p => p.Id).Take(200).Select(p => p.Id).ToListAsync();
            var now = DateTime.UtcNow;
            // 400 waiting for 80 places a week: a 35-day wait, over the 28-day routine target.
            foreach (var other in Enumerable.Range(0, 400).Select(i => others[i % others.Count]))
            {
                var r = new JoinedUp.Access.Referral { Reference = JoinedUp.Access.ReferralIntake.NewReference(), PatientId = other, GivenName = "A", FamilyName = "B", Reason = "queue", ReferrerName = "test", Status = JoinedUp.Access.ReferralStatus.Routed, ReceivedAt = now, LastUpdated = now };
                db.Referrals.Add(r);
                db.ReferralRoutes.Add(new JoinedUp.Access.ReferralRoute { Referral = r, ServiceId = foot, TeamId = podiatryTeam, Status = JoinedUp.Access.RouteStatus.Waiting, Reason = "queue", RoutedAt = now });
            }
            await db.SaveChangesAsync();
            return 0;
        });
        var full = await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "foot-health", note = "Thick toenails, cannot reach her feet" });
        Assert.Equal((HttpStatusCode)422, full.StatusCode);
        Assert.Contains("has no capacity", await full.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A service with room: open until accepted; the receiving team sees it and may read the record to decide.
        var sent = await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "adult-psychology", note = "Low mood since the ulcer, would like to talk to someone" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var taskId = (await SecureApp.JsonAsync(sent)).GetProperty("id").GetInt64();
        // Sent twice (a double click, a page refreshed): the second is refused, naming the waiting one.
        var twice = await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "adult-psychology", note = "Low mood since the ulcer, would like to talk to someone" });
        Assert.Equal((HttpStatusCode)422, twice.StatusCode);
        Assert.Contains("already has a hand-over for this person", await twice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var psychologist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology"));
        var incoming = await SecureApp.JsonAsync(await psychologist.GetAsync("/api/care/tasks/incoming"));
        Assert.Contains(incoming.EnumerateArray(), t => t.GetProperty("id").GetInt64() == taskId && t.GetProperty("status").GetString() == "Requested");
        Assert.Equal(HttpStatusCode.OK, (await psychologist.GetAsync($"/api/record/patients/{patient}")).StatusCode);
        // Only the receiving team accepts.
        Assert.Equal(HttpStatusCode.NotFound, (await nurse.PostAsync($"/api/care/tasks/{taskId}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await psychologist.PostAsync($"/api/care/tasks/{taskId}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await psychologist.PostAsync($"/api/care/tasks/{taskId}/accept", null)).StatusCode);
        await app.QueryAsync(async db =>
        {
            var team = await db.Teams.Where(t => t.Service!.Code == "adult-psychology").OrderBy(t => t.Id).Select(t => t.Id).FirstAsync();
            Assert.True(await db.CareRelationships.AnyAsync(r => r.PatientId == patient && r.TeamId == team && r.Kind == RelationshipKind.Caseload && r.EndedAt == null));
            Assert.False(await db.CareRelationships.AnyAsync(r => r.PatientId == patient && r.TeamId == team && r.Kind == RelationshipKind.Referral && r.EndedAt == null));
            return 0;
        });
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task An_unaccepted_hand_over_escalates_to_the_navigator_when_overdue_and_to_the_team_lead_a_day_later_once_each(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var sent = await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "adult-psychology", note = "Low mood since the ulcer, would like to talk to someone" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var taskId = (await SecureApp.JsonAsync(sent)).GetProperty("id").GetInt64();
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        Assert.Empty((await SecureApp.JsonAsync(await navigator.GetAsync("/api/care/tasks/escalated"))).EnumerateArray());

        Task<JoinedUp.Care.EscalationRun> Run() => EscalateAsync(app);
        async Task<int> Level() => await app.QueryAsync(db => db.CareTasks.Where(t => t.Id == taskId).Select(t => t.EscalationLevel).FirstAsync());

        // Not due yet: nothing happens, however often the job runs.
        Assert.Equal(new JoinedUp.Care.EscalationRun(0, 0), await Run());
        Assert.Empty((await SecureApp.JsonAsync(await navigator.GetAsync("/api/care/tasks/escalated"))).EnumerateArray());

        app.Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await Run()).ToNavigator);
        Assert.Equal(new JoinedUp.Care.EscalationRun(0, 0), await Run()); // once only
        Assert.Equal(1, await Level());
        // The demo patient's navigator sees it (signing in again: two days on, the morning's session has expired).
        using var navigatorLater = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        Assert.Contains((await SecureApp.JsonAsync(await navigatorLater.GetAsync("/api/care/tasks/escalated"))).EnumerateArray(), t => t.GetProperty("id").GetInt64() == taskId);

        app.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await Run()).ToTeamLead);
        Assert.Equal(2, await Level());
        Assert.Equal(2, (await app.AuditAsync(e => e.Action == "task.escalate" && e.Resource == $"CareTask/{taskId}")).Count);

        // Once accepted, it no longer escalates or shows.
        using var psychologist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology"));
        Assert.Equal(HttpStatusCode.OK, (await psychologist.PostAsync($"/api/care/tasks/{taskId}/accept", null)).StatusCode);
        using var navigatorNextDay = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        Assert.DoesNotContain((await SecureApp.JsonAsync(await navigatorNextDay.GetAsync("/api/care/tasks/escalated"))).EnumerateArray(), t => t.GetProperty("id").GetInt64() == taskId);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_follow_up_missed_past_48_hours_escalates_to_the_navigator_and_stops_when_completed(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal((HttpStatusCode)422, (await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = patient, description = "Call", dueInHours = 0 })).StatusCode);
        var made = await nurse.PostAsJsonAsync("/api/care/followups", new { patientId = patient, description = "Phone call within 48 hours of discharge: how are you managing?" });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var taskId = (await SecureApp.JsonAsync(made)).GetProperty("id").GetInt64();

        Task<JoinedUp.Care.EscalationRun> Run() => EscalateAsync(app);
        app.Clock.Advance(TimeSpan.FromHours(47));
        Assert.Equal(0, (await Run()).ToNavigator);
        app.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, (await Run()).ToNavigator);
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        Assert.Contains((await SecureApp.JsonAsync(await navigator.GetAsync("/api/care/tasks/escalated"))).EnumerateArray(), t => t.GetProperty("id").GetInt64() == taskId);

        using var nurseLater = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal(HttpStatusCode.OK, (await nurseLater.PostAsync($"/api/care/tasks/{taskId}/complete", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await nurseLater.PostAsync($"/api/care/tasks/{taskId}/complete", null)).StatusCode);
        Assert.DoesNotContain((await SecureApp.JsonAsync(await navigator.GetAsync("/api/care/tasks/escalated"))).EnumerateArray(), t => t.GetProperty("id").GetInt64() == taskId);
        app.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(new JoinedUp.Care.EscalationRun(0, 0), await Run());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_receiving_team_declines_a_hand_over_with_a_reason_the_journey_shows_why_and_its_access_for_deciding_ends(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var sent = await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "adult-psychology", note = "Low mood since the ulcer, would like to talk to someone" });
        var taskId = (await SecureApp.JsonAsync(sent)).GetProperty("id").GetInt64();
        using var psychologist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology"));
        Assert.Equal(HttpStatusCode.OK, (await psychologist.GetAsync($"/api/record/patients/{patient}")).StatusCode);

        // Only the receiving team, and only with a reason.
        Assert.Equal(HttpStatusCode.NotFound, (await nurse.PostAsJsonAsync($"/api/care/tasks/{taskId}/decline", new { reason = "Not for the nursing team to decide" })).StatusCode);
        var bare = await psychologist.PostAsJsonAsync($"/api/care/tasks/{taskId}/decline", new { reason = "no" });
        Assert.Equal((HttpStatusCode)422, bare.StatusCode);
        Assert.Contains("Say why your team cannot take this person", await bare.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        const string why = "Needs the community mental health team first: please refer through the single point of access.";
        var declined = await psychologist.PostAsJsonAsync($"/api/care/tasks/{taskId}/decline", new { reason = why });
        Assert.Equal(HttpStatusCode.OK, declined.StatusCode);
        Assert.Equal("Rejected", (await SecureApp.JsonAsync(declined)).GetProperty("status").GetString());
        // Declined once: accepting or declining again is a conflict; the team's access for deciding has ended.
        Assert.Equal(HttpStatusCode.Conflict, (await psychologist.PostAsync($"/api/care/tasks/{taskId}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await psychologist.PostAsJsonAsync($"/api/care/tasks/{taskId}/decline", new { reason = why })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await psychologist.GetAsync($"/api/record/patients/{patient}")).StatusCode);

        // The sender sees why on the journey, and may hand over again (nothing is waiting any more).
        var journey = await SecureApp.JsonAsync(await nurse.GetAsync($"/api/care/patients/{patient}/journey"));
        Assert.Contains(journey.EnumerateArray(), e => e.GetProperty("what").GetString()!.Contains("declined the hand-over: " + why, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, (await nurse.PostAsJsonAsync("/api/care/handovers", new { patientId = patient, serviceCode = "adult-psychology", note = "Seen by mental health now; asking again for talking therapy" })).StatusCode);
        Assert.Single(await app.AuditAsync(e => e.Resource == $"CareTask/{taskId}" && e.Basis == "hand-over declined"));
    }
}
