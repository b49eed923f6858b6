using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Measures.Sql;
using JoinedUp.Record.Synthetic;
using JoinedUp.Storage;

namespace JoinedUp.Bench;

/// <summary>
/// The outcomes framework over generated boroughs (issue 7). Usage:
///   dotnet run -c Release --project bench/JoinedUp.Bench -- outcomes 33000,330000,900000 [RUNS] [PG_CONNECTION_STRING]
/// For each size: a SQLite borough (as of 2026-11-01, seed 42; kept in /tmp/joinedup-outcomes-N.db and reused), then one
/// warm-up and RUNS (default 5) runs of the whole framework for 2026/27 Q2, each statement as the runner executes it,
/// alternating with the hand-written floor (the same measures as one hand-written SQL statement each, for the measures
/// that have one). Asserts that compiled and hand-written give identical cells, and prints per-measure and total times.
/// With a PostgreSQL connection string, each size is also generated into a fresh PostgreSQL database, checked to give the
/// same cells as SQLite for every measure, and timed.
/// </summary>
public static class OutcomesBench
{
    private static readonly FinancialQuarter Quarter = new(2026, 2);

    public static async Task RunAsync(string[] args)
    {
        var sizes = (args.Length > 0 ? args[0] : "33000,330000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var postgres = args.Length > 2 ? args[2] : null;
        var library = MeasureLibrary.LoadDefault();
        Console.WriteLine($"outcomes bench: {library.Measures.Count} measures, quarter {Quarter.Label}, {runs} runs after one warm-up, SQLite, load {Load()}");
        foreach (var size in sizes)
        {
            var path = Path.Combine(Path.GetTempPath(), $"joinedup-outcomes-{size}.db");
            var storage = new StorageOptions { SqlitePath = path };
            if (!File.Exists(path))
            {
                var clock = Stopwatch.StartNew();
                var made = await new BoroughGenerator(storage).GenerateAsync(new BoroughSpec(size, 42, new DateOnly(2026, 11, 1)), null, default);
                Console.WriteLine($"generated {size:N0} patients, {made.TotalRows:N0} rows in {clock.Elapsed.TotalSeconds:F1} s");
            }
            await using (var context = JoinedUpStorage.CreateContext(storage))
            {
                await new DatabaseMigrator(context, storage).MigrateAsync(default);
            }
            {
                // Experience responses for about 15% of contacts (the generator's encounters carry no service, so the
                // practice reviews count as contacts too), replaced on each run so every size has the same share.
                var seeded = await JoinedUp.Outcomes.Experience.ExperienceSeeder.SeedAsync(storage,
                    new JoinedUp.Outcomes.Experience.ExperienceSeedOptions(42, new DateOnly(2026, 11, 1), IncludePracticeContacts: true), default);
                Console.WriteLine($"experience responses: {seeded.Responses:N0} from {seeded.Sources:N0} contacts in {seeded.Elapsed.TotalSeconds:F1} s");
            }
            await using var connection = await JoinedUpStorage.OpenConnectionAsync(storage, default);
            var evaluator = new MeasureEvaluator(storage);
            var compiled = library.Measures.Select(m => MeasureCompiler.Compile(m, MeasureCompiler.PeriodFor(m, Quarter), SqlDialect.Sqlite)).ToList();
            await evaluator.PrepareAsync(connection, library, compiled.Select(c => c.Period), default);

            // Warm-up, and the check that the floor agrees with the compiler cell by cell.
            var sqliteCells = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var c in compiled)
            {
                var cells = await CellsAsync(connection, c.CellsSql, c.Parameters);
                sqliteCells[c.Definition.Id] = cells;
                if (Floor.Sqlite.TryGetValue(c.Definition.Id, out var floor))
                {
                    var hand = await CellsAsync(connection, floor, FloorParameters(c.Period));
                    if (!cells.SequenceEqual(hand))
                    {
                        throw new InvalidOperationException($"{c.Definition.Id}: the hand-written floor and the compiled statement disagree:\n compiled {string.Join("; ", cells)}\n floor    {string.Join("; ", hand)}");
                    }
                }
            }
            var compiledTimes = compiled.ToDictionary(c => c.Definition.Id, _ => new List<double>());
            var floorTimes = compiled.Where(c => Floor.Sqlite.ContainsKey(c.Definition.Id)).ToDictionary(c => c.Definition.Id, _ => new List<double>());
            var totals = new List<double>();
            var floorTotals = new List<double>();
            for (var run = 0; run < runs; run++)
            {
                // Alternate which goes first, so neither always finds the cache warmed by the other.
                for (var half = 0; half < 2; half++)
                {
                    if ((run + half) % 2 == 0)
                    {
                        var total = Stopwatch.StartNew();
                        foreach (var c in compiled)
                        {
                            var sw = Stopwatch.StartNew();
                            await CellsAsync(connection, c.CellsSql, c.Parameters);
                            compiledTimes[c.Definition.Id].Add(sw.Elapsed.TotalMilliseconds);
                        }
                        totals.Add(total.Elapsed.TotalMilliseconds);
                    }
                    else
                    {
                        var total = Stopwatch.StartNew();
                        foreach (var c in compiled.Where(c => Floor.Sqlite.ContainsKey(c.Definition.Id)))
                        {
                            var sw = Stopwatch.StartNew();
                            await CellsAsync(connection, Floor.Sqlite[c.Definition.Id], FloorParameters(c.Period));
                            floorTimes[c.Definition.Id].Add(sw.Elapsed.TotalMilliseconds);
                        }
                        floorTotals.Add(total.Elapsed.TotalMilliseconds);
                    }
                }
            }
            // The whole runner path once more: prepare, evaluate, roll up and store a run.
            var runner = Stopwatch.StartNew();
            var stored = await new OutcomesRunner(storage, library).RunAsync(Quarter, RunPurpose.Adhoc, "bench", null, default);
            var runnerMs = runner.Elapsed.TotalMilliseconds;

            Console.WriteLine();
            Console.WriteLine($"(load average now {Load()})");
            Console.WriteLine($"== {size:N0} patients: whole framework ({compiled.Count} statements) median {Median(totals):N0} ms, max {totals.Max():N0} ms; " +
                              $"OutcomesRunner.RunAsync end to end (prepare, run, store {stored.Evaluations.Sum(e => e.Figures.Count)} figures) {runnerMs:N0} ms; " +
                              $"{Median(totals) / size * 1000:F2} µs per patient");
            var compiledWithFloor = floorTimes.Keys.Sum(k => Median(compiledTimes[k]));
            var floorSum = floorTimes.Values.Sum(Median);
            Console.WriteLine($"   measures with a hand-written floor ({floorTimes.Count}): compiled {compiledWithFloor:N0} ms, floor {floorSum:N0} ms, ratio {compiledWithFloor / floorSum:F2}");
            Console.WriteLine($"   {"measure",-26} {"compiled ms",12} {"floor ms",9} {"ratio",6}  borough result");
            foreach (var c in compiled)
            {
                var id = c.Definition.Id;
                var e = stored.Evaluations.First(x => x.Definition.Id == id).Borough;
                var f = floorTimes.TryGetValue(id, out var ft) ? Median(ft) : (double?)null;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"   {id,-26} {Median(compiledTimes[id]),12:N1} {(f is null ? "-" : f.Value.ToString("N1", CultureInfo.InvariantCulture)),9} {(f is null ? "-" : (Median(compiledTimes[id]) / f.Value).ToString("F2", CultureInfo.InvariantCulture)),6}  {e.Numerator:N0}/{e.Eligible:N0}"));
            }
            if (postgres is not null) await PostgresAsync(postgres, size, runs, library, sqliteCells);
        }
    }

    /// <summary>
    /// The same borough on PostgreSQL (a fresh database on the same machine): the compiled framework's cells must equal
    /// SQLite's for every measure (printed, not thrown, so a difference is reported with the timings), then 5 timed runs.
    /// </summary>
    private static async Task PostgresAsync(string connectionString, int size, int runs, MeasureLibrary library, Dictionary<string, List<string>> sqliteCells)
    {
        var storage = await Bench.FreshAsync(StorageProvider.Postgres, connectionString, $"_outcomes_{size}");
        var clock = Stopwatch.StartNew();
        var made = await new BoroughGenerator(storage).GenerateAsync(new BoroughSpec(size, 42, new DateOnly(2026, 11, 1)), null, default);
        Console.WriteLine($"PostgreSQL: generated {size:N0} patients, {made.TotalRows:N0} rows in {clock.Elapsed.TotalSeconds:F1} s");
        await JoinedUp.Outcomes.Experience.ExperienceSeeder.SeedAsync(storage,
            new JoinedUp.Outcomes.Experience.ExperienceSeedOptions(42, new DateOnly(2026, 11, 1), IncludePracticeContacts: true), default);
        await using (var analyze = await JoinedUpStorage.OpenConnectionAsync(storage, default))
        await using (var cmd = analyze.CreateCommand())
        {
            cmd.CommandText = "ANALYZE";
            await cmd.ExecuteNonQueryAsync();
        }
        await using var connection = await JoinedUpStorage.OpenConnectionAsync(storage, default);
        var compiled = library.Measures.Select(m => MeasureCompiler.Compile(m, MeasureCompiler.PeriodFor(m, Quarter), SqlDialect.Postgres)).ToList();
        await new MeasureEvaluator(storage).PrepareAsync(connection, library, compiled.Select(c => c.Period), default);
        var differ = new List<string>();
        foreach (var c in compiled)
        {
            var cells = await CellsAsync(connection, c.CellsSql, c.Parameters);
            if (!cells.SequenceEqual(sqliteCells[c.Definition.Id])) differ.Add(c.Definition.Id);
        }
        var times = compiled.ToDictionary(c => c.Definition.Id, _ => new List<double>());
        var totals = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var total = Stopwatch.StartNew();
            foreach (var c in compiled)
            {
                var sw = Stopwatch.StartNew();
                await CellsAsync(connection, c.CellsSql, c.Parameters);
                times[c.Definition.Id].Add(sw.Elapsed.TotalMilliseconds);
            }
            totals.Add(total.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"== PostgreSQL {size:N0} patients: whole framework median {Median(totals):N0} ms, max {totals.Max():N0} ms; " +
                          (differ.Count == 0 ? "every measure's cells equal SQLite's" : $"cells DIFFER from SQLite for {string.Join(", ", differ)}"));
        Console.WriteLine("   " + string.Join(", ", compiled.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Definition.Id} {Median(times[c.Definition.Id]):N0}"))));
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count == 0 ? 0 : s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static List<SqlParameterValue> FloorParameters(MeasurePeriod period) =>
    [
        new("@start_day", period.Start),
        new("@end_day", period.End),
        new("@start_i", period.StartInstant),
        new("@end_i", period.EndInstant),
        new("@year_i", MeasurePeriod.UkMidnight(period.End.AddMonths(-12))),
        new("@dx9_day", period.End.AddMonths(-9)),
        new("@age17", period.End.AddYears(-17)),
        new("@age2_end", period.End.AddYears(-2)),
        new("@age2_start", period.Start.AddDays(-1).AddYears(-2)),
    ];

    private static async Task<List<string>> CellsAsync(DbConnection connection, string sql, IReadOnlyList<SqlParameterValue> parameters)
    {
        await using var cmd = MeasureEvaluator.Command(connection, sql, parameters);
        var rows = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            string V(int i) => reader.IsDBNull(i) ? "-" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            // practice, service, den, excl, excep, num (the compiled statement's ip and cnt columns are left out).
            rows.Add($"{V(0)}|{V(1)}|{V(3)}|{V(4)}|{V(5)}|{V(6)}");
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
