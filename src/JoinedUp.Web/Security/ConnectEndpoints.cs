using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace JoinedUp.Web.Security;

/// <summary>Adds JoinedUp's claims (organisation, staff member, teams, patient) to the sign-in cookie.</summary>
internal sealed class JoinedUpClaimsFactory(UserManager<JoinedUpUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options, JoinedUpDbContext db)
    : UserClaimsPrincipalFactory<JoinedUpUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(JoinedUpUser user)
    {
        var identity = await base.GenerateClaimsAsync(user).ConfigureAwait(false);
        foreach (var claim in await UserClaims.ForUserAsync(db, user, CancellationToken.None).ConfigureAwait(false))
        {
            if (claim.Type is JoinedUpClaims.Subject or JoinedUpClaims.Role) continue; // base adds these with the configured types
            identity.AddClaim(claim);
        }
        identity.RemoveClaim(identity.FindFirst(JoinedUpClaims.Name));
        identity.AddClaim(new Claim(JoinedUpClaims.Name, user.DisplayName));
        return identity;
    }
}

/// <summary>The claims a user's cookie or token carries, read fresh from the directory.</summary>
internal static class UserClaims
{
    public static async Task<List<Claim>> ForUserAsync(JoinedUpDbContext db, JoinedUpUser user, CancellationToken ct)
    {
        var claims = new List<Claim>
        {
            new(JoinedUpClaims.Subject, user.Id),
            new(JoinedUpClaims.Name, user.DisplayName),
        };
        var roleNames = await db.UserRoles.Where(ur => ur.UserId == user.Id)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
            .ToListAsync(ct).ConfigureAwait(false);
        claims.AddRange(roleNames.Select(r => new Claim(JoinedUpClaims.Role, r)));
        var org = user.OrganisationCode;
        if (user.StaffMemberId is { } staffId)
        {
            claims.Add(new Claim(JoinedUpClaims.StaffMember, staffId.ToString(CultureInfo.InvariantCulture)));
            org = await db.Staff.Where(s => s.Id == staffId).Select(s => s.Organisation!.OdsCode).FirstOrDefaultAsync(ct).ConfigureAwait(false) ?? org;
            var teams = await db.TeamMemberships.Where(m => m.StaffMemberId == staffId).Select(m => m.TeamId).ToListAsync(ct).ConfigureAwait(false);
            if (teams.Count > 0) claims.Add(new Claim(JoinedUpClaims.Teams, string.Join(',', teams.Order())));
        }
        if (org is not null) claims.Add(new Claim(JoinedUpClaims.Organisation, org));
        if (user.PatientId is { } patientId) claims.Add(new Claim(JoinedUpClaims.Patient, patientId.ToString(CultureInfo.InvariantCulture)));
        if (user.EmailConfirmed && user.Email is { } email) claims.Add(new Claim(Claims.Email, email));
        return claims;
    }
}

