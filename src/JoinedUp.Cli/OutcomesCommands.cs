using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Measures.Sql;
using JoinedUp.Storage;

namespace JoinedUp.Cli;

/// <summary>
/// `joinedup measures check` (an analyst's check of edited definitions) and `joinedup outcomes run` (the framework for a
/// quarter, stored as a run).
/// </summary>
internal static class OutcomesCommands
{
    private const int ExitBadInput = 2;

    private static Argument<string?> DefinitionsArgument() => new("definitions")
    {
        Description = "Folder holding measures/*.measure.json and valuesets/*.valueset.json (default: the built-in framework).",
        Arity = ArgumentArity.ZeroOrOne,
    };

    public static Command Measures()
    {
        var measures = new Command("measures", "The outcome measure definitions: check them after editing.");
        var folder = DefinitionsArgument();
        var database = Commands.DatabaseOption();
        var explain = new Option<bool>("--explain") { Description = "Also ask the database for each statement's plan (EXPLAIN), which checks the SQL against the real schema." };
        var check = new Command("check", "Read every definition and value set, list every problem with its file and JSON path, and compile each measure for SQLite and PostgreSQL.")
        {
            folder, database, explain,
        };
        check.SetAction((parse, ct) => Commands.Run(async () =>
        {
            var library = Load(parse.GetValue(folder));
            var quarter = FinancialQuarter.Containing(DateOnly.FromDateTime(DateTime.UtcNow)).Previous;
            foreach (var m in library.Measures)
            {
                var period = MeasureCompiler.PeriodFor(m, quarter);
                MeasureCompiler.Compile(m, period, SqlDialect.Sqlite);
                MeasureCompiler.Compile(m, period, SqlDialect.Postgres);
                Console.WriteLine($"ok  {m.Id,-26} {m.Domain.ToString().ToLowerInvariant(),-15} {m.Scoring.ToString().ToLowerInvariant(),-10} {m.Title}");
            }
            Console.WriteLine($"{library.Measures.Count} measures and {library.ValueSets.Count} value sets from {library.Origin} are valid (framework sha256 {library.Sha256[..12]}).");
            if (!parse.GetValue(explain)) return 0;

            var storage = Commands.Storage(parse.GetValue(database));
            await using (var context = JoinedUpStorage.CreateContext(storage))
            {
                await new DatabaseMigrator(context, storage).MigrateAsync(ct).ConfigureAwait(false);
            }
            var connection = await JoinedUpStorage.OpenConnectionAsync(storage, ct).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var dialect = SqlDialect.For(storage.Provider);
                foreach (var m in library.Measures)
                {
                    var compiled = MeasureCompiler.Compile(m, MeasureCompiler.PeriodFor(m, quarter), dialect);
                    Console.WriteLine();
                    Console.WriteLine($"-- {m.Id} ({storage.Provider})");
                    foreach (var line in await ExplainAsync(connection, storage.Provider, compiled, ct).ConfigureAwait(false)) Console.WriteLine(line);
                }
            }
            return 0;
        }));
        measures.Subcommands.Add(check);
        return measures;
    }

    public static Command Outcomes()
    {
        var outcomes = new Command("outcomes", "Run the outcomes framework for a quarter.");
        var quarter = new Option<string>("--quarter") { Description = "The financial quarter, e.g. 2026/27-Q1 (April to June 2026).", Required = true };
        var official = new Option<bool>("--official") { Description = "Store the run as the quarter's official figures (a payment statement names one); otherwise ad hoc." };
        var definitions = new Option<string?>("--definitions") { Description = "Folder of definitions to use instead of the built-in framework." };
        var quiet = new Option<bool>("--quiet") { Description = "Print only the results, no progress." };
        var database = Commands.DatabaseOption();
        var run = new Command("run", "Run every measure for the quarter on the database, store the run and its figures by borough, network, practice and service, and print the borough's figures.")
        {
            quarter, official, definitions, quiet, database,
        };
        run.SetAction((parse, ct) => Commands.Run(async () =>
        {
            if (!FinancialQuarter.TryParse(parse.GetValue(quarter), out var q, out var error))
            {
                Console.Error.WriteLine($"error: --quarter: {error}.");
                return ExitBadInput;
            }
            var library = Load(parse.GetValue(definitions));
            var storage = Commands.Storage(parse.GetValue(database));
            await using (var context = JoinedUpStorage.CreateContext(storage))
            {
                await new DatabaseMigrator(context, storage).MigrateAsync(ct).ConfigureAwait(false);
            }
            var bar = parse.GetValue(quiet) ? null : new ProgressBar(Console.Error);
            var result = await new OutcomesRunner(storage, library)
                .RunAsync(q, parse.GetValue(official) ? RunPurpose.Official : RunPurpose.Adhoc, "joinedup outcomes run", bar, ct).ConfigureAwait(false);
            bar?.Done();
            Console.WriteLine($"Run {result.Run.Id} ({result.Run.Purpose.ToString().ToLowerInvariant()}) for {q.Label}: {library.Measures.Count} measures in {result.Run.DurationMs:N0} ms on the {storage.Describe()}.");
            Console.WriteLine($"{"measure",-26} {"period",-23} {"denominator",11} {"excl+exc",9} {"numerator",10} {"rate",9}  95% interval      time");
            foreach (var e in result.Evaluations)
            {
                var b = e.Borough;
                var rate = b.Rate(e.Definition);
                var ci = b.Interval(e.Definition);
                var rateText = rate is null ? "-" : e.Definition.Scoring == MeasureScoring.Proportion ? rate.Value.ToString("P1", CultureInfo.InvariantCulture) : rate.Value.ToString("0.###", CultureInfo.InvariantCulture);
                var ciText = ci is { } i ? $"{i.Lower:P1} to {i.Upper:P1}" : "";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{e.Definition.Id,-26} {e.Period.Start:yyyy-MM-dd} to {e.Period.End:yyyy-MM-dd} {b.Denominator,11:N0} {b.Excluded + b.Excepted,9:N0} {b.Numerator,10:N0} {rateText,9}  {ciText,-17} {e.Elapsed.TotalMilliseconds,6:N0} ms"));
            }
            return 0;
        }));
        outcomes.Subcommands.Add(run);
        return outcomes;
    }

    private static MeasureLibrary Load(string? folder) => folder is null ? MeasureLibrary.LoadDefault() : MeasureLibrary.LoadDirectory(folder);

    private static async Task<List<string>> ExplainAsync(DbConnection connection, StorageProvider provider, CompiledMeasure compiled, CancellationToken ct)
    {
        var lines = new List<string>();
        var explain = (provider == StorageProvider.Postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + compiled.CellsSql;
        await using var cmd = MeasureEvaluator.Command(connection, explain, compiled.Parameters);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            lines.Add(provider == StorageProvider.Postgres ? reader.GetString(0) : $"{reader.GetValue(0)} {reader.GetValue(1)} {reader.GetValue(3)}");
        }
        return lines;
    }
}
