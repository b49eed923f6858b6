using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JoinedUp.Tests.Security;

/// <summary>A clock the tests move by hand: no sleeping to make a token or a break-glass expire.</summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// The web app in demo mode on a database of its own (SQLite or PostgreSQL), with a small borough, the demo
/// sign-ins, a controllable clock, and helpers to sign in through the real form and the real OAuth endpoints.
/// </summary>
public sealed partial class SecureApp : IAsyncDisposable
{
    public const string Password = DemoSecurity.Password;

    public TestDatabase Db { get; }

    public WebApplicationFactory<Program> Factory { get; }

    public TestClock Clock { get; } = new();

    /// <summary>Where this app's bulk exports go (deleted with the app).</summary>
    public string ExportFolder { get; } = Path.Combine(Path.GetTempPath(), "joinedup-test-exports-" + Guid.NewGuid().ToString("N"));

    private readonly bool _ownsDatabase;

    private SecureApp(TestDatabase db, IDictionary<string, string?> settings, bool ownsDatabase = true)
    {
        Db = db;
        _ownsDatabase = ownsDatabase;
        Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (k, v) in db.EnvironmentVariables()) b.UseSetting(k.Replace("__", ":", StringComparison.Ordinal), v);
            b.UseSetting("Demo:Enabled", "true");
            b.UseSetting("Demo:Patients", "300");
            b.UseSetting("Demo:CareStory", "false");
            // No official outcomes runs at start-up: the outcomes tests start their own runs.
            b.UseSetting("Demo:OutcomesRuns", "false");
            b.UseSetting("Security:RequireHttps", "false");
            b.UseSetting("Security:SignInAttemptsPerMinute", "10000");
            b.UseSetting("Fhir:ExportFolder", ExportFolder);
            // Quartz is off unless a test turns it on (Scheduler:Enabled=true): tests run the jobs' services directly.
            b.UseSetting("Scheduler:Enabled", "false");
            foreach (var (k, v) in settings) b.UseSetting(k, v);
            b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(Clock));
        });
    }

    public static async Task<SecureApp> StartAsync(StorageProvider provider, IDictionary<string, string?>? settings = null)
    {
        var db = await TestDatabase.CreateAsync(provider);
        var app = new SecureApp(db, settings ?? new Dictionary<string, string?>());
        using var warm = app.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await warm.GetAsync("/health")).StatusCode);
        return app;
    }

    /// <summary>The app on a database that outlives it (a restart: start, dispose, start again on the same database).</summary>
    public static async Task<SecureApp> StartOnAsync(TestDatabase db, IDictionary<string, string?>? settings = null)
    {
        var app = new SecureApp(db, settings ?? new Dictionary<string, string?>(), ownsDatabase: false);
        using var warm = app.Anonymous();
        Assert.Equal(HttpStatusCode.OK, (await warm.GetAsync("/health")).StatusCode);
        return app;
    }

    public HttpClient Anonymous() => Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>The first demo account with the role (for clinicians, the community nurse).</summary>
    public static string Email(string role) => DemoSecurity.Accounts.First(a => a.Role == role).Email;

    /// <summary>Signs in through the form (with its antiforgery token) and returns the client holding the cookie.</summary>
    public async Task<HttpClient> SignInAsync(string email, string password = Password)
    {
        var client = Anonymous();
        var response = await PostLoginAsync(client, email, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString == "/",
            $"sign-in as {email} did not succeed: {(int)response.StatusCode} {response.Headers.Location}");
        return client;
    }

    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password, string returnUrl = "/")
    {
        var token = await AntiforgeryTokenAsync(client, "/account/login");
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Email"] = email,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
        }));
    }

    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, $"{page} has no antiforgery token");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    /// <summary>A system integration's token (client credentials).</summary>
    public async Task<string> ClientCredentialsTokenAsync(string scope = "system/*.rs")
    {
        using var client = Anonymous();
        var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-gp-system",
            ["client_secret"] = "demo-gp-system-secret",
            ["scope"] = scope,
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The authorization code flow with PKCE, as an app would run it, for a user already signed in on <paramref name="browser"/>.</summary>
    public static async Task<(string Access, string? Refresh)> AuthorizationCodeAsync(HttpClient browser, string scope)
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        const string redirect = "http://localhost/app/callback";
        var authorize = await browser.GetAsync($"/connect/authorize?client_id=joinedup-app&response_type=code&redirect_uri={Uri.EscapeDataString(redirect)}" +
            $"&scope={Uri.EscapeDataString(scope)}&state=xyz&code_challenge={challenge}&code_challenge_method=S256");
        Assert.True(authorize.StatusCode == HttpStatusCode.Redirect, $"authorize answered {(int)authorize.StatusCode}: {await authorize.Content.ReadAsStringAsync()}");
        var location = authorize.Headers.Location!.ToString();
        Assert.StartsWith(redirect, location, StringComparison.Ordinal);
        var code = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(location).Query)["code"].ToString();
        Assert.False(string.IsNullOrEmpty(code), location);
        var token = await browser.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "joinedup-app",
            ["code"] = code,
            ["redirect_uri"] = redirect,
            ["code_verifier"] = verifier,
        }));
        var body = await token.Content.ReadAsStringAsync();
        Assert.True(token.IsSuccessStatusCode, body);
        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("access_token").GetString()!, json.TryGetProperty("refresh_token", out var r) ? r.GetString() : null);
    }

    public HttpClient Bearer(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<T> QueryAsync<T>(Func<JoinedUpDbContext, Task<T>> query)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>());
    }

    /// <summary>The demo patient (on the nurse's caseload, with the navigator, and the carer's proxy).</summary>
    public Task<long> DemoPatientAsync() => QueryAsync(db => db.CareRelationships.Where(r => r.Kind == RelationshipKind.Caseload).Select(r => r.PatientId).FirstAsync());

    /// <summary>The patient the single point of access is triaging.</summary>
    public Task<long> TriagedPatientAsync() => QueryAsync(db => db.CareRelationships.Where(r => r.Kind == RelationshipKind.Triage).Select(r => r.PatientId).FirstAsync());

    /// <summary>A patient nobody in the demo has a relationship with (registered at another practice).</summary>
    public Task<long> StrangerAsync() => QueryAsync(db => db.Patients.Where(p => p.RegisteredPractice!.OdsCode != DemoSecurity.DemoPractice && !db.CareRelationships.Any(r => r.PatientId == p.Id)).OrderBy(p => p.Id).Select(p => p.Id).FirstAsync());

    public Task<List<JoinedUp.Security.Audit.AuditEntry>> AuditAsync(Func<JoinedUp.Security.Audit.AuditEntry, bool> filter) =>
        QueryAsync(async db => (await db.AuditEntries.AsNoTracking().OrderBy(e => e.Id).ToListAsync()).Where(filter).ToList());

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement;
    }

    public static Task<HttpResponseMessage> PostJsonAsync<T>(HttpClient client, string url, T body) => client.PostAsJsonAsync(url, body);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        if (_ownsDatabase) await Db.DisposeAsync();
        if (System.IO.Directory.Exists(ExportFolder)) System.IO.Directory.Delete(ExportFolder, recursive: true);
    }
}