/// <summary>
/// The sign-in endpoints: the browser's form sign-in (cookie) and the OpenID Connect endpoints of the embedded issuer
/// (authorization code with PKCE, client credentials, refresh tokens, end session, userinfo).
/// </summary>
internal static class ConnectEndpoints
{
    public static void MapSignIn(this WebApplication app, AuthOptions auth)
    {
        app.MapPost("/account/login", async Task<IResult> ([FromForm] LoginForm form, HttpContext http, SignInManager<JoinedUpUser> signIn,
                UserManager<JoinedUpUser> users, AuditTrail audit, TimeProvider clock) =>
            {
                var returnUrl = SafeReturnUrl(form.ReturnUrl);
                if (string.IsNullOrWhiteSpace(form.Email) || string.IsNullOrEmpty(form.Password))
                {
                    return Results.LocalRedirect($"/account/login?error=missing&returnUrl={Uri.EscapeDataString(returnUrl)}");
                }
                var user = await users.FindByEmailAsync(form.Email.Trim()).ConfigureAwait(false);
                Microsoft.AspNetCore.Identity.SignInResult result;
                if (user is null)
                {
                    // Hash anyway, so an unknown email takes as long as a wrong password and does not reveal who has an account.
                    users.PasswordHasher.HashPassword(new JoinedUpUser { DisplayName = "" }, form.Password);
                    result = Microsoft.AspNetCore.Identity.SignInResult.Failed;
                }
                else
                {
                    result = await signIn.PasswordSignInAsync(user, form.Password, isPersistent: false, lockoutOnFailure: true).ConfigureAwait(false);
                }
                await audit.RecordAsync(new AuditEvent
                {
                    At = clock.GetUtcNow().UtcDateTime,
                    UserId = user?.Id,
                    UserName = user?.DisplayName,
                    Action = "sign-in",
                    Resource = "POST /account/login",
                    Outcome = result.Succeeded ? AuditOutcome.Allowed : AuditOutcome.Unauthenticated,
                    Basis = result.Succeeded ? "password" : result.IsLockedOut ? "account locked after repeated failures" : user is null ? "unknown email" : "wrong password",
                }, http.RequestAborted).ConfigureAwait(false);
                if (result.Succeeded) return Results.LocalRedirect(returnUrl);
                var error = result.IsLockedOut ? "locked" : "invalid";
                return Results.LocalRedirect($"/account/login?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}");
            })
            .AllowAnonymous()
            .WithTags("Sign-in").WithName("SignIn").WithSummary("Form sign-in for the web UI (antiforgery token required).");

        app.MapPost("/account/logout", async Task<IResult> ([FromForm] EmptyForm form, SignInManager<JoinedUpUser> signIn) =>
            {
                _ = form;
                await signIn.SignOutAsync().ConfigureAwait(false);
                return Results.LocalRedirect("/");
            })
            .AllowAnonymous()
            .WithTags("Sign-in").WithName("SignOut").WithSummary("Signs the browser out (antiforgery token required).");

        if (!string.IsNullOrWhiteSpace(auth.Authority))
        {
            if (!string.IsNullOrWhiteSpace(auth.ExternalClientId)) MapExternalSignIn(app, auth);
            return; // the external issuer runs the OpenID Connect endpoints
        }

        app.MapMethods("/connect/authorize", ["GET", "POST"], async Task<IResult> (HttpContext http, UserManager<JoinedUpUser> users, JoinedUpDbContext db) =>
            {
                var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
                var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme).ConfigureAwait(false);
                if (!cookie.Succeeded)
                {
                    // Not signed in: sign in with the form, then come back here with the same request.
                    var back = http.Request.PathBase + http.Request.Path + QueryString.Create(
                        http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList());
                    return Results.Challenge(new AuthenticationProperties { RedirectUri = back }, [IdentityConstants.ApplicationScheme]);
                }
                var user = await users.GetUserAsync(cookie.Principal!).ConfigureAwait(false);
                if (user is null || await users.IsLockedOutAsync(user).ConfigureAwait(false))
                {
                    return Forbid(Errors.AccessDenied, "The account cannot sign in.");
                }
                var claims = await UserClaims.ForUserAsync(db, user, http.RequestAborted).ConfigureAwait(false);
                var roles = claims.Where(c => c.Type == JoinedUpClaims.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
                var scopes = request.GetScopes().Where(s => ScopeAllowedForUser(s, roles)).ToList();
                return SignIn(claims, scopes, auth.Audience);
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapPost("/connect/token", async Task<IResult> (HttpContext http, IOpenIddictApplicationManager applications, UserManager<JoinedUpUser> users, JoinedUpDbContext db) =>
            {
                var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
                if (request.IsClientCredentialsGrantType())
                {
                    var application = await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted).ConfigureAwait(false)
                        ?? throw new InvalidOperationException("The client was validated but cannot be found.");
                    var properties = await applications.GetPropertiesAsync(application, http.RequestAborted).ConfigureAwait(false);
                    var name = await applications.GetDisplayNameAsync(application, http.RequestAborted).ConfigureAwait(false) ?? request.ClientId!;
                    var claims = new List<Claim>
                    {
                        new(JoinedUpClaims.Subject, request.ClientId!),
                        new(JoinedUpClaims.Name, name),
                        new(JoinedUpClaims.Role, Roles.System),
                    };
                    if (properties.TryGetValue(ClientRegistrar.OrganisationProperty, out var org) && org.ValueKind == JsonValueKind.String)
                    {
                        claims.Add(new Claim(JoinedUpClaims.Organisation, org.GetString()!));
                    }
                    return SignIn(claims, request.GetScopes().Where(s => s.StartsWith("system/", StringComparison.Ordinal)), auth.Audience);
                }
                if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
                {
                    var stored = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false)).Principal;
                    var user = stored?.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id).ConfigureAwait(false) : null;
                    if (user is null || await users.IsLockedOutAsync(user).ConfigureAwait(false))
                    {
                        return Forbid(Errors.InvalidGrant, "The account no longer exists or cannot sign in.");
                    }
                    // Roles and teams are read again, so a refreshed token reflects today's directory.
                    var claims = await UserClaims.ForUserAsync(db, user, http.RequestAborted).ConfigureAwait(false);
                    return SignIn(claims, stored!.GetScopes(), auth.Audience);
                }
                return Forbid(Errors.UnsupportedGrantType, "Use authorization_code (with PKCE), refresh_token or client_credentials.");
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapMethods("/connect/logout", ["GET", "POST"], async Task<IResult> (SignInManager<JoinedUpUser> signIn) =>
            {
                await signIn.SignOutAsync().ConfigureAwait(false);
                return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
            })
            .AllowAnonymous().ExcludeFromDescription();

        app.MapMethods("/connect/userinfo", ["GET", "POST"], async Task<IResult> (HttpContext http) =>
            {
                var result = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
                if (result.Principal is not { } principal)
                {
                    return Results.Challenge(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
                }
                return Results.Ok(new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    [Claims.Subject] = principal.GetClaim(Claims.Subject),
                    [Claims.Name] = principal.GetClaim(Claims.Name),
                    [Claims.Role] = principal.GetClaims(Claims.Role),
                });
            })
            .AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>
    /// Browser sign-in through the external issuer. The person must already have a JoinedUp account (which holds their
    /// roles): it is found by the external login linked before, or the first time by the verified email the issuer
    /// sends, which then links the two. Nobody gets an account, or a role, from the external issuer alone.
    /// </summary>
    private static void MapExternalSignIn(WebApplication app, AuthOptions auth)
    {
        app.MapGet("/account/external", (string? returnUrl) => Results.Challenge(
                new AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) },
                [OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreDefaults.AuthenticationScheme]))
            .AllowAnonymous().ExcludeFromDescription();

