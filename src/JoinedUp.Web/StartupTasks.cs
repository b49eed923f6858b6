using JoinedUp.Record.Synthetic;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JoinedUp.Web;

/// <summary>Demo settings, section "Demo": <c>Demo__LoadBorough=false</c> to start empty, <c>Demo__Patients=5000</c> for a bigger borough.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>
    /// Demo mode: load a synthetic borough into an empty database and create one sign-in per role with a published
    /// password. Refused in the Production environment; off unless set (scripts/run.sh sets it).
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>In demo mode, load a synthetic borough when the database has no patients.</summary>
    public bool LoadBorough { get; set; } = true;

    public int Patients { get; set; } = 3_000;

    /// <summary>
    /// In demo mode, give the demo patient a care plan and follow-up, and add a person in stroke rehabilitation ready to
    /// be handed over (issue 6). The API test harness turns it off so that its tests start from relationships only.
    /// </summary>
    public bool CareStory { get; set; } = true;

    public long Seed { get; set; } = 42;

    /// <summary>
    /// In demo mode, when no official run of the outcomes framework exists, run it officially for the last two completed
    /// financial quarters, so that the commissioner's pages show results, a trend and a statement (<c>Demo__OutcomesRuns=false</c> to start without).
    /// </summary>
    public bool OutcomesRuns { get; set; } = true;
}

/// <summary>What start-up has done so far; the home page and /health read it.</summary>
public sealed class StartupState
{
    public volatile bool Migrated;
    public volatile bool DemoLoaded;
    public volatile string? Problem;
}

/// <summary>Migrates the database and loads the demo borough into an empty one, before the app takes requests.</summary>
internal sealed partial class StartupTasks(IServiceProvider services, StorageOptions storage, IOptions<DemoOptions> demo, JoinedUp.Web.Security.AuthOptions auth, StartupState state, ILogger<StartupTasks> log) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var migrator = scope.ServiceProvider.GetRequiredService<DatabaseMigrator>();
        var applied = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        state.Migrated = true;
        var described = storage.Describe();
        LogMigrated(log, described, applied.Count);

        var db = scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>();
        if (demo.Value.Enabled && demo.Value.LoadBorough && !await db.Patients.AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            var spec = new BoroughSpec(demo.Value.Patients, demo.Value.Seed, DateOnly.FromDateTime(DateTime.UtcNow));
            var result = await new BoroughGenerator(storage).GenerateAsync(spec, null, cancellationToken).ConfigureAwait(false);
            LogDemoLoaded(log, result.Patients, result.TotalRows, result.Elapsed.TotalSeconds);
        }
        else
        {
            // An empty or new database still gets the service catalogue.
            await new JoinedUp.Directory.Catalogue.CatalogueImporter(db).ImportAsync(JoinedUp.Directory.Catalogue.ServiceCatalogue.LoadDefault(), cancellationToken).ConfigureAwait(false);
        }
        var clients = new List<JoinedUp.Web.Security.ClientOptions>(auth.Clients);
        if (demo.Value.Enabled)
        {
            await scope.ServiceProvider.GetRequiredService<JoinedUp.Web.Security.DemoSecurity>().SeedAsync(demo.Value.CareStory, cancellationToken).ConfigureAwait(false);
            await JoinedUp.Web.Outcomes.DemoExperience.SeedAsync(scope.ServiceProvider, storage, demo.Value, cancellationToken).ConfigureAwait(false);
            clients.AddRange(JoinedUp.Web.Security.DemoSecurity.Clients.Where(d => clients.All(c => c.ClientId != d.ClientId)));
        }
        else
        {
            var removed = await JoinedUp.Web.Security.DemoSecurity.RemoveAsync(db, cancellationToken).ConfigureAwait(false);
            if (removed > 0) LogDemoUsersRemoved(log, removed);
            // The demo clients' secret is published: they never outlive demo mode (their tokens and authorizations go with them).
            var applications = scope.ServiceProvider.GetRequiredService<OpenIddict.Abstractions.IOpenIddictApplicationManager>();
            foreach (var demoClient in JoinedUp.Web.Security.DemoSecurity.Clients.Where(d => clients.All(c => c.ClientId != d.ClientId)))
            {
                if (await applications.FindByClientIdAsync(demoClient.ClientId, cancellationToken).ConfigureAwait(false) is { } application)
                {
                    await applications.DeleteAsync(application, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        if (string.IsNullOrWhiteSpace(auth.Authority))
        {
            await scope.ServiceProvider.GetRequiredService<JoinedUp.Web.Security.ClientRegistrar>().EnsureAsync(clients, cancellationToken).ConfigureAwait(false);
        }
        if (demo.Value.Enabled && demo.Value.OutcomesRuns && !await db.MeasureRuns.AnyAsync(r => r.Purpose == JoinedUp.Outcomes.Measures.RunPurpose.Official, cancellationToken).ConfigureAwait(false))
        {
            var runner = scope.ServiceProvider.GetRequiredService<JoinedUp.Outcomes.Measures.OutcomesRunner>();
            var today = DateOnly.FromDateTime(scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
            var last = JoinedUp.Outcomes.Measures.FinancialQuarter.Containing(today).Previous;
            foreach (var quarter in new[] { last.Previous, last })
            {
                var run = await runner.RunAsync(quarter, JoinedUp.Outcomes.Measures.RunPurpose.Official, "demo start-up", null, cancellationToken).ConfigureAwait(false);
                LogDemoRun(log, quarter.Label, run.Run.Id, run.Run.DurationMs);
            }
        }
        state.DemoLoaded = true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo outcomes: official run {RunId} for {Quarter} in {Milliseconds} ms")]
    private static partial void LogDemoRun(ILogger logger, string quarter, long runId, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo mode is off: removed {Count} demo sign-in(s)")]
    private static partial void LogDemoUsersRemoved(ILogger logger, int count);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database ready: {Database}, {Applied} migration(s) applied")]
    private static partial void LogMigrated(ILogger logger, string database, int applied);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo borough loaded: {Patients} patients, {Rows} rows in {Seconds:F1} s")]
    private static partial void LogDemoLoaded(ILogger logger, int patients, long rows, double seconds);
}
