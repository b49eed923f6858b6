using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Validation.AspNetCore;

namespace JoinedUp.Web.Security;

/// <summary>Sign-in settings, section "Security" (see README "Configuration" and docs/security.md).</summary>
public sealed class AuthOptions
{
    /// <summary>An external OpenID Connect issuer whose access tokens the APIs accept instead of the embedded one's, e.g. a national staff identity service.</summary>
    public string? Authority { get; set; }

    /// <summary>The client id JoinedUp's web UI is registered with at the external issuer, for browser sign-in through it.</summary>
    public string? ExternalClientId { get; set; }

    public string? ExternalClientSecret { get; set; }

    /// <summary>What the sign-in button calls the external issuer, e.g. "NHS CIS2" or "NHS login".</summary>
    public string ExternalDisplayName { get; set; } = "your organisation's sign-in";

    /// <summary>The audience the API's access tokens must carry.</summary>
    public string Audience { get; set; } = "joinedup-api";

    /// <summary>A PFX file with the key that signs and encrypts tokens. Required outside demo mode for the embedded issuer.</summary>
    public string? SigningCertificatePath { get; set; }

    public string? SigningCertificatePassword { get; set; }

    /// <summary>
    /// Base64 key (32 bytes or more) for a keyed audit chain: rows are then HMAC-chained and cannot be rewritten by
    /// someone who has the database but not this key. Keep it outside the database, with the signing certificate.
    /// </summary>
    public string? AuditKey { get; set; }

    /// <summary>Refuse plain HTTP for sign-in endpoints. Off in demo mode, which serves http://127.0.0.1.</summary>
    public bool RequireHttps { get; set; } = true;

    public int AccessTokenMinutes { get; set; } = 60;

    /// <summary>Sign-in attempts (form and token endpoint) allowed per client address per minute.</summary>
    public int SignInAttemptsPerMinute { get; set; } = 10;

    /// <summary>Posts of the public self-referral form and status check allowed per client address per 10 minutes.</summary>
    public int PublicFormPostsPer10Minutes { get; set; } = 20;

    public int LockoutAttempts { get; set; } = 5;

    public int LockoutMinutes { get; set; } = 15;

    /// <summary>
    /// Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are trusted, so that the sign-in rate
    /// limit and the audit see the real client and HTTPS. Empty: forwarded headers are ignored.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>OAuth clients to register at start-up (apps and system integrations).</summary>
    public List<ClientOptions> Clients { get; set; } = [];
}

/// <summary>One OAuth client. A client with a secret is confidential and may use client credentials (a system acting for <see cref="Organisation"/>); one without is a public app using authorization code with PKCE.</summary>
public sealed class ClientOptions
{
    public string ClientId { get; set; } = "";

    public string? DisplayName { get; set; }

    public string? Secret { get; set; }

    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>ODS code of the organisation a system client acts for.</summary>
    public string? Organisation { get; set; }

    /// <summary>The SMART scopes a system client may ask for, e.g. "system/*.rs".</summary>
    public List<string> Scopes { get; set; } = [];
}

internal static class SecuritySetup
{
    /// <summary>The scheme every policy uses: bearer tokens when an Authorization header is sent, the sign-in cookie otherwise.</summary>
    public const string Scheme = "JoinedUp";

    public const string SectionName = "Security";

