using System.Net;
using System.Text.Json;
using JoinedUp.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace JoinedUp.Tests.Web;

/// <summary>The web host over real HTTP (in-process test server), on its own database.</summary>
public class WebTests
{
    private static WebApplicationFactory<Program> Factory(TestDatabase db, int demoPatients) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            foreach (var (k, v) in db.EnvironmentVariables()) b.UseSetting(k.Replace("__", ":", StringComparison.Ordinal), v);
            b.UseSetting("Demo:Enabled", "true");
            b.UseSetting("Demo:Patients", demoPatients.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Start_up_migrates_loads_a_demo_borough_and_the_home_page_shows_live_counts(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var app = Factory(db, 250);
        using var client = app.CreateClient();

        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var html = await home.Content.ReadAsStringAsync();
        Assert.Contains("data-count=\"Patients\">250<", html, StringComparison.Ordinal);
        Assert.Contains("data-count=\"GP practices\">36<", html, StringComparison.Ordinal);
        Assert.Contains("Bethnal Green network", html, StringComparison.Ordinal);
        Assert.Equal("nosniff", home.Headers.GetValues("X-Content-Type-Options").Single());

        var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("Healthy", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var openApi = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Contains("/api/directory/services", await openApi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_catalogue_is_served_and_an_unknown_service_is_a_404_that_says_where_to_look()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var app = Factory(db, 50);
        using var client = app.CreateClient();

        using var services = JsonDocument.Parse(await client.GetStringAsync("/api/directory/services"));
        Assert.Equal(17, services.RootElement.GetArrayLength());
        var top = services.RootElement.EnumerateArray().Single(s => s.GetProperty("code").GetString() == "termination-of-pregnancy");
        Assert.True(top.GetProperty("sensitive").GetBoolean());

        var missing = await client.GetAsync("/api/directory/services/no-such-service");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("/api/directory/services", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var networks = JsonDocument.Parse(await client.GetStringAsync("/api/directory/networks"));
        Assert.Equal(8, networks.RootElement.GetArrayLength());
        Assert.Equal(36, networks.RootElement.EnumerateArray().Sum(n => n.GetProperty("practices").GetArrayLength()));
    }

    [Fact]
    public async Task Health_reports_unhealthy_when_the_database_is_unreachable()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var app = Factory(db, 50);
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        // Replace the database file with something that is not a database.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await File.WriteAllTextAsync(db.Options.SqlitePath, new string('x', 8192));
        foreach (var s in new[] { "-wal", "-shm" }) File.Delete(db.Options.SqlitePath + s);
        var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("Unhealthy", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
