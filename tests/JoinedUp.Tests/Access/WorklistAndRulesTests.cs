using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Access;

/// <summary>The worklist's clocks and breaches, the triage rules as versioned data, the public form's defences.</summary>
public class WorklistAndRulesTests
{
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task An_urgent_referral_not_triaged_in_30_minutes_is_breached_and_comes_first_on_the_worklist(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var sent = await system.PostAsJsonAsync("/api/referrals", new { source = "gp", patientId = patient, reason = "Found on the floor this morning, unable to get up", urgency = "within-2-hours" });
        Assert.Equal(HttpStatusCode.Created, sent.StatusCode);
        var reference = (await SecureApp.JsonAsync(sent)).GetProperty("reference").GetString();
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));

        JsonElement Row(JsonElement list) => list.GetProperty("toTriage").EnumerateArray().Single(i => i.GetProperty("reference").GetString() == reference);
        var fresh = Row(await SecureApp.JsonAsync(await spa.GetAsync("/api/referrals/worklist")));
        Assert.False(fresh.GetProperty("clock").GetProperty("breached").GetBoolean());
        Assert.Equal("Within2Hours", fresh.GetProperty("urgency").GetString());

        app.Clock.Advance(TimeSpan.FromMinutes(31));
        var late = await SecureApp.JsonAsync(await spa.GetAsync("/api/referrals/worklist"));
        Assert.True(Row(late).GetProperty("clock").GetProperty("breached").GetBoolean());
        // Breached referrals come before every referral still in time.
        var order = late.GetProperty("toTriage").EnumerateArray().Select(i => (Reference: i.GetProperty("reference").GetString(), Breached: i.GetProperty("clock").GetProperty("breached").GetBoolean())).ToList();
        var firstInTime = order.FindIndex(i => !i.Breached);
        Assert.True(firstInTime < 0 || order.FindIndex(i => i.Reference == reference) < firstInTime);
        Assert.True(late.GetProperty("breached").GetInt32() >= 1);
        // Escalated to a named person: the SPA team's lead.
        var lead = late.GetProperty("escalatedTo").GetString();
        Assert.False(string.IsNullOrWhiteSpace(lead));
        // The page shows it as breached, at the top.
        var html = await spa.GetStringAsync("/access");
        Assert.Contains($"ju-breached\" data-reference=\"{reference}\"", html, StringComparison.Ordinal);
        Assert.Contains($"escalated to {lead}, the SPA team lead", html, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Triage_rules_are_versioned_a_bad_version_is_refused_with_every_problem_and_the_rules_in_force_stay(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var admin = await app.SignInAsync(SecureApp.Email(Roles.Administrator));
        var versions = await SecureApp.JsonAsync(await admin.GetAsync("/api/triage-rules"));
        Assert.Equal(1, versions[0].GetProperty("version").GetInt32());

        var rules = TriageRuleSet.LoadDefault().ToJson();
        var bad = rules.Replace("\"foot-health\"", "\"foot-spa\"", StringComparison.Ordinal).Replace("\"Within2Days\"", "\"Tomorrowish\"", StringComparison.Ordinal);
        var refused = await admin.PostAsJsonAsync("/api/triage-rules", new { json = bad, note = "typo test" });
        Assert.Equal((HttpStatusCode)422, refused.StatusCode);
        var problems = (await SecureApp.JsonAsync(refused)).GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("foot-spa", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Tomorrowish", StringComparison.Ordinal));
        Assert.Equal(1, (await SecureApp.JsonAsync(await admin.GetAsync("/api/triage-rules"))).GetArrayLength());

        // A good edit: every referral mentioning "toenail" is now urgent within 2 days (a deliberately odd rule, easy to see).
        var edited = System.Text.Json.Nodes.JsonNode.Parse(rules)!;
        edited["urgencyRules"]!.AsArray().Add(System.Text.Json.Nodes.JsonNode.Parse("""{ "id": "toenails-test", "label": "Test rule", "urgency": "Within2Days", "when": { "keywords": ["toenail"] } }"""));
        var saved = await admin.PostAsJsonAsync("/api/triage-rules", new { json = edited.ToJsonString(), note = "toenails within 2 days (test)" });
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        Assert.Equal(2, (await SecureApp.JsonAsync(saved)).GetProperty("version").GetInt32());

        var patient = await app.DemoPatientAsync();
        using var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var sent = await SecureApp.JsonAsync(await system.PostAsJsonAsync("/api/referrals", new { source = "gp", patientId = patient, reason = "Ingrown toenail, cannot cut it" }));
        Assert.Equal("within-2-days", sent.GetProperty("urgency").GetString());
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var triage = await SecureApp.JsonAsync(await spa.GetAsync($"/api/referrals/{sent.GetProperty("reference").GetString()}/triage"));
        Assert.Equal(2, triage.GetProperty("suggestion").GetProperty("ruleSetVersion").GetInt32());
        Assert.Single(await app.AuditAsync(e => e.Action == "triage-rules.manage" && e.Resource == "TriageRules/2"));
        // Coordinators cannot edit the rules.
        Assert.Equal(HttpStatusCode.Forbidden, (await spa.PostAsJsonAsync("/api/triage-rules", new { json = rules, note = "sneaky" })).StatusCode);
    }
}
