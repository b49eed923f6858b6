using System.Diagnostics;
using System.Reflection;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Outcomes.Measures;

/// <summary>Progress of a framework run: measures done of all, and the one just finished.</summary>
public sealed record OutcomesProgress(int Done, int Total, string? Measure, TimeSpan Elapsed);

/// <summary>A stored run and what it found.</summary>
public sealed record OutcomesRunResult(MeasureRun Run, IReadOnlyList<MeasureEvaluation> Evaluations);

/// <summary>
/// Runs the whole framework for a quarter (ADR 0006 4.1): prepares the value sets and calendar, runs one statement per
/// measure on one read connection, and stores the run with every figure in one transaction. A run is never changed
/// afterwards; running again makes a new run. The quarter's official run is the one a payment statement names.
/// </summary>
public sealed class OutcomesRunner(StorageOptions storage, MeasureLibrary library)
{
    public MeasureLibrary Library => library;

    /// <summary>Evaluates every measure (or those named) without storing anything.</summary>
    public async Task<IReadOnlyList<MeasureEvaluation>> EvaluateAsync(FinancialQuarter quarter, IReadOnlyCollection<string>? only, IProgress<OutcomesProgress>? progress, CancellationToken ct)
    {
        var measures = library.Measures.Where(m => only is null || only.Count == 0 || only.Contains(m.Id)).ToList();
        var evaluator = new MeasureEvaluator(storage);
        var connection = await JoinedUpStorage.OpenConnectionAsync(storage, ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var periods = measures.Select(m => Sql.MeasureCompiler.PeriodFor(m, quarter)).ToList();
            await evaluator.PrepareAsync(connection, library, periods, ct).ConfigureAwait(false);
            var units = await Units.LoadAsync(connection, ct).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var results = new List<MeasureEvaluation>();
            for (var i = 0; i < measures.Count; i++)
            {
                results.Add(await evaluator.EvaluateAsync(connection, measures[i], periods[i], units, ct).ConfigureAwait(false));
                progress?.Report(new OutcomesProgress(i + 1, measures.Count, measures[i].Id, clock.Elapsed));
            }
            return results;
        }
    }

    /// <summary>Runs the framework for the quarter and stores the run and its figures.</summary>
    public async Task<OutcomesRunResult> RunAsync(FinancialQuarter quarter, RunPurpose purpose, string requestedBy, IProgress<OutcomesProgress>? progress, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var evaluations = await EvaluateAsync(quarter, null, progress, ct).ConfigureAwait(false);
        clock.Stop();

        var gate = SqliteWriteGate.For(storage);
        if (gate is not null) await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var db = JoinedUpStorage.CreateContext(storage);
            await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            var definitionIds = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var m in library.Measures)
            {
                var stored = await db.MeasureDefinitions.FirstOrDefaultAsync(d => d.Sha256 == m.Sha256, ct).ConfigureAwait(false);
                if (stored is null)
                {
                    stored = new MeasureDefinitionRecord { MeasureKey = m.Id, Version = m.Version, Sha256 = m.Sha256, Title = m.Title, Json = m.Json, FirstLoadedAt = started };
                    db.MeasureDefinitions.Add(stored);
                    await db.SaveChangesAsync(ct).ConfigureAwait(false);
                }
                definitionIds[m.Id] = stored.Id;
            }
            var run = new MeasureRun
            {
                Quarter = quarter.Label,
                QuarterStart = quarter.Start,
                QuarterEnd = quarter.End,
                Purpose = purpose,
                DefinitionsSha256 = library.Sha256,
                CodeVersion = CodeVersion(),
                Provider = storage.Provider.ToString(),
                StartedAt = started,
                FinishedAt = DateTime.UtcNow,
                DurationMs = clock.ElapsedMilliseconds,
                RequestedBy = requestedBy,
            };
            db.MeasureRuns.Add(run);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            foreach (var e in evaluations)
            {
                foreach (var f in e.Figures)
                {
                    var interval = f.Interval(e.Definition);
                    db.MeasureResults.Add(new MeasureRunResult
                    {
                        RunId = run.Id,
                        MeasureDefinitionId = definitionIds[e.Definition.Id],
                        MeasureKey = e.Definition.Id,
                        Level = f.Level,
                        UnitKey = f.UnitKey,
                        PeriodStart = e.Period.Start,
                        PeriodEnd = e.Period.End,
                        InitialPopulation = f.InitialPopulation,
                        Denominator = f.Denominator,
                        Excluded = f.Excluded,
                        Excepted = f.Excepted,
                        Numerator = f.Numerator,
                        Rate = f.Rate(e.Definition),
                        CiLow = interval?.Lower,
                        CiHigh = interval?.Upper,
                    });
                }
            }
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            await tx.CommitAsync(ct).ConfigureAwait(false);
            return new OutcomesRunResult(run, evaluations);
        }
        finally
        {
            gate?.Release();
        }
    }

    private static string CodeVersion() =>
        typeof(OutcomesRunner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
