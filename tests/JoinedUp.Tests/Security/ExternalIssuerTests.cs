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

    public static async Task<IssuerProcess> StartAsync(string sqlitePath)
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