        app.MapMethods("/account/external/callback", ["GET", "POST"], async Task<IResult> (HttpContext http, UserManager<JoinedUpUser> users,
                SignInManager<JoinedUpUser> signIn, AuditTrail audit, TimeProvider clock, ILoggerFactory logs) =>
            {
                var result = await http.AuthenticateAsync(OpenIddict.Client.AspNetCore.OpenIddictClientAspNetCoreDefaults.AuthenticationScheme).ConfigureAwait(false);
                var provider = auth.Authority!;
                var subject = result.Principal?.FindFirst(Claims.Subject)?.Value;
                if (!result.Succeeded || subject is null)
                {
                    ExternalSignInLog.Failed(logs.CreateLogger("JoinedUp.Web.Security.ExternalSignIn"), result.Failure?.Message ?? "no subject");
                    return Results.LocalRedirect("/account/login?error=external");
                }
                var user = await users.FindByLoginAsync(provider, subject).ConfigureAwait(false);
                if (user is null && result.Principal!.FindFirst(Claims.Email)?.Value is { } email
                    && await users.FindByEmailAsync(email).ConfigureAwait(false) is { EmailConfirmed: true } byEmail)
                {
                    var linked = await users.AddLoginAsync(byEmail, new UserLoginInfo(provider, subject, auth.ExternalDisplayName)).ConfigureAwait(false);
                    if (linked.Succeeded) user = byEmail;
                }
                var allowed = user is not null && !await users.IsLockedOutAsync(user).ConfigureAwait(false);
                await audit.RecordAsync(new AuditEvent
                {
                    At = clock.GetUtcNow().UtcDateTime,
                    UserId = user?.Id,
                    UserName = user?.DisplayName,
                    Action = "sign-in",
                    Resource = "GET /account/external/callback",
                    Outcome = allowed ? AuditOutcome.Allowed : AuditOutcome.Unauthenticated,
                    Basis = allowed ? $"external issuer {provider}" : user is null ? $"no JoinedUp account linked to {provider} subject" : "account locked",
                }, http.RequestAborted).ConfigureAwait(false);
                if (!allowed) return Results.LocalRedirect("/account/login?error=" + (user is null ? "unlinked" : "locked"));
                await signIn.SignInAsync(user!, isPersistent: false).ConfigureAwait(false);
                return Results.LocalRedirect(SafeReturnUrl(result.Properties?.RedirectUri));
            })
            .AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>patient/ scopes only for patients and carers; user/ scopes for everyone signed in; system/ never for a person.</summary>
    private static bool ScopeAllowedForUser(string scope, HashSet<string> roles) =>
        scope.StartsWith("patient/", StringComparison.Ordinal) ? roles.Contains(Roles.Patient) || roles.Contains(Roles.Carer)
        : !scope.StartsWith("system/", StringComparison.Ordinal);

    private static IResult SignIn(IEnumerable<Claim> claims, IEnumerable<string> scopes, string audience)
    {
        var identity = new ClaimsIdentity(claims, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetScopes(scopes);
        identity.SetAudiences(audience);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Name or Claims.Role when identity.HasScope(Scopes.Profile) => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Email when identity.HasScope(Scopes.Email) => [Destinations.IdentityToken],
            Claims.Email => [],
            _ => [Destinations.AccessToken],
        });
        return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Forbid(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    /// <summary>Only local paths: a crafted returnUrl must not send a signed-in user to another site.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}

internal static partial class ExternalSignInLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in through the external issuer did not complete: {Reason}")]
    public static partial void Failed(ILogger logger, string reason);
}

internal sealed class LoginForm
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string? ReturnUrl { get; set; }
}

/// <summary>
/// A form with no fields of its own: binding it makes ASP.NET Core check the antiforgery token of a post that only
/// needs one (sign out, withdraw a proxy).
/// </summary>
internal sealed class EmptyForm;
