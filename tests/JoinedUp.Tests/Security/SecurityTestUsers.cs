using JoinedUp.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JoinedUp.Tests.Security;

internal static class SecurityTestUsers
{
    /// <summary>Creates a clinician sign-in for a member of the given service's team; returns the email.</summary>
    public static async Task<string> CreateTeamClinicianAsync(SecureApp app, string serviceCode)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JoinedUp.Storage.JoinedUpDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<JoinedUpUser>>();
        var staff = await db.TeamMemberships.Where(m => m.Team!.Service!.Code == serviceCode).Select(m => m.StaffMember!).FirstAsync();
        var email = $"{serviceCode}@test.joinedup.example";
        var user = new JoinedUpUser { UserName = email, Email = email, DisplayName = $"{staff.GivenName} {staff.FamilyName}", StaffMemberId = staff.Id };
        var created = await users.CreateAsync(user, SecureApp.Password);
        Assert.True(created.Succeeded, string.Join(";", created.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, Roles.Clinician);
        return email;
    }
}
