using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Access;

/// <summary>The single point of access through HTTP: intake, idempotency and duplicate races, triage, the receiving teams, bad input.</summary>
public class ReferralApiTests
{
    private static readonly Dictionary<string, string?> Answers = new()
    {
        ["what-matters"] = "Getting back to the market on Saturdays",
        ["living"] = "Alone",
        ["mobility"] = "Uses a walking aid",
        ["falls"] = "yes",
    };

    private static async Task<HttpResponseMessage> ReferAsync(HttpClient client, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/referrals") { Content = JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Coordinator_triages_a_referral_to_two_services_with_one_shared_assessment_and_both_teams_see_it(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        var sent = await ReferAsync(practice, new { source = "gp", patientId = patient, reason = "Leg ulcer not healing, lives alone, struggling with toenails" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var reference = (await SecureApp.JsonAsync(sent)).GetProperty("reference").GetString()!;
        Assert.Matches("^R-[2-9A-HJ-NP-Z]{8}$", reference);

        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var worklist = await SecureApp.JsonAsync(await spa.GetAsync("/api/referrals/worklist"));
        Assert.Contains(worklist.GetProperty("toTriage").EnumerateArray(), i => i.GetProperty("reference").GetString() == reference);

        var triage = await SecureApp.JsonAsync(await spa.GetAsync($"/api/referrals/{reference}/triage"));
        Assert.True(triage.GetProperty("matched").GetBoolean());
        var version = triage.GetProperty("version").GetInt32();
        Assert.NotEqual(JsonValueKind.Null, triage.GetProperty("suggestion").ValueKind);

        // A change from the suggestion without a reason is refused and says what changed; nothing is routed.
        var services = new[] { "adult-community-nursing", "foot-health" };
        var noReason = await spa.PostAsJsonAsync($"/api/referrals/{reference}/triage", new { services, urgency = "within-2-hours", answers = Answers, version });
        // The rules suggest routine for a leg ulcer, so asking for 2 hours is an override: without a reason it is refused.
        Assert.NotEqual("within-2-hours", triage.GetProperty("suggestion").GetProperty("urgency").GetString());
        Assert.Equal((HttpStatusCode)422, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        // A missing required answer is refused too, naming the question.
        var missing = await spa.PostAsJsonAsync($"/api/referrals/{reference}/triage", new { services, urgency = "within-2-hours", overrideReason = "Ulcer and nails: nursing and podiatry together", answers = new Dictionary<string, string?> { ["living"] = "Alone" }, version });
        Assert.Equal((HttpStatusCode)422, missing.StatusCode);
        Assert.Contains("What matters most", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var routed = await spa.PostAsJsonAsync($"/api/referrals/{reference}/triage", new { services, urgency = "within-2-hours", overrideReason = "Ulcer and nails: nursing and podiatry together", answers = Answers, version });
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        // The same decision again (a second coordinator, or a double click) is a conflict, not a second routing.
        var again = await spa.PostAsJsonAsync($"/api/referrals/{reference}/triage", new { services, urgency = "within-2-hours", overrideReason = "Ulcer and nails: nursing and podiatry together", answers = Answers, version });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // Both receiving teams see it, with the one holistic assessment; each may open the record.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        using var podiatrist = await app.SignInAsync(await SecurityTestUsers.CreateTeamClinicianAsync(app, "foot-health"));
        foreach (var team in new[] { nurse, podiatrist })
        {
            var list = await SecureApp.JsonAsync(await team.GetAsync("/api/referrals/team"));
            var item = list.EnumerateArray().Single(i => i.GetProperty("reference").GetString() == reference && !i.GetProperty("isBooking").GetBoolean());
            Assert.Equal(JsonValueKind.Array, item.GetProperty("holistic").ValueKind);
            Assert.Equal(HttpStatusCode.OK, (await team.GetAsync($"/api/record/patients/{patient}")).StatusCode);
        }
        var podiatryRoute = (await SecureApp.JsonAsync(await podiatrist.GetAsync("/api/referrals/team"))).EnumerateArray().Single(i => i.GetProperty("reference").GetString() == reference).GetProperty("routeId").GetInt64();
        // Another team cannot act on the podiatry route.
        Assert.Equal(HttpStatusCode.NotFound, (await nurse.PostAsync($"/api/referrals/routes/{podiatryRoute}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await podiatrist.PostAsync($"/api/referrals/routes/{podiatryRoute}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await podiatrist.PostAsync($"/api/referrals/routes/{podiatryRoute}/accept", null)).StatusCode);

        await app.QueryAsync(async db =>
        {
            var r = await db.Referrals.SingleAsync(x => x.Reference == reference);
            Assert.Equal(ReferralStatus.Accepted, r.Status);
            Assert.Equal(Urgency.Within2Hours, r.Urgency);
            Assert.NotNull(r.EpisodeId);
            // Tell us once: one holistic assessment in the episode, read by both services.
            Assert.Equal(1, await db.Assessments.CountAsync(a => a.EpisodeId == r.EpisodeId && a.Scope == Assessment.HolisticScope));
            var routes = await db.ReferralRoutes.Where(x => x.ReferralId == r.Id && !x.IsBooking).ToListAsync();
            Assert.Equal(2, routes.Count);
            // The podiatry team's referral relationship became a caseload one; the SPA's triage relationship ended.
            var teams = (await db.Teams.Where(t => t.Service!.Code == "foot-health" || t.Service!.Code == "spa").OrderBy(t => t.Id).Select(t => new { t.Service!.Code, t.Id }).ToListAsync())
                .GroupBy(t => t.Code).ToDictionary(g => g.Key, g => g.First().Id);
            Assert.True(await db.CareRelationships.AnyAsync(c => c.PatientId == patient && c.TeamId == teams["foot-health"] && c.Kind == RelationshipKind.Caseload && c.EndedAt == null));
            Assert.False(await db.CareRelationships.AnyAsync(c => c.PatientId == patient && c.TeamId == teams["foot-health"] && c.Kind == RelationshipKind.Referral && c.EndedAt == null));
            Assert.False(await db.CareRelationships.AnyAsync(c => c.PatientId == patient && c.TeamId == teams["spa"] && c.Kind == RelationshipKind.Triage && c.EndedAt == null));
            return 0;
        });
        // The referrer follows it; the triage is audited with the override.
        var status = await SecureApp.JsonAsync(await practice.GetAsync($"/api/referrals/{reference}"));
        Assert.Contains("Accepted by Foot health", status.GetProperty("statusText").GetString(), StringComparison.Ordinal);
        var audited = await app.AuditAsync(e => e.Action == "referral.triage" && e.Resource == $"Referral/{reference}" && e.Detail != null && e.Detail.Contains("override", StringComparison.Ordinal));
        Assert.Single(audited);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_retried_submission_with_the_same_idempotency_key_makes_one_referral_even_when_the_retries_race(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var key = Guid.NewGuid().ToString();
        var body = new { source = "gp", patientId = patient, reason = "Housebound, needs B12 injections", serviceCode = "adult-community-nursing" };
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ReferAsync(system, body, key)));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var references = await Task.WhenAll(responses.Select(async r => (await SecureApp.JsonAsync(r)).GetProperty("reference").GetString()));
        Assert.Single(references.Distinct());
        Assert.Equal(1, await app.QueryAsync(db => db.Referrals.CountAsync(r => r.IdempotencyKey == key)));

        // The same key for a different referral is refused, naming the first one; nothing new is stored.
        var reused = await ReferAsync(system, body with { reason = "Something else entirely" }, key);
        Assert.Equal((HttpStatusCode)422, reused.StatusCode);
        Assert.Contains(references[0]!, await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await app.QueryAsync(db => db.Referrals.CountAsync(r => r.PatientId == patient)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Referral_for_same_patient_and_service_while_open_is_linked_not_duplicated_even_when_sent_at_once(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            ReferAsync(system, new { source = "gp", patientId = patient, reason = $"Diabetic foot check {i}", serviceCode = "foot-health" }, Guid.NewGuid().ToString())));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(SecureApp.JsonAsync));
        // Nothing lost: six referrals; one is the open one, the other five are linked to it.
        var primary = Assert.Single(bodies, b => b.GetProperty("linkedTo").ValueKind == JsonValueKind.Null).GetProperty("reference").GetString();
        Assert.All(bodies.Where(b => b.GetProperty("linkedTo").ValueKind != JsonValueKind.Null), b =>
        {
            Assert.Equal(primary, b.GetProperty("linkedTo").GetString());
            Assert.Contains("already has an open referral", b.GetProperty("message").GetString(), StringComparison.Ordinal);
        });
        await app.QueryAsync(async db =>
        {
            Assert.Equal(6, await db.Referrals.CountAsync(r => r.PatientId == patient));
            Assert.Equal(5, await db.Referrals.CountAsync(r => r.PatientId == patient && r.LinkedReferralId != null));
            return 0;
        });
        // The coordinator sees the links on the worklist.
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var worklist = await SecureApp.JsonAsync(await spa.GetAsync("/api/referrals/worklist"));
        Assert.Equal(5, worklist.GetProperty("toTriage").EnumerateArray().Count(i => i.GetProperty("linkedReference").GetString() == primary));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Bad_referrals_get_a_message_that_says_what_to_fix_and_nothing_is_stored(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var stranger = await app.StrangerAsync();
        var adultNhs = await app.QueryAsync(db => db.Patients.Where(p => p.Id == patient).Select(p => p.NhsNumber).FirstAsync());
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var before = await app.QueryAsync(db => db.Referrals.CountAsync());

        async Task Expect(HttpClient client, object body, HttpStatusCode status, string field, string words)
        {
            var response = await ReferAsync(client, body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {text}");
            if (field.Length > 0) Assert.Contains($"\"{field}\"", text, StringComparison.Ordinal);
            Assert.Contains(words, text, StringComparison.Ordinal);
        }

        await Expect(practice, new { source = "gp", patientId = patient }, (HttpStatusCode)422, "reason", "Say why the person is being referred");
        await Expect(practice, new { source = "postman", patientId = patient, reason = "x" }, (HttpStatusCode)422, "source", "hospital-discharge");
        await Expect(practice, new { source = "gp", nhsNumber = "9434765918", reason = "x" }, (HttpStatusCode)422, "nhsNumber", "should be 9");
        await Expect(practice, new { source = "gp", patientId = patient, reason = "x", serviceCode = "chiropody-deluxe" }, (HttpStatusCode)422, "serviceCode", "There is no service 'chiropody-deluxe'");
        await Expect(practice, new { source = "gp", patientId = patient, reason = "x", serviceCode = "children-salt" }, (HttpStatusCode)422, "serviceCode", "cannot take this person");
        await Expect(practice, new { source = "gp", patientId = patient, nhsNumber = adultNhs, birthDate = "1901-01-01", reason = "x" }, (HttpStatusCode)422, "birthDate", "does not match the record");
        await Expect(practice, new { source = "gp", patientId = patient, reason = "x", urgency = "yesterday" }, (HttpStatusCode)422, "urgency", "within-2-hours");
        await Expect(practice, new { source = "gp", patientId = patient, reason = new string('x', 4001) }, (HttpStatusCode)422, "reason", "under 4000 characters");
        // A practice refers its own registered patients only; the answer does not say whether the person exists.
        await Expect(practice, new { source = "gp", patientId = stranger, reason = "x" }, HttpStatusCode.Forbidden, "", "registered at your practice");
        await Expect(practice, new { source = "gp", patientId = 987654321, reason = "x" }, HttpStatusCode.Forbidden, "", "registered at your practice");
        // The SPA may refer anyone, so it is told plainly when the patient is unknown.
        await Expect(spa, new { source = "self", nhsNumber = "9990000018", reason = "x" }, (HttpStatusCode)422, "nhsNumber", "No patient in the shared record");
        var malformed = await practice.PostAsync("/api/referrals", new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        Assert.Equal(before, await app.QueryAsync(db => db.Referrals.CountAsync()));
        Assert.NotEmpty(await app.AuditAsync(e => e.Action == "referral.create" && e.Outcome == "denied"));
    }
}
