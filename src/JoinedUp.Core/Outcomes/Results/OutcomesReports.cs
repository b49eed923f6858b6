using System.Globalization;
using System.Text;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Payments;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Outcomes.Results;

/// <summary>A stored run with its figures.</summary>
public sealed record RunResults(MeasureRun Run, IReadOnlyList<MeasureRunResult> Rows)
{
    /// <summary>The borough figure of a measure, or null when the run has none.</summary>
    public MeasureRunResult? Borough(string measureId) =>
        Rows.FirstOrDefault(r => r.Level == MeasureLevel.Borough && string.Equals(r.MeasureKey, measureId, StringComparison.Ordinal));
}

/// <summary>A quarter's payment statement and the official run it was made from.</summary>
public sealed record QuarterStatement(FinancialQuarter Quarter, MeasureRun Run, IReadOnlyList<MeasureResult> Inputs, PaymentStatement Statement);

/// <summary>
/// Reads stored runs of the outcomes framework for the commissioner's pages and downloads: the official run of a quarter,
/// the trend over quarters, and the payment statement made from an official run. Aggregates only: no patient is named.
/// </summary>
public sealed class OutcomesReports(JoinedUpDbContext db, MeasureLibrary library)
{
    public MeasureLibrary Library => library;

    /// <summary>Every run, newest first.</summary>
    public async Task<IReadOnlyList<MeasureRun>> RunsAsync(CancellationToken ct)
    {
        var runs = await db.MeasureRuns.AsNoTracking().ToListAsync(ct).ConfigureAwait(false);
        return runs.OrderByDescending(r => r.Id).ToList();
    }

    /// <summary>The quarter's official run (the latest, if it was run officially more than once), or null.</summary>
    public async Task<MeasureRun?> OfficialRunAsync(FinancialQuarter quarter, CancellationToken ct)
    {
        var label = quarter.Label;
        return await db.MeasureRuns.AsNoTracking().Where(r => r.Quarter == label && r.Purpose == RunPurpose.Official)
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The latest official run of each quarter that has one, oldest quarter first.</summary>
    public async Task<IReadOnlyList<MeasureRun>> OfficialRunsByQuarterAsync(CancellationToken ct)
    {
        var runs = await db.MeasureRuns.AsNoTracking().Where(r => r.Purpose == RunPurpose.Official).ToListAsync(ct).ConfigureAwait(false);
        return runs.GroupBy(r => r.Quarter, StringComparer.Ordinal).Select(g => g.MaxBy(r => r.Id)!).OrderBy(r => r.QuarterStart).ToList();
    }

    /// <summary>A run's figures (every measure, level and unit).</summary>
    public async Task<RunResults?> ResultsAsync(long runId, CancellationToken ct)
    {
        var run = await db.MeasureRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct).ConfigureAwait(false);
        if (run is null) return null;
        var rows = await db.MeasureResults.AsNoTracking().Where(r => r.RunId == runId).ToListAsync(ct).ConfigureAwait(false);
        return new RunResults(run, rows.OrderBy(r => r.MeasureKey, StringComparer.Ordinal).ThenBy(r => r.Level).ThenBy(r => r.UnitKey, StringComparer.Ordinal).ToList());
    }

    /// <summary>The borough figures of the latest official run of each quarter, oldest first (the trend).</summary>
    public async Task<IReadOnlyList<RunResults>> TrendAsync(int quarters, CancellationToken ct)
    {
        var runs = (await OfficialRunsByQuarterAsync(ct).ConfigureAwait(false)).TakeLast(quarters).ToList();
        var ids = runs.Select(r => r.Id).ToList();
        var rows = await db.MeasureResults.AsNoTracking().Where(r => ids.Contains(r.RunId) && r.Level == MeasureLevel.Borough).ToListAsync(ct).ConfigureAwait(false);
        return runs.Select(run => new RunResults(run, rows.Where(r => r.RunId == run.Id).ToList())).ToList();
    }

    /// <summary>
    /// The payment statement for the quarter from its official run and the built-in contract; null when the quarter has no
    /// official run. The problems say why no statement could be made (e.g. the contract does not cover the quarter).
    /// </summary>
    public async Task<(QuarterStatement? Statement, RunResults? Results, IReadOnlyList<string> Problems)> StatementAsync(
        PaymentContract contract, FinancialQuarter quarter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var run = await OfficialRunAsync(quarter, ct).ConfigureAwait(false);
        if (run is null) return (null, null, []);
        var results = (await ResultsAsync(run.Id, ct).ConfigureAwait(false))!;
        if (!CoversQuarter(contract, quarter))
        {
            return (null, results, [$"The contract ({contract.FinancialYear}) does not cover {quarter.Label}: there is no statement for it."]);
        }
        var inputs = PaymentInputs(results.Rows, contract);
        var calculation = PaymentCalculator.Calculate(contract, quarter.ContractId, inputs);
        return calculation.Ok
            ? (new QuarterStatement(quarter, run, inputs, calculation.Statement!), results, [])
            : (null, results, calculation.Problems);
    }

