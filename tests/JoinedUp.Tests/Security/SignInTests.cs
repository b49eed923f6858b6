using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace JoinedUp.Tests.Security;

/// <summary>Sign-in, tokens and the attacks the issue lists: each refused, and each refusal audited.</summary>
public class SignInTests
{
    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_and_the_right_password_then_fails_too()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var client = app.Anonymous();
        var email = SecureApp.Email(Roles.Clinician);
        for (var i = 0; i < 5; i++)
        {
            var wrong = await SecureApp.PostLoginAsync(client, email, "not-the-password-" + i);
            Assert.Contains(i < 4 ? "error=invalid" : "error=locked", wrong.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        var right = await SecureApp.PostLoginAsync(client, email, SecureApp.Password);
        Assert.Contains("error=locked", right.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var page = await client.GetStringAsync(right.Headers.Location!.OriginalString);
        Assert.Contains("This account is locked", page, StringComparison.Ordinal);
        Assert.Contains(await app.AuditAsync(e => e.Action == "sign-in"), e => e.Basis == "account locked after repeated failures");

        // Locked for the configured 15 minutes (Identity keeps its own clock, so the test reads the stored end).
        var lockoutEnd = await app.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstAsync(db.Users.Where(u => u.Email == email).Select(u => u.LockoutEnd)));
        Assert.InRange(lockoutEnd!.Value - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));
    }

    [Fact]
    public async Task Sign_in_without_the_antiforgery_token_is_rejected()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var client = app.Anonymous();
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = SecureApp.Email(Roles.Clinician),
            ["Password"] = SecureApp.Password,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("joinedup.session", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sign_out_needs_the_antiforgery_token_and_then_ends_the_session()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var forged = await nurse.PostAsync("/account/logout", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await nurse.GetAsync("/api/me")).StatusCode);

