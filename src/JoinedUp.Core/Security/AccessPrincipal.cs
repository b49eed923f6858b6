using System.Globalization;
using System.Security.Claims;

namespace JoinedUp.Security;

/// <summary>Claim types JoinedUp puts in cookies and tokens beside the standard ones.</summary>
public static class JoinedUpClaims
{
    public const string Subject = "sub";
    public const string Name = "name";
    public const string Role = "role";
    public const string StaffMember = "ju_staff";
    public const string Teams = "ju_teams";
    public const string Organisation = "ju_org";
    public const string Patient = "ju_patient";
    public const string Scope = "scope";
    public const string ClientId = "client_id";
}

/// <summary>
/// Who is asking, as the security rules need it: user, roles, organisation, staff member and teams, the patient a
/// patient user is, and, for bearer tokens, the SMART scopes the token carries. Built once per request.
/// </summary>
public sealed class AccessPrincipal
{
    public required string UserId { get; init; }

    public required string DisplayName { get; init; }

    public required IReadOnlySet<string> Roles { get; init; }

    /// <summary>ODS code of the organisation the caller works for (a practice code for practice staff), if staff or system.</summary>
    public string? OrganisationCode { get; init; }

    public int? StaffMemberId { get; init; }

    /// <summary>Ids of the teams the caller is a member of.</summary>
    public IReadOnlySet<int> TeamIds { get; init; } = new HashSet<int>();

    /// <summary>The patient record of a patient user.</summary>
    public long? PatientId { get; init; }

    /// <summary>The OAuth client that obtained the token (an app or a system integration); null for a browser session.</summary>
    public string? ClientId { get; init; }

    /// <summary>Token scopes, or null for a browser session (which has no scope limits of its own).</summary>
    public SmartScopes? Scopes { get; init; }

    /// <summary>The role to record in the audit trail: the first held role, in matrix order.</summary>
    public string PrimaryRole => JoinedUp.Security.Roles.All.FirstOrDefault(Roles.Contains) ?? Roles.FirstOrDefault() ?? "none";

    public bool Has(string role) => Roles.Contains(role);

    /// <summary>True when the roles grant the permission and, for a token, a scope covers it.</summary>
    public bool Can(Permission permission)
    {
        if (!PermissionMatrix.Allows(Roles, permission)) return false;
        if (Scopes is null) return true;
        var (resource, interaction) = PermissionMatrix.Scope(permission);
        if (Has(JoinedUp.Security.Roles.System)) return Scopes.Allows(resource, interaction, "system");
        if (Has(JoinedUp.Security.Roles.Patient) || Has(JoinedUp.Security.Roles.Carer))
        {
            if (Scopes.Allows(resource, interaction, "patient", "user")) return true;
        }
        return Scopes.Allows(resource, interaction, "user");
    }

    /// <summary>Reads the principal from the claims of a cookie or a validated token; null when not signed in.</summary>
    public static AccessPrincipal? From(ClaimsPrincipal user, bool fromToken)
    {
        if (user.Identity?.IsAuthenticated != true) return null;
        var subject = user.FindFirst(JoinedUpClaims.Subject)?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        if (string.IsNullOrEmpty(subject)) return null;
        var roles = user.FindAll(JoinedUpClaims.Role).Concat(user.FindAll(ClaimTypes.Role)).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var teams = (user.FindFirst(JoinedUpClaims.Teams)?.Value ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => int.Parse(t, CultureInfo.InvariantCulture))
            .ToHashSet();
        var scopes = fromToken
            ? SmartScopes.Parse(user.FindAll(JoinedUpClaims.Scope).SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            : SmartScopes.Session;
        return new AccessPrincipal
        {
            UserId = subject,
            DisplayName = user.FindFirst(JoinedUpClaims.Name)?.Value ?? subject,
            Roles = roles,
            OrganisationCode = user.FindFirst(JoinedUpClaims.Organisation)?.Value,
            StaffMemberId = int.TryParse(user.FindFirst(JoinedUpClaims.StaffMember)?.Value, CultureInfo.InvariantCulture, out var staff) ? staff : null,
            TeamIds = teams,
            PatientId = long.TryParse(user.FindFirst(JoinedUpClaims.Patient)?.Value, CultureInfo.InvariantCulture, out var patient) ? patient : null,
            Scopes = scopes,
            ClientId = fromToken ? user.FindFirst(JoinedUpClaims.ClientId)?.Value ?? user.FindFirst("azp")?.Value : null,
        };
    }
}
