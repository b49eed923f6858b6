using System.Net;
using System.Net.Http.Json;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Tests.Security;

/// <summary>The ways around the rules a security review looked for: each closed, on both databases.</summary>
public class ReviewFindingsTests
{
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Nobody_widens_their_own_access_through_the_relationships_API(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var triaged = await app.TriagedPatientAsync();
        var patient = await app.DemoPatientAsync();
        using var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator));
        var spaTeam = await app.QueryAsync(db => db.Teams.Where(t => t.Service!.Code == "spa").Select(t => t.Id).FirstAsync());
        var spaStaff = await app.QueryAsync(db => db.Users.Where(u => u.Email == SecureApp.Email(Roles.SpaCoordinator)).Select(u => u.StaffMemberId).FirstAsync());

        // Triage-only view: a caseload or a referral to the coordinator's own team would open the full record.
        foreach (var body in new object[]
        {
            new { patientId = triaged, kind = "caseload", teamId = spaTeam },
            new { patientId = triaged, kind = "referral", teamId = spaTeam },
            new { patientId = triaged, kind = "navigator", staffMemberId = spaStaff },
        })
        {
            var response = await spa.PostAsJsonAsync("/api/security/relationships", body);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }
        Assert.Equal("Triage", (await SecureApp.JsonAsync(await spa.GetAsync($"/api/record/patients/{triaged}"))).GetProperty("accessLevel").GetString());

        // Routing to another team is what the API is for.
        var rehab = await app.QueryAsync(db => db.Teams.Where(t => t.Service!.Code == "stroke-rehab").Select(t => t.Id).FirstAsync());
        Assert.Equal(HttpStatusCode.Created, (await spa.PostAsJsonAsync("/api/security/relationships", new { patientId = triaged, kind = "referral", teamId = rehab })).StatusCode);

        // Ending: a relationship that does not exist and another team's caseload get the same refusal.
        var caseload = await app.QueryAsync(db => db.CareRelationships.Where(r => r.PatientId == patient && r.Kind == RelationshipKind.Caseload).Select(r => r.Id).FirstAsync());
        using var navigator = await app.SignInAsync(SecureApp.Email(Roles.CareNavigator));
        Assert.Equal(HttpStatusCode.Forbidden, (await navigator.DeleteAsync($"/api/security/relationships/{caseload}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await navigator.DeleteAsync("/api/security/relationships/987654321")).StatusCode);
        Assert.Null(await app.QueryAsync(db => db.CareRelationships.Where(r => r.Id == caseload).Select(r => r.EndedAt).FirstAsync()));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Break_glass_is_read_only_refuses_unknown_patients_like_strangers_and_cannot_be_self_reviewed(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var stranger = await app.StrangerAsync();
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        const string reason = "Collapsed in clinic, need allergies and medicines";

        var unknown = await nurse.PostAsJsonAsync("/api/record/patients/987654321/break-glass", new { reason });
        Assert.Equal(HttpStatusCode.Forbidden, unknown.StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await nurse.PostAsJsonAsync($"/api/record/patients/{stranger}/break-glass", new { reason })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await nurse.GetAsync($"/api/record/patients/{stranger}")).StatusCode);
        var write = await nurse.PostAsJsonAsync($"/api/record/patients/{stranger}/observations", new { code = "999791000000106", value = 48.0 });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Contains("can read but not add", (await SecureApp.JsonAsync(write)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        // The nurse is also made an IG officer: still not allowed to review their own emergency access.
        await app.QueryAsync(async db =>
        {
            var user = await db.Users.FirstAsync(u => u.Email == SecureApp.Email(Roles.Clinician));
            var role = await db.Roles.FirstAsync(r => r.Name == Roles.InformationGovernance);
            db.UserRoles.Add(new Microsoft.AspNetCore.Identity.IdentityUserRole<string> { UserId = user.Id, RoleId = role.Id });
            return await db.SaveChangesAsync();
        });
        using var both = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var id = await app.QueryAsync(db => db.BreakGlassAccesses.Where(b => b.PatientId == stranger).Select(b => b.Id).FirstAsync());
        var own = await both.PostAsJsonAsync($"/api/security/break-glass/{id}/review", new { outcome = "appropriate" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, own.StatusCode);

        using var ig = await app.SignInAsync(SecureApp.Email(Roles.InformationGovernance));
        var missingNote = await ig.PostAsJsonAsync($"/api/security/break-glass/{id}/review", new { outcome = "inappropriate" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missingNote.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ig.PostAsJsonAsync($"/api/security/break-glass/{id}/review", new { outcome = "appropriate" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ig.PostAsJsonAsync($"/api/security/break-glass/{id}/review", new { outcome = "inappropriate", note = "second opinion" })).StatusCode);
    }

    [Fact]
    public async Task Unknown_addresses_are_404_and_do_not_fill_the_audit_trail()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var anonymous = app.Anonymous();
        var before = (await app.AuditAsync(_ => true)).Count;
        var response = await anonymous.GetAsync("/no-such-page/" + new string('x', 2000));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(before, (await app.AuditAsync(_ => true)).Count);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task An_oversized_audit_field_is_cut_to_fit_and_does_not_fail_the_others_in_its_commit(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var context = JoinedUpStorage.CreateContext(db.Options)) await new DatabaseMigrator(context, db.Options).MigrateAsync(CancellationToken.None);
        await using (var trail = new AuditTrail(db.Options, NullLogger<AuditTrail>.Instance))
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => trail.RecordAsync(new AuditEvent
            {
                At = DateTime.UtcNow,
                Action = "record.read",
                Resource = i == 7 ? "GET /" + new string('y', 5000) : $"Patient/{i}",
                Outcome = AuditOutcome.Unauthenticated,
                Basis = i == 7 ? new string('z', 9000) : null,
            }, CancellationToken.None)));
        }
        await using var read = JoinedUpStorage.CreateContext(db.Options);
        Assert.Equal(20, await read.AuditEntries.CountAsync());
        Assert.Equal(300, (await read.AuditEntries.Select(e => e.Resource).ToListAsync()).Max(r => r.Length));
        Assert.True((await AuditVerifier.VerifyAsync(db.Options, null, CancellationToken.None)).Intact);
    }
}
