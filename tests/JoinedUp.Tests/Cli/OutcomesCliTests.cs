namespace JoinedUp.Tests.Cli;

/// <summary>`joinedup measures check` and `joinedup outcomes run` run as processes.</summary>
public class OutcomesCliTests
{
    [Fact]
    public async Task Measures_check_accepts_the_built_in_framework_and_lists_every_problem_in_an_edited_folder()
    {
        var ok = await CliTests.Run(null, "measures", "check");
        Assert.True(ok.Exit == 0, ok.Err);
        Assert.Contains("15 measures and 20 value sets from built in are valid", ok.Out, StringComparison.Ordinal);

        var dir = Path.Combine(Path.GetTempPath(), $"measures-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "measures"));
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "measures", "bad.measure.json"), """
                { "id": "bad", "version": "1", "title": "t", "domain": "quality", "subject": { "type": "patient" },
                  "period": { "length": "P12M", "endsAt": "quarterEnd" }, "levels": ["borough"],
                  "population": [],
                  "numerator": [ { "kind": "observation", "valueSet": "qof-ifcchbam-cod", "within": "[periodEnd-P12M, periodEnd]", "value": { "op": "<=", "value": 58 } } ] }
                """);
            await File.WriteAllTextAsync(Path.Combine(dir, "measures", "unknown-set.measure.json"), """
                { "id": "unknown-set", "version": "1", "title": "t", "domain": "quality", "subject": { "type": "patient" },
                  "period": { "length": "P12M", "endsAt": "quarterEnd" }, "levels": ["borough"],
                  "population": [ { "kind": "condition", "valueSet": "not-there" } ], "numerator": [] }
                """);
            var bad = await CliTests.Run(null, "measures", "check", dir);
            Assert.Equal(2, bad.Exit);
            Assert.Contains("measures/bad.measure.json: $.numerator[0].value.unit: is missing", bad.Err, StringComparison.Ordinal);
            Assert.Contains("measures/unknown-set.measure.json: $.population[0].valueSet: no value set has the id 'not-there'", bad.Err, StringComparison.Ordinal);
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Outcomes_run_stores_a_run_and_prints_the_boroughs_figures_and_refuses_a_bad_quarter()
    {
        var db = Path.Combine(Path.GetTempPath(), $"outcomes-cli-{Guid.NewGuid():N}.db");
        try
        {
            var bad = await CliTests.Run(null, "outcomes", "run", "--quarter", "2026/28-Q1", "--database", db);
            Assert.Equal(2, bad.Exit);
            Assert.Contains("does not exist", bad.Err, StringComparison.Ordinal);

            var generate = await CliTests.Run(null, "generate", "--patients", "300", "--as-of", "2026-11-01", "--quiet", "--database", db);
            Assert.True(generate.Exit == 0, generate.Err);
            var run = await CliTests.Run(null, "outcomes", "run", "--quarter", "2026/27-Q2", "--official", "--quiet", "--database", db);
            Assert.True(run.Exit == 0, run.Err);
            Assert.Contains("Run 1 (official) for 2026/27 Q2: 15 measures", run.Out, StringComparison.Ordinal);
            Assert.Matches(@"diabetes-hba1c\s+2025-10-01 to 2026-09-30", run.Out);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(db + suffix);
        }
    }
}
