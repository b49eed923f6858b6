using System.Net;
using System.Net.Http.Json;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Security;

/// <summary>Legitimate relationships, triage, break-glass, sensitive entries, consent and carers, through HTTP on both databases.</summary>
public class RecordAccessTests
{
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Clinician_opens_a_caseload_patient_but_not_a_stranger_and_the_refusal_does_not_say_whether_the_patient_exists(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var stranger = await app.StrangerAsync();
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));

        var own = await nurse.GetAsync($"/api/record/patients/{patient}");
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        var summary = await SecureApp.JsonAsync(own);
        Assert.Equal("Full", summary.GetProperty("accessLevel").GetString());
        Assert.Equal("on the team's caseload", summary.GetProperty("accessBasis").GetString());

        var refused = await nurse.GetAsync($"/api/record/patients/{stranger}");
        var missing = await nurse.GetAsync("/api/record/patients/987654321");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        var refusedBody = await SecureApp.JsonAsync(refused);
        var missingBody = await SecureApp.JsonAsync(missing);
        Assert.Equal(refusedBody.GetProperty("detail").GetString(), missingBody.GetProperty("detail").GetString());
        Assert.DoesNotContain("givenName", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var audit = await app.AuditAsync(e => e.Action == "record.read");
        Assert.Contains(audit, e => e.PatientId == patient && e.Outcome == AuditOutcome.Allowed && e.Role == Roles.Clinician && e.OrganisationCode == "ZLP01" && e.Basis == "on the team's caseload");
        Assert.Contains(audit, e => e.PatientId == stranger && e.Outcome == AuditOutcome.Denied && e.Basis == "no legitimate relationship");
        Assert.Contains(audit, e => e.PatientId == 987654321 && e.Outcome == AuditOutcome.Denied);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Practice_staff_open_patients_registered_at_their_practice_only_and_search_finds_only_them(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var stranger = await app.StrangerAsync();
        var (nhs, strangerNhs) = await app.QueryAsync(async db => (
            await db.Patients.Where(p => p.Id == patient).Select(p => p.NhsNumber!).FirstAsync(),
            await db.Patients.Where(p => p.Id == stranger).Select(p => p.NhsNumber).FirstAsync()));
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));

        Assert.Equal(HttpStatusCode.OK, (await practice.GetAsync($"/api/record/patients/{patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await practice.GetAsync($"/api/record/patients/{stranger}")).StatusCode);

        var found = await practice.GetFromJsonAsync<List<JoinedUp.Web.Record.PatientMatch>>($"/api/record/patients?nhsNumber={nhs}");
        Assert.Equal(patient, Assert.Single(found!).Id);
        if (strangerNhs is not null)
        {
            Assert.Empty((await practice.GetFromJsonAsync<List<JoinedUp.Web.Record.PatientMatch>>($"/api/record/patients?nhsNumber={strangerNhs}"))!);
        }
        var bad = await practice.GetAsync("/api/record/patients?nhsNumber=1234567890");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("check digit", (await SecureApp.JsonAsync(bad)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Single_point_of_access_triage_sees_only_what_triage_needs(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var triaged = await app.TriagedPatientAsync();
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var summary = await SecureApp.JsonAsync(await spa.GetAsync($"/api/record/patients/{triaged}"));
        Assert.Equal("Triage", summary.GetProperty("accessLevel").GetString());
        Assert.Equal(0, summary.GetProperty("observations").GetArrayLength());
        Assert.Equal(0, summary.GetProperty("medications").GetArrayLength());
        Assert.Equal(0, summary.GetProperty("encounters").GetArrayLength());
        var activeConditions = await app.QueryAsync(db => db.Conditions.CountAsync(c => c.PatientId == triaged && c.Status == JoinedUp.Record.ConditionStatus.Active));
        Assert.Equal(activeConditions, summary.GetProperty("conditions").GetArrayLength());
        // ...and nothing about the patients it is not triaging.
        Assert.Equal(HttpStatusCode.Forbidden, (await spa.GetAsync($"/api/record/patients/{await app.DemoPatientAsync()}")).StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Ending_the_episode_ends_the_navigators_access(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        Assert.Equal(HttpStatusCode.OK, (await navigator.GetAsync($"/api/record/patients/{patient}")).StatusCode);
        var relationship = await app.QueryAsync(db => db.CareRelationships.Where(r => r.PatientId == patient && r.Kind == RelationshipKind.Navigator).Select(r => r.Id).FirstAsync());

        Assert.Equal(HttpStatusCode.NoContent, (await navigator.DeleteAsync($"/api/security/relationships/{relationship}?reason=discharged")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await navigator.GetAsync($"/api/record/patients/{patient}")).StatusCode);
        var ended = await app.QueryAsync(db => db.CareRelationships.SingleAsync(r => r.Id == relationship));
        Assert.Equal("discharged", ended.EndReason);
        Assert.NotNull(ended.EndedAt);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Nobody_can_grant_themself_a_relationship_to_a_stranger(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var stranger = await app.StrangerAsync();
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        var staffId = await app.QueryAsync(db => db.Users.Where(u => u.Email == SecureApp.Email(Roles.CareNavigator)).Select(u => u.StaffMemberId).FirstAsync());
        var response = await navigator.PostAsJsonAsync("/api/security/relationships", new { patientId = stranger, kind = "navigator", staffMemberId = staffId });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await navigator.GetAsync($"/api/record/patients/{stranger}")).StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Break_glass_needs_a_reason_is_time_limited_shown_to_the_patient_reviewed_and_never_shows_restricted_entries(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        // A clinician of another team, with no relationship to the demo patient.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        await app.QueryAsync(db => db.CareRelationships.Where(r => r.PatientId == patient && r.Kind == RelationshipKind.Caseload)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.EndedAt, DateTime.UtcNow)));
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.GetAsync($"/api/record/patients/{patient}")).StatusCode);

        var noReason = await nurse.PostAsJsonAsync($"/api/record/patients/{patient}/break-glass", new { reason = "urgent" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noReason.StatusCode);
        Assert.Contains("at least 10 characters", (await SecureApp.JsonAsync(noReason)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var granted = await nurse.PostAsJsonAsync($"/api/record/patients/{patient}/break-glass", new { reason = "Found collapsed at home visit, need medication history" });
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        var summary = await SecureApp.JsonAsync(await nurse.GetAsync($"/api/record/patients/{patient}"));
        Assert.StartsWith("break-glass", summary.GetProperty("accessBasis").GetString(), StringComparison.Ordinal);
        foreach (var section in new[] { "conditions", "encounters", "observations" })
        {
            Assert.All(summary.GetProperty(section).EnumerateArray(), item => Assert.False(item.GetProperty("restricted").GetBoolean()));
        }

        // The patient sees it, with the reason; the IG officer has it on the review list.
        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        var accesses = await SecureApp.JsonAsync(await me.GetAsync("/api/me/record-access"));
        Assert.Contains(accesses.EnumerateArray(), a => a.GetProperty("emergency").GetBoolean() && a.GetProperty("reason").GetString()!.Contains("collapsed", StringComparison.Ordinal));
        using var ig = await app.SignInAsync(SecureApp.Email(Roles.InformationGovernance));
        var list = await SecureApp.JsonAsync(await ig.GetAsync("/api/security/break-glass"));
        var item = Assert.Single(list.EnumerateArray());
        var id = item.GetProperty("id").GetInt64();
        var review = await ig.PostAsJsonAsync($"/api/security/break-glass/{id}/review", new { outcome = "appropriate", note = "Emergency confirmed with the team" });
        Assert.Equal(HttpStatusCode.OK, review.StatusCode);
        Assert.Empty((await SecureApp.JsonAsync(await ig.GetAsync("/api/security/break-glass"))).EnumerateArray());

        // Time-limited: after the window the clinician is refused again.
        app.Clock.Advance(TimeSpan.FromMinutes(241));
        using var later = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal(HttpStatusCode.Forbidden, (await later.GetAsync($"/api/record/patients/{patient}")).StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Restricted_entries_are_seen_by_the_patient_and_the_recording_team_only(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        // The demo patient has a confidential condition from adult psychology and a safeguarding encounter.
        static int Restricted(System.Text.Json.JsonElement summary) => new[] { "conditions", "encounters", "observations", "medications", "immunisations" }
            .Sum(s => summary.GetProperty(s).EnumerateArray().Count(i => i.GetProperty("restricted").GetBoolean()));

        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        Assert.Equal(2, Restricted(await SecureApp.JsonAsync(await me.GetAsync($"/api/record/patients/{patient}"))));

        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal(0, Restricted(await SecureApp.JsonAsync(await nurse.GetAsync($"/api/record/patients/{patient}"))));
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        Assert.Equal(0, Restricted(await SecureApp.JsonAsync(await practice.GetAsync($"/api/record/patients/{patient}"))));
        using var carer = await app.SignInAsync(SecureApp.Email(Roles.Carer));
        Assert.Equal(0, Restricted(await SecureApp.JsonAsync(await carer.GetAsync($"/api/record/patients/{patient}"))));

        // A psychologist whose team has the patient on its caseload sees the psychology entry, not the safeguarding one.
        var email = await SecurityTestUsers.CreateTeamClinicianAsync(app, "adult-psychology");
        var team = await app.QueryAsync(db => db.Teams.Where(t => t.Service!.Code == "adult-psychology").Select(t => t.Id).FirstAsync());
        await app.QueryAsync(async db =>
        {
            db.CareRelationships.Add(new CareRelationship { PatientId = patient, Kind = RelationshipKind.Caseload, TeamId = team, StartedAt = DateTime.UtcNow, Source = "test" });
            return await db.SaveChangesAsync();
        });
        using var psychologist = await app.SignInAsync(email);
        var seen = await SecureApp.JsonAsync(await psychologist.GetAsync($"/api/record/patients/{patient}"));
        Assert.Equal(1, Restricted(seen));
        Assert.Contains(seen.GetProperty("conditions").EnumerateArray(), c => c.GetProperty("restricted").GetBoolean() && c.GetProperty("code").GetString() == "197480006");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Sharing_dissent_limits_other_organisations_to_the_triage_view_and_is_kept_with_who_and_when(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        var changed = await me.PutAsJsonAsync($"/api/record/patients/{patient}/consent", new { kind = "sharing-dissent", inForce = true, note = "I want my GP only" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var limited = await SecureApp.JsonAsync(await nurse.GetAsync($"/api/record/patients/{patient}"));
        Assert.Equal("Triage", limited.GetProperty("accessLevel").GetString());
        Assert.Equal(0, limited.GetProperty("observations").GetArrayLength());
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        Assert.Equal("Full", (await SecureApp.JsonAsync(await practice.GetAsync($"/api/record/patients/{patient}"))).GetProperty("accessLevel").GetString());

        // Changed back: the history keeps both, with who and when.
        await me.PutAsJsonAsync($"/api/record/patients/{patient}/consent", new { kind = "sharing-dissent", inForce = false });
        Assert.Equal("Full", (await SecureApp.JsonAsync(await nurse.GetAsync($"/api/record/patients/{patient}"))).GetProperty("accessLevel").GetString());
        var state = await SecureApp.JsonAsync(await me.GetAsync($"/api/record/patients/{patient}/consent"));
        var history = state.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(2, history.Count);
        Assert.All(history, h => Assert.False(string.IsNullOrEmpty(h.GetProperty("recordedBy").GetString())));

        var wrong = await me.PutAsJsonAsync($"/api/record/patients/{patient}/consent", new { kind = "everything", inForce = true });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong.StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task National_data_opt_out_takes_the_patient_out_of_secondary_use_until_withdrawn(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var before = await app.QueryAsync(db => JoinedUp.Security.SecondaryUse.Cohort(db.Patients).CountAsync());
        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        Assert.Equal(HttpStatusCode.OK, (await me.PutAsJsonAsync($"/api/record/patients/{patient}/consent", new { kind = "national-opt-out", inForce = true })).StatusCode);
        Assert.False(await app.QueryAsync(db => JoinedUp.Security.SecondaryUse.Cohort(db.Patients).AnyAsync(p => p.Id == patient)));
        Assert.Equal(before - 1, await app.QueryAsync(db => JoinedUp.Security.SecondaryUse.Cohort(db.Patients).CountAsync()));
        Assert.Equal(HttpStatusCode.OK, (await me.PutAsJsonAsync($"/api/record/patients/{patient}/consent", new { kind = "national-opt-out", inForce = false })).StatusCode);
        Assert.True(await app.QueryAsync(db => JoinedUp.Security.SecondaryUse.Cohort(db.Patients).AnyAsync(p => p.Id == patient)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Carer_sees_the_record_while_the_proxy_is_active_and_is_refused_after_the_patient_withdraws_it(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var carer = await app.SignInAsync(SecureApp.Email(Roles.Carer));
        var seen = await SecureApp.JsonAsync(await carer.GetAsync($"/api/record/patients/{patient}"));
        Assert.Equal("carer with proxy granted by the patient", seen.GetProperty("accessBasis").GetString());

        using var me = await app.SignInAsync(SecureApp.Email(Roles.Patient));
        var proxiesResponse = await me.GetAsync($"/api/record/patients/{patient}/proxies");
        Assert.True(proxiesResponse.IsSuccessStatusCode, await proxiesResponse.Content.ReadAsStringAsync());
        var proxies = await SecureApp.JsonAsync(proxiesResponse);
        var proxyId = proxies.EnumerateArray().Single(p => p.GetProperty("withdrawnAt").ValueKind == System.Text.Json.JsonValueKind.Null).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await me.DeleteAsync($"/api/record/patients/{patient}/proxies/{proxyId}")).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await carer.GetAsync($"/api/record/patients/{patient}")).StatusCode);
        var denied = await app.AuditAsync(e => e.PatientId == patient && e.Role == Roles.Carer && e.Outcome == AuditOutcome.Denied);
        Assert.NotEmpty(denied);

        // A proxy to someone without a carer account is refused with a message that says what to do.
        var unknown = await me.PostAsJsonAsync($"/api/record/patients/{patient}/proxies", new { carerEmail = "nobody@example.org" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        // Nobody else manages the patient's proxies.
        Assert.Equal(HttpStatusCode.Forbidden, (await carer.PostAsJsonAsync($"/api/record/patients/{patient}/proxies", new { carerEmail = SecureApp.Email(Roles.Carer) })).StatusCode);
        // Granted again, the carer is back.
        Assert.Equal(HttpStatusCode.Created, (await me.PostAsJsonAsync($"/api/record/patients/{patient}/proxies", new { carerEmail = SecureApp.Email(Roles.Carer) })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await carer.GetAsync($"/api/record/patients/{patient}")).StatusCode);
    }
}
