using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using JoinedUp.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Security;

/// <summary>
/// Security:Authority points JoinedUp at another OpenID Connect issuer. Here the issuer is a second JoinedUp running
/// as a real process on a loopback port (so discovery and keys are fetched over real HTTP), sharing the database.
/// </summary>
public class ExternalIssuerTests
{
    [Fact]
    public async Task With_an_external_authority_the_API_accepts_its_tokens_and_refuses_forged_ones()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        using var issuer = await IssuerProcess.StartAsync(db.Options.SqlitePath);

        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (k, v) in db.EnvironmentVariables()) b.UseSetting(k.Replace("__", ":", StringComparison.Ordinal), v);
            b.UseSetting("Demo:Enabled", "true");
            b.UseSetting("Demo:Patients", "200");
            b.UseSetting("Security:Authority", issuer.BaseUrl + "/");
            b.UseSetting("Security:RequireHttps", "false");
        });
        using var api = app.CreateClient();

        using var http = new HttpClient();
        var tokenResponse = await http.PostAsync($"{issuer.BaseUrl}/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "demo-gp-system",
            ["client_secret"] = "demo-gp-system-secret",
            ["scope"] = "system/*.rs",
        }));
        Assert.True(tokenResponse.IsSuccessStatusCode, await tokenResponse.Content.ReadAsStringAsync());
        var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;

        // This app runs no issuer of its own...
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync("/connect/token", new FormUrlEncodedContent([]))).StatusCode);

        // ...but trusts the external one's tokens, with the same rules.
        await using var context = JoinedUpStorage.CreateContext(db.Options);
        var own = await context.Patients.Where(p => p.RegisteredPractice!.OdsCode == "Z10001").Select(p => p.Id).FirstAsync();
        var other = await context.Patients.Where(p => p.RegisteredPractice!.OdsCode != "Z10001").Select(p => p.Id).FirstAsync();
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/record/patients/{own}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.GetAsync($"/api/record/patients/{other}")).StatusCode);

        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync($"/api/record/patients/{own}")).StatusCode);
    }
}

public class ExternalSignInTests
{
    [Fact]
    public async Task A_person_signs_in_to_the_web_UI_through_the_external_issuer_and_gets_their_JoinedUp_account()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        // JoinedUp is reached over HTTPS, as it must be for an external issuer (its state cookie is Secure, SameSite=None).
        const string callback = "https://localhost/account/external/callback";
        using var issuer = await IssuerProcess.StartAsync(db.Options.SqlitePath, new Dictionary<string, string>
        {
            ["Security__Clients__0__ClientId"] = "joinedup-web",
            ["Security__Clients__0__Secret"] = "joinedup-web-secret",
            ["Security__Clients__0__RedirectUris__0"] = callback,
        });
        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (k, v) in db.EnvironmentVariables()) b.UseSetting(k.Replace("__", ":", StringComparison.Ordinal), v);
            b.UseSetting("Demo:Enabled", "true");
            b.UseSetting("Demo:Patients", "200");
            b.UseSetting("Security:Authority", issuer.BaseUrl + "/");
            b.UseSetting("Security:ExternalClientId", "joinedup-web");
            b.UseSetting("Security:ExternalClientSecret", "joinedup-web-secret");
            b.UseSetting("Security:ExternalDisplayName", "Test identity service");
            b.UseSetting("Security:RequireHttps", "false");
        });
        using var joinedUp = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost") });
        using var issuerBrowser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(issuer.BaseUrl) };

        Assert.Contains("Sign in with Test identity service", await joinedUp.GetStringAsync("/account/login"), StringComparison.Ordinal);

        // JoinedUp sends the browser to the issuer...
        var start = await joinedUp.GetAsync("/account/external?returnUrl=/my");
        Assert.True(start.StatusCode == HttpStatusCode.Redirect, $"{(int)start.StatusCode} {start.Headers} {await start.Content.ReadAsStringAsync()}");
        var authorize = start.Headers.Location!;
        Assert.StartsWith(issuer.BaseUrl + "/connect/authorize", authorize.ToString(), StringComparison.Ordinal);

        // ...where the person signs in (with the issuer's own form) and is sent back with a code.
        var toLogin = await issuerBrowser.GetAsync(authorize);
        Assert.True(toLogin.StatusCode == HttpStatusCode.Redirect, $"{(int)toLogin.StatusCode} {await toLogin.Content.ReadAsStringAsync()} {authorize}");
        var login = await SecureApp.PostLoginAsync(issuerBrowser, "patient@demo.joinedup.example", SecureApp.Password, authorize.PathAndQuery);
        Assert.Equal(authorize.PathAndQuery, login.Headers.Location!.OriginalString);
        var back = await issuerBrowser.GetAsync(authorize);
        Assert.True(back.StatusCode == HttpStatusCode.Redirect, $"{(int)back.StatusCode} {await back.Content.ReadAsStringAsync()}");
        Assert.StartsWith(callback, back.Headers.Location!.ToString(), StringComparison.Ordinal);

        // JoinedUp redeems the code, links the account by its verified email, and signs the person in.
        var done = await joinedUp.GetAsync(back.Headers.Location!.PathAndQuery);
        Assert.True(done.StatusCode == HttpStatusCode.Redirect, $"{(int)done.StatusCode} {done.Headers} {await done.Content.ReadAsStringAsync()}");
        Assert.Equal("/my", done.Headers.Location!.OriginalString);
        var me = JsonDocument.Parse(await joinedUp.GetStringAsync("/api/me")).RootElement;
        Assert.Equal("patient", me.GetProperty("roles")[0].GetString());
        await using var context = JoinedUpStorage.CreateContext(db.Options);
        Assert.Equal(1, await context.UserLogins.CountAsync(l => l.ProviderKey != null && l.LoginProvider == issuer.BaseUrl + "/"));
        Assert.Contains(await context.AuditEntries.Where(e => e.Action == "sign-in").Select(e => e.Basis).ToListAsync(), b => b != null && b.StartsWith("external issuer", StringComparison.Ordinal));
    }
}

/// <summary>The web app's own build output run as a process on a free loopback port.</summary>
internal sealed class IssuerProcess : IDisposable
{
    private readonly Process _process;

    private IssuerProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public static async Task<IssuerProcess> StartAsync(string sqlitePath, IDictionary<string, string>? environment = null)
    {
        var repo = PermissionMatrixTests.RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var webDir = Path.Combine(repo, "src", "JoinedUp.Web");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var baseUrl = $"http://127.0.0.1:{port}";
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = webDir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(webDir, "bin", configuration, "net10.0", "JoinedUp.Web.dll"));
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(baseUrl);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Demo";
        psi.Environment["Storage__Provider"] = "Sqlite";
        psi.Environment["Storage__SqlitePath"] = sqlitePath;
        psi.Environment["Demo__Patients"] = "200";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync($"{baseUrl}/health")).IsSuccessStatusCode) return new IssuerProcess(process, baseUrl);
            }
            catch (HttpRequestException)
            {
            }
            if (process.HasExited) throw new InvalidOperationException($"The issuer exited with code {process.ExitCode}.");
            await Task.Delay(200);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The issuer did not become healthy within 90 s.");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
        _process.Dispose();
    }
}