    /// <summary>True when the contract's quarter with the same id is this quarter (same start date).</summary>
    public static bool CoversQuarter(PaymentContract contract, FinancialQuarter quarter)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(quarter);
        return contract.Quarter(quarter.ContractId) is { } q && q.Start == quarter.Start;
    }

    /// <summary>
    /// The payment calculator's inputs from a run's borough figures: numerator and what the rate divides by (the denominator
    /// less exclusions and exceptions), for each measure the contract pays on and the run has. A contract measure without a
    /// figure is left out, so the calculator's not-scored rule applies to it.
    /// </summary>
    public IReadOnlyList<MeasureResult> PaymentInputs(IEnumerable<MeasureRunResult> rows, PaymentContract contract)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var inputs = new List<MeasureResult>();
        foreach (var row in rows.Where(r => r.Level == MeasureLevel.Borough))
        {
            if (contract.Measure(row.MeasureKey) is null) continue;
            var definition = library.Find(row.MeasureKey);
            var perUnits = definition is { Scoring: MeasureScoring.Ratio } ? definition.PerUnits : 1m;
            inputs.Add(new MeasureResult(row.MeasureKey, row.Numerator * perUnits, Math.Max(0, row.Denominator - row.Excluded - row.Excepted)));
        }
        return inputs;
    }

    /// <summary>CSV of a run's figures: one row per measure × level × unit, invariant culture.</summary>
    public static string ResultsCsv(RunResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sb = new StringBuilder();
        sb.Append("run_id,quarter,purpose,measure,level,unit,period_start,period_end,initial_population,denominator,excluded,excepted,numerator,rate,ci_low,ci_high\r\n");
        foreach (var r in results.Rows)
        {
            sb.Append(Csv(results.Run.Id, results.Run.Quarter, results.Run.Purpose.ToString().ToLowerInvariant(), r.MeasureKey, r.Level.ToString().ToLowerInvariant(), r.UnitKey,
                r.PeriodStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.PeriodEnd.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.InitialPopulation, r.Denominator, r.Excluded, r.Excepted, r.Numerator,
                r.Rate?.ToString("0.000000", CultureInfo.InvariantCulture), r.CiLow?.ToString("0.000000", CultureInfo.InvariantCulture),
                r.CiHigh?.ToString("0.000000", CultureInfo.InvariantCulture)));
        }
        return sb.ToString();
    }

    /// <summary>CSV of a statement: a row per measure, then the totals; money with two decimals, invariant culture.</summary>
    public static string StatementCsv(QuarterStatement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var s = statement.Statement;
        var sb = new StringBuilder();
        sb.Append("run_id,quarter,line,measure,name,domain,weight,scored,numerator,denominator,rate,points_share,effective_weight,money,reason\r\n");
        foreach (var l in s.Lines)
        {
            sb.Append(Csv(statement.Run.Id, statement.Quarter.Label, "measure", l.MeasureId, l.MeasureName, l.Domain.ToString().ToLowerInvariant(),
                Dec(l.Weight), l.Scored ? "yes" : "no", l.Numerator is { } n ? Dec(n) : null, l.Denominator is { } d ? Dec(d) : null,
                l.Rate?.ToString("0.000000", CultureInfo.InvariantCulture), l.PointsShare.ToString("0.000000", CultureInfo.InvariantCulture),
                l.EffectiveWeight.ToString("0.000000", CultureInfo.InvariantCulture), MoneyText(l.Money), l.Reason));
        }
        void Total(string name, decimal amount) =>
            sb.Append(Csv(statement.Run.Id, statement.Quarter.Label, "total", name, null, null, null, null, null, null, null, null, null, MoneyText(amount), null));
        Total("quarter_value", s.QuarterValue);
        Total("core_payment", s.CorePayment);
        Total("at_risk_pot", s.Pot);
        Total("earned", s.Earned);
        Total("expected", s.Expected);
        Total("difference", s.Difference);
        Total("shared_before_limit", s.SharedBeforeLimit);
        Total("shared_after_limit", s.SharedAfterLimit);
        Total("outcome_payment", s.OutcomePayment);
        Total("total_payment", s.TotalPayment);
        return sb.ToString();
    }

    /// <summary>Pounds with two decimals and no grouping ("1234.50"), for files.</summary>
    public static string MoneyText(decimal amount) => amount.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>"£1,234.56" (or "-£1,234.56"), for pages.</summary>
    public static string Money(decimal amount) =>
        (amount < 0m ? "-£" : "£") + Math.Abs(amount).ToString("#,##0.00", CultureInfo.InvariantCulture);

    private static string Dec(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Csv(params object?[] fields)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) sb.Append(',');
            var text = fields[i] switch
            {
                null => "",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var o => o.ToString() ?? "",
            };
            // A leading =, +, - or @ would be a formula in a spreadsheet: quote it with an apostrophe (CSV injection).
            if (text.Length > 0 && text[0] is '=' or '+' or '@' && fields[i] is string) text = "'" + text;
            if (text.AsSpan().IndexOfAny(",\"\r\n") >= 0) text = "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
            sb.Append(text);
        }
        return sb.Append("\r\n").ToString();
    }
}
