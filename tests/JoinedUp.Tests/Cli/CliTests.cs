using System.Diagnostics;
using JoinedUp.Storage;

namespace JoinedUp.Tests.Cli;

/// <summary>The real `joinedup` command, run as a process.</summary>
public class CliTests
{
    private static readonly string CliDll = Path.Combine(AppContext.BaseDirectory, "joinedup.dll");

    internal static async Task<(int Exit, string Out, string Err)> Run(IDictionary<string, string?>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("Storage__", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(key);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Migrate_generate_and_stats_work_end_to_end(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var env = db.EnvironmentVariables();

        var migrate = await Run(env, "db", "migrate");
        Assert.True(migrate.Exit == 0, migrate.Err);
        Assert.Contains("Applied", migrate.Out, StringComparison.Ordinal);
        Assert.Contains("up to date", (await Run(env, "db", "migrate")).Out, StringComparison.Ordinal);

        var generate = await Run(env, "generate", "--patients", "400", "--seed", "9", "--as-of", "2026-06-30");
        Assert.True(generate.Exit == 0, generate.Err);
        Assert.Contains("Generated 400 patients in 36 practices and 8 networks", generate.Out, StringComparison.Ordinal);
        Assert.Contains("100 %", generate.Err, StringComparison.Ordinal); // progress is shown

        var stats = await Run(env, "stats");
        Assert.True(stats.Exit == 0, stats.Err);
        Assert.Matches(@"patient\s+400", stats.Out);
        Assert.Contains("Bethnal Green network", stats.Out, StringComparison.Ordinal);
        Assert.Contains("Z10036", stats.Out, StringComparison.Ordinal);

        var again = await Run(env, "generate", "--patients", "100");
        Assert.Equal(2, again.Exit);
        Assert.Contains("--replace", again.Err, StringComparison.Ordinal);
        Assert.Matches(@"patient\s+400", (await Run(env, "stats")).Out);
    }

    [Fact]
    public async Task Help_describes_every_command()
    {
        var help = await Run(null, "--help");
        Assert.Equal(0, help.Exit);
        foreach (var command in new[] { "db", "generate", "stats", "catalogue" }) Assert.Contains(command, help.Out, StringComparison.Ordinal);
        var generate = await Run(null, "generate", "--help");
        Assert.Contains("--patients", generate.Out, StringComparison.Ordinal);
        Assert.Contains("--seed", generate.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_message_and_a_non_zero_exit()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ju-cli-{Guid.NewGuid():N}.db");
        var badDate = await Run(null, "generate", "--as-of", "31/03/2026", "--database", path);
        Assert.Equal(2, badDate.Exit);
        Assert.Contains("yyyy-MM-dd", badDate.Err, StringComparison.Ordinal);

        var tooMany = await Run(null, "generate", "--patients", "0", "--database", path);
        Assert.Equal(2, tooMany.Exit);
        Assert.Contains("--patients must be between 1", tooMany.Err, StringComparison.Ordinal);

        var unreachable = await Run(new Dictionary<string, string?>
        {
            ["Storage__Provider"] = "Postgres",
            ["Storage__ConnectionString"] = "Host=127.0.0.1;Port=1;Database=x;Username=u;Password=p;Timeout=3",
        }, "db", "migrate");
        Assert.Equal(1, unreachable.Exit);
        Assert.Contains("Cannot use the PostgreSQL database 'x' on 127.0.0.1:1", unreachable.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", unreachable.Err, StringComparison.Ordinal); // no stack trace

        var badCatalogue = Path.Combine(Path.GetTempPath(), $"ju-cat-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(badCatalogue, "{ \"borough\": ");
        var catalogue = await Run(null, "catalogue", "validate", badCatalogue);
        Assert.Equal(2, catalogue.Exit);
        Assert.Contains("not valid JSON", catalogue.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Triage_rules_print_validate_and_a_bad_file_lists_each_problem_with_exit_2()
    {
        var printed = await Run(null, "triage-rules", "default");
        Assert.Equal(0, printed.Exit);
        var file = Path.Combine(Path.GetTempPath(), $"ju-rules-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, printed.Out);
        var valid = await Run(null, "triage-rules", "validate", file);
        Assert.Equal(0, valid.Exit);
        Assert.Contains("The triage rules are valid", valid.Out, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, printed.Out.Replace("\"foot-health\"", "\"foot-spa\"", StringComparison.Ordinal).Replace("\"Within2Days\"", "\"Soonish\"", StringComparison.Ordinal));
        var bad = await Run(null, "triage-rules", "validate", file);
        Assert.Equal(2, bad.Exit);
        Assert.Contains("foot-spa", bad.Err, StringComparison.Ordinal);
        Assert.Contains("Soonish", bad.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.Err, StringComparison.Ordinal);
        File.Delete(file);
    }
}
