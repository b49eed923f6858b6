using System.Net;
using System.Net.Http.Json;
using JoinedUp.Directory;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Care;

/// <summary>Care navigation (issue 6, first part): a person routed to more than one service gets a navigator.</summary>
public class NavigationTests
{
    private static readonly Dictionary<string, string?> Answers = new() { ["what-matters"] = "Staying at home", ["living"] = "With family", ["mobility"] = "Independent", ["falls"] = "no" };

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
}
