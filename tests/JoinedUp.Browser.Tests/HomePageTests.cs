using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace JoinedUp.Browser.Tests;

/// <summary>Starts the real web app (its Release/Debug build output) on a free loopback port with its own SQLite database.</summary>
public sealed class RunningApp : IAsyncLifetime
{
    private Process? _process;
    private string _db = "";

    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "JoinedUp.slnx"))) repo = Path.GetDirectoryName(repo.TrimEnd('/'))!;
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var webDir = Path.Combine(repo, "src", "JoinedUp.Web");
        var dll = Path.Combine(webDir, "bin", configuration, "net10.0", "JoinedUp.Web.dll");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        BaseUrl = $"http://127.0.0.1:{port}";
        _db = Path.Combine(Path.GetTempPath(), $"joinedup-browser-{Guid.NewGuid():N}.db");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = webDir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(BaseUrl);
        psi.Environment["Storage__SqlitePath"] = _db;
        psi.Environment["Demo__Patients"] = "400";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Demo";
        _process = Process.Start(psi)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync($"{BaseUrl}/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            if (_process.HasExited) throw new InvalidOperationException($"The web app exited with code {_process.ExitCode}.");
            await Task.Delay(250);
        }
        throw new TimeoutException("The web app did not become healthy within 180 s.");
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
        _process?.Dispose();
        foreach (var s in new[] { "", "-wal", "-shm" }) File.Delete(_db + s);
        return Task.CompletedTask;
    }
}

public class HomePageTests(RunningApp app) : IClassFixture<RunningApp>
{
    internal static async Task<(IPlaywright, IBrowser)> Launch()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return (playwright, browser);
    }

    [Fact]
    public async Task The_home_page_shows_live_counts_in_the_NHS_style_with_no_serious_accessibility_violations()
    {
        var (playwright, browser) = await Launch();
        try
        {
            var page = await browser.NewPageAsync();
            var response = await page.GotoAsync(app.BaseUrl);
            Assert.Equal(200, response!.Status);
            Assert.Equal("JoinedUp – joined-up community health services", await page.TitleAsync());
            Assert.Equal("400", await page.Locator("[data-count='Patients']").InnerTextAsync());
            Assert.Equal("36", await page.Locator("[data-count='GP practices']").InnerTextAsync());
            Assert.Equal(8, await page.Locator("table.nhsuk-table tbody tr").CountAsync());

            // The NHS.UK stylesheet is loaded: the header is NHS blue, not the browser default.
            var headerColour = await page.EvalOnSelectorAsync<string>("header.nhsuk-header", "e => getComputedStyle(e).backgroundColor");
            Assert.Equal("rgb(0, 94, 184)", headerColour);

            var axe = await page.RunAxe();
            var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
            Assert.True(serious.Count == 0, string.Join("; ", serious.Select(v => $"{v.Id}: {v.Help} ({v.Nodes.Length} nodes)")));
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
