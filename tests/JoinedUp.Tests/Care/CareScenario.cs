using System.Net;
using System.Net.Http.Json;
using JoinedUp.Security;
using JoinedUp.Tests.Security;

namespace JoinedUp.Tests.Care;

/// <summary>Situations the care tests start from, built through the real APIs.</summary>
internal static class CareScenario
{
    /// <summary>
    /// The demo patient referred by their practice and routed by the single point of access to community nursing and
    /// foot health: an open episode with two teams (so a navigator is assigned). Returns the patient's id.
    /// </summary>
    public static async Task<long> EpisodeWithTwoServicesAsync(SecureApp app)
    {
        var patient = await app.DemoPatientAsync();
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        var sent = await SecureApp.JsonAsync(await practice.PostAsJsonAsync("/api/referrals", new { source = "gp", patientId = patient, reason = "Leg ulcer and thick toenails" }));
        var reference = sent.GetProperty("reference").GetString();
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var version = (await SecureApp.JsonAsync(await spa.GetAsync($"/api/referrals/{reference}/triage"))).GetProperty("version").GetInt32();
        var routed = await spa.PostAsJsonAsync($"/api/referrals/{reference}/triage", new
        {
            services = new[] { "adult-community-nursing", "foot-health" }, urgency = "routine", overrideReason = "Nursing for the ulcer, podiatry for the nails", version,
            answers = new Dictionary<string, string?> { ["what-matters"] = "Getting to church on Sunday", ["living"] = "Alone", ["mobility"] = "Uses a walking aid", ["falls"] = "no" },
        });
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        return patient;
    }
}