    public static AuthOptions AddJoinedUpSecurity(this WebApplicationBuilder builder, bool demo)
    {
        var services = builder.Services;
        var auth = new AuthOptions();
        builder.Configuration.GetSection(SectionName).Bind(auth);
        if (demo) auth.RequireHttps = builder.Configuration.GetValue($"{SectionName}:RequireHttps", false);
        services.AddSingleton(auth);
        services.Configure<SecurityOptions>(builder.Configuration.GetSection(SecurityOptions.SectionName));
        services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<SecurityOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        byte[]? auditKey;
        try
        {
            auditKey = AuditChain.ParseKey(auth.AuditKey);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
        services.AddSingleton(sp => new AuditTrail(sp.GetRequiredService<StorageOptions>(), sp.GetRequiredService<ILogger<AuditTrail>>(), auditKey));
        services.AddSingleton<SecurityDirectory>();
        services.AddScoped<RecordAccessService>();
        services.AddScoped<RelationshipService>();
        services.AddScoped<ConsentService>();
        services.AddScoped<CarerProxyService>();
        services.AddScoped<BreakGlassReviewService>();
        services.AddHttpContextAccessor();

        services.AddIdentity<JoinedUpUser, IdentityRole>(o =>
            {
                o.Password.RequiredLength = 12;
                o.Password.RequireNonAlphanumeric = false;
                o.User.RequireUniqueEmail = true;
                o.Lockout.MaxFailedAccessAttempts = auth.LockoutAttempts;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(auth.LockoutMinutes);
                o.Lockout.AllowedForNewUsers = true;
                o.ClaimsIdentity.UserIdClaimType = JoinedUpClaims.Subject;
                o.ClaimsIdentity.UserNameClaimType = JoinedUpClaims.Name;
                o.ClaimsIdentity.RoleClaimType = JoinedUpClaims.Role;
            })
            .AddEntityFrameworkStores<JoinedUpDbContext>()
            .AddClaimsPrincipalFactory<JoinedUpClaimsFactory>()
            .AddDefaultTokenProviders();
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "joinedup.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = auth.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/account/login";
            o.AccessDeniedPath = "/account/denied";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnRedirectToLogin = ctx => ApiOrRedirect(ctx, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiOrRedirect(ctx, StatusCodes.Status403Forbidden);
        });

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = Scheme;
                o.DefaultAuthenticateScheme = Scheme;
                o.DefaultChallengeScheme = Scheme;
                o.DefaultForbidScheme = Scheme;
            })
            .AddPolicyScheme(Scheme, "Cookie or bearer token", o => o.ForwardDefaultSelector = ctx =>
                Policies.IsBearer(ctx) ? OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme : IdentityConstants.ApplicationScheme);

        services.AddSingleton<IAuthorizationPolicyProvider, PermissionPolicyProvider>();
        services.AddSingleton<IAuthorizationHandler, PermissionHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, AuditingResultHandler>();
        services.AddAuthorizationBuilder()
            // Anything that does not declare a permission or [AllowAnonymous] needs a sign-in at least.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build());

        var openIddict = services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<JoinedUpDbContext>());
        if (string.IsNullOrWhiteSpace(auth.Authority))
        {
            openIddict.AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetEndSessionEndpointUris("connect/logout")
                    .SetUserInfoEndpointUris("connect/userinfo");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.AllowClientCredentialsFlow();
                o.AllowRefreshTokenFlow();
                o.RegisterScopes([OpenIddict.Abstractions.OpenIddictConstants.Scopes.OpenId, OpenIddict.Abstractions.OpenIddictConstants.Scopes.Profile,
                    OpenIddict.Abstractions.OpenIddictConstants.Scopes.Email,
                    OpenIddict.Abstractions.OpenIddictConstants.Scopes.OfflineAccess, .. SmartScopes.Supported]);
                o.RegisterAudiences(auth.Audience);
                o.SetAccessTokenLifetime(TimeSpan.FromMinutes(auth.AccessTokenMinutes));
                // Plain JWT access tokens (signed, not encrypted) so that other resource servers can validate them.
                o.DisableAccessTokenEncryption();
                if (Certificate(auth, demo, builder.Environment, "the embedded sign-in server needs a PFX certificate to sign tokens (see README \"Configuration\"), or set Security:Authority to use an external issuer") is { } certificate)
                {
                    o.AddSigningCertificate(certificate).AddEncryptionCertificate(certificate);
                }
                else
                {
                    o.AddDevelopmentSigningCertificate().AddDevelopmentEncryptionCertificate();
                }
                // Every token request is audited, including those OpenIddict refuses before our endpoint runs (bad secret, used code).
                o.AddEventHandler<OpenIddict.Server.OpenIddictServerEvents.ApplyTokenResponseContext>(handler => handler.UseInlineHandler(async context =>
                {
                    if (Microsoft.AspNetCore.OpenIddictServerAspNetCoreHelpers.GetHttpRequest(context.Transaction)?.HttpContext is not { } http) return;
                    var error = context.Response.Error;
                    await http.RequestServices.GetRequiredService<AuditTrail>().RecordAsync(new AuditEvent
                    {
                        At = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime,
                        ClientId = context.Request?.ClientId,
                        Action = "token",
                        Resource = "POST /connect/token",
                        Outcome = error is null ? AuditOutcome.Allowed : AuditOutcome.Unauthenticated,
                        Basis = error is null ? $"issued ({context.Request?.GrantType})" : $"{error}: {context.Response.ErrorDescription}",
                    }, http.RequestAborted).ConfigureAwait(false);
                }));
                var aspnet = o.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough();
                if (!auth.RequireHttps) aspnet.DisableTransportSecurityRequirement();
            });
            openIddict.AddValidation(o =>
            {
                o.UseLocalServer();
                o.AddAudiences(auth.Audience);
                o.UseAspNetCore();
            });
        }
        else
        {
            // An external issuer: its discovery document and keys are fetched over HTTPS; its tokens must name our audience.
            openIddict.AddValidation(o =>
            {
                o.SetIssuer(auth.Authority);
                o.AddAudiences(auth.Audience);
                o.UseSystemNetHttp();
                o.UseAspNetCore();
            });
            if (!string.IsNullOrWhiteSpace(auth.ExternalClientId))
            {
                // Browser sign-in through the external issuer (authorization code with PKCE); the callback links the
                // person to a JoinedUp account, which holds their roles.
                openIddict.AddClient(o =>
                {
                    o.AllowAuthorizationCodeFlow();
                    o.SetRedirectionEndpointUris("account/external/callback");
                    if (Certificate(auth, demo, builder.Environment, "sign-in through an external issuer needs a PFX certificate to protect its state") is { } certificate)
                    {
                        o.AddSigningCertificate(certificate).AddEncryptionCertificate(certificate);
                    }
                    else
                    {
                        o.AddDevelopmentSigningCertificate().AddDevelopmentEncryptionCertificate();
                    }
                    var aspnet = o.UseAspNetCore().EnableRedirectionEndpointPassthrough();
                    if (!auth.RequireHttps) aspnet.DisableTransportSecurityRequirement();
                    o.UseSystemNetHttp();
                    o.AddRegistration(new OpenIddict.Client.OpenIddictClientRegistration
                    {
                        Issuer = new Uri(auth.Authority, UriKind.Absolute),
                        ClientId = auth.ExternalClientId,
                        ClientSecret = auth.ExternalClientSecret,
                        ProviderDisplayName = auth.ExternalDisplayName,
                        RedirectUri = new Uri("account/external/callback", UriKind.Relative),
                        Scopes = { OpenIddict.Abstractions.OpenIddictConstants.Scopes.OpenId, OpenIddict.Abstractions.OpenIddictConstants.Scopes.Profile, OpenIddict.Abstractions.OpenIddictConstants.Scopes.Email },
                    });
                });
            }
        }

        // Sign-in attempts (the form and the token endpoint) are limited per client address, before any password or secret is checked.
        services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in auth.KnownProxies)
            {
                if (!System.Net.IPAddress.TryParse(proxy, out var address))
                {
                    throw new InvalidOperationException($"Security:KnownProxies has '{proxy}', which is not an IP address.");
                }
                o.KnownProxies.Add(address);
            }
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx => IsSignInAttempt(ctx.Request)
                ? RateLimitPartition.GetFixedWindowLimiter("sign-in:" + (ctx.Connection.RemoteIpAddress?.ToString() ?? "local"),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = auth.SignInAttemptsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 })
                : JoinedUp.Web.Access.PublicForm.IsPublicPost(ctx.Request)
                    // The public forms (referral, status check, feedback) need no account: a robot may post as fast as it can, a person does not.
                    ? RateLimitPartition.GetFixedWindowLimiter("public:" + (ctx.Connection.RemoteIpAddress?.ToString() ?? "local"),
                        _ => new FixedWindowRateLimiterOptions { PermitLimit = auth.PublicFormPostsPer10Minutes, Window = TimeSpan.FromMinutes(10), QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("other"));
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                if (JoinedUp.Web.Access.PublicForm.IsPublicPost(ctx.HttpContext.Request))
                {
                    ctx.HttpContext.Response.ContentType = "text/html; charset=utf-8";
                    await ctx.HttpContext.Response.WriteAsync("<!DOCTYPE html><html lang=\"en\"><head><title>Too many attempts</title><link rel=\"stylesheet\" href=\"/lib/nhsuk-frontend/nhsuk-frontend.min.css\" /></head><body><main class=\"nhsuk-width-container nhsuk-main-wrapper\"><h1 class=\"nhsuk-heading-xl\">Too many attempts from your connection</h1><p>Wait 10 minutes and try again, or call the single point of access. If you need help urgently, call 111; in an emergency, 999.</p></main></body></html>", ct).ConfigureAwait(false);
                    return;
                }
                if (ctx.HttpContext.Request.Path.StartsWithSegments("/account/login", StringComparison.OrdinalIgnoreCase))
                {
                    ctx.HttpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
                    ctx.HttpContext.Response.Headers.Location = "/account/login?error=limited";
                    return;
                }
                await ctx.HttpContext.Response.WriteAsJsonAsync(new ProblemDetailsLike("Too many sign-in attempts",
                    "Wait a minute before trying again.", 429), ct).ConfigureAwait(false);
            };
        });
        return auth;
    }

    /// <summary>
    /// The configured PFX that signs and encrypts, or null to use generated development certificates, which only demo
    /// mode and Development may do; anywhere else a missing certificate stops start-up with <paramref name="why"/>.
    /// </summary>
    private static X509Certificate2? Certificate(AuthOptions auth, bool demo, IHostEnvironment environment, string why)
    {
        if (!string.IsNullOrWhiteSpace(auth.SigningCertificatePath))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(auth.SigningCertificatePath, auth.SigningCertificatePassword);
        }
        if (demo || environment.IsDevelopment()) return null;
        throw new InvalidOperationException($"Security:SigningCertificatePath is not set: outside demo mode {why}.");
    }


    private static bool IsSignInAttempt(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && (request.Path.StartsWithSegments("/account/login", StringComparison.OrdinalIgnoreCase)
            || request.Path.StartsWithSegments("/connect/token", StringComparison.OrdinalIgnoreCase));

    private static Task ApiOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> ctx, int status)
    {
        // APIs answer 401/403; browsers (pages, and the authorization endpoint an app sends them to) go to sign in.
        if (AuditingResultHandler.IsApi(ctx.Request.Path) && !ctx.Request.Path.StartsWithSegments("/connect/authorize", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }
}