        var token = await SecureApp.AntiforgeryTokenAsync(nurse, "/record");
        var signedOut = await nurse.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await nurse.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_attempts_are_rate_limited_per_client_address()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { ["Security:SignInAttemptsPerMinute"] = "3" });
        using var client = app.Anonymous();
        for (var i = 0; i < 3; i++) Assert.Contains("error=invalid", (await SecureApp.PostLoginAsync(client, "x@example.org", "wrong")).Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Contains("error=limited", (await SecureApp.PostLoginAsync(client, "x@example.org", "wrong")).Headers.Location!.OriginalString, StringComparison.Ordinal);
        var token = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = "demo-gp-system", ["client_secret"] = "guess" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, token.StatusCode);
    }

    [Fact]
    public async Task Sign_in_never_redirects_to_another_site()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var client = app.Anonymous();
        var response = await SecureApp.PostLoginAsync(client, SecureApp.Email(Roles.Patient), SecureApp.Password, "//evil.example/steal");
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Authorization_code_with_PKCE_gives_a_token_limited_by_its_scopes_and_refresh_works(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        using var nurseBrowser = await app.SignInAsync(SecureApp.Email(Roles.Clinician));

        var (access, refresh) = await SecureApp.AuthorizationCodeAsync(nurseBrowser, "openid profile offline_access user/Patient.rs");
        using var api = app.Bearer(access);
        var me = await SecureApp.JsonAsync(await api.GetAsync("/api/me"));
        Assert.Equal(["user/Patient.rs"], me.GetProperty("tokenScopes").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/record/patients/{patient}")).StatusCode);
        // The role allows writing, the token's scope does not.
        var write = await api.PostAsJsonAsync($"/api/record/patients/{patient}/observations", new { code = "999791000000106", value = 48.0 });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        // The scope allows reading any patient, the relationship does not.
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/record/patients/{await app.StrangerAsync()}")).StatusCode);
        // A person never gets system scopes: the app is not even allowed to ask for them.
        var systemScope = await nurseBrowser.GetAsync("/connect/authorize?client_id=joinedup-app&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%2Fapp%2Fcallback" +
            "&scope=system%2F*.rs&state=x&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256");
        Assert.Equal(HttpStatusCode.BadRequest, systemScope.StatusCode);
        Assert.Contains("not allowed to use the specified scope", await systemScope.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.NotNull(refresh);
        using var anonymous = app.Anonymous();
        var refreshed = await anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = "joinedup-app",
            ["refresh_token"] = refresh!,
        }));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var newAccess = (await SecureApp.JsonAsync(refreshed)).GetProperty("access_token").GetString()!;
        using var again = app.Bearer(newAccess);
        Assert.Equal(HttpStatusCode.OK, (await again.GetAsync($"/api/record/patients/{patient}")).StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_system_integration_reads_patients_of_its_own_practice_only(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var system = app.Bearer(await app.ClientCredentialsTokenAsync());
        Assert.Equal(HttpStatusCode.OK, (await system.GetAsync($"/api/record/patients/{await app.DemoPatientAsync()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await system.GetAsync($"/api/record/patients/{await app.StrangerAsync()}")).StatusCode);
        // Its token says read and search, so writing is refused even though system integrations may write.
        var write = await system.PostAsJsonAsync($"/api/record/patients/{await app.DemoPatientAsync()}/observations", new { code = "999791000000106", value = 48.0 });
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        var audit = await app.AuditAsync(e => e.UserId == "demo-gp-system");
        Assert.Contains(audit, e => e.Outcome == AuditOutcome.Allowed && e.Basis == "registered at Z10001");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task No_token_expired_token_wrong_audience_and_tampered_signature_are_401_and_audited(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var url = $"/api/record/patients/{patient}";
        using var nurseBrowser = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var (good, _) = await SecureApp.AuthorizationCodeAsync(nurseBrowser, "user/*.rs");
        using (var ok = app.Bearer(good)) Assert.Equal(HttpStatusCode.OK, (await ok.GetAsync(url)).StatusCode);

        using (var none = app.Anonymous()) Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync(url)).StatusCode);

        var parts = good.Split('.');
        var flipped = parts[2][0] == 'A' ? 'B' + parts[2][1..] : 'A' + parts[2][1..];
        using (var tampered = app.Bearer($"{parts[0]}.{parts[1]}.{flipped}")) Assert.Equal(HttpStatusCode.Unauthorized, (await tampered.GetAsync(url)).StatusCode);

        // Re-signed with the server's own key: unchanged it is accepted (so the signing here is right); for another audience it is refused.
        using (var resigned = app.Bearer(Resign(good, payload => payload))) Assert.Equal(HttpStatusCode.OK, (await resigned.GetAsync(url)).StatusCode);
        using (var otherAudience = app.Bearer(Resign(good, payload => { payload["aud"] = "some-other-api"; return payload; })))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await otherAudience.GetAsync(url)).StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromMinutes(61));
        using (var expired = app.Bearer(good)) Assert.Equal(HttpStatusCode.Unauthorized, (await expired.GetAsync(url)).StatusCode);

        var refusals = await app.AuditAsync(e => e.Outcome == AuditOutcome.Unauthenticated && e.Resource == $"GET {url}");
        Assert.True(refusals.Count >= 4, $"expected 4 audited refusals, found {refusals.Count}");
    }

    /// <summary>Re-signs an access token's (edited) payload with the issuer's development signing certificate.</summary>
    private static string Resign(string token, Func<JsonObject, JsonObject> edit)
    {
        var jwt = new JsonWebToken(token);
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadOnly);
        var thumbprint = Base64UrlEncoder.DecodeBytes(jwt.X5t);
        var certificate = store.Certificates.Cast<X509Certificate2>().Single(c => c.GetCertHash().AsSpan().SequenceEqual(thumbprint));
        var payload = edit(JsonNode.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(token.Split('.')[1])))!.AsObject());
        var credentials = new X509SigningCredentials(certificate, SecurityAlgorithms.RsaSha256);
        return new JsonWebTokenHandler().CreateToken(payload.ToJsonString(), credentials, new Dictionary<string, object> { ["typ"] = "at+jwt" });
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Demo_sign_ins_are_removed_when_the_app_runs_outside_demo_mode(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var demo = new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(b => Configure(b, db, demo: true)))
        {
            using var client = demo.CreateClient();
            Assert.Contains("Demo sign-ins", await client.GetStringAsync("/account/login"), StringComparison.Ordinal);
        }
        await using var real = new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            Configure(b, db, demo: false);
            b.UseSetting("Security:SigningCertificatePath", null);
        });
        using var plain = real.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var page = await plain.GetStringAsync("/account/login");
        Assert.DoesNotContain("Demo sign-ins", page, StringComparison.Ordinal);
        var attempt = await SecureApp.PostLoginAsync(plain, SecureApp.Email(Roles.Administrator), SecureApp.Password);
        Assert.Contains("error=invalid", attempt.Headers.Location!.OriginalString, StringComparison.Ordinal);
        // The demo system client's secret is published: it is gone too.
        var token = await plain.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-gp-system",
            ["client_secret"] = "demo-gp-system-secret",
            ["scope"] = "system/*.rs",
        }));
        Assert.False(token.IsSuccessStatusCode);
    }

    private static void Configure(Microsoft.AspNetCore.Hosting.IWebHostBuilder b, TestDatabase db, bool demo)
    {
        foreach (var (k, v) in db.EnvironmentVariables()) b.UseSetting(k.Replace("__", ":", StringComparison.Ordinal), v);
        b.UseSetting("Demo:Enabled", demo ? "true" : "false");
        b.UseSetting("Demo:Patients", "120");
        b.UseSetting("Security:RequireHttps", "false");
    }

    [Fact]
    public void Demo_mode_is_refused_in_the_production_environment()
    {
        using var factory = new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment("Production");
            b.UseSetting("Demo:Enabled", "true");
            b.UseSetting("Storage:SqlitePath", Path.Combine(Path.GetTempPath(), $"ju-prod-{Guid.NewGuid():N}.db"));
        });
        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("Demo:Enabled is true in the Production environment", ex.ToString(), StringComparison.Ordinal);
    }
}
