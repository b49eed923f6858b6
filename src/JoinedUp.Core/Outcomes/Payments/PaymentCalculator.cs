using System.Globalization;

namespace JoinedUp.Outcomes.Payments;

/// <summary>A measure's result for a quarter: rate = <see cref="Numerator"/> ÷ <see cref="Denominator"/>. A result with denominator 0,
/// or <see cref="Suppressed"/> (small numbers), is not scored.</summary>
public sealed record MeasureResult(string MeasureId, decimal Numerator, decimal Denominator, bool Suppressed = false);

/// <summary>A what-if change to one measure's result: either a new rate (<see cref="NewRate"/>) or a change to it
/// (<see cref="Change"/>, e.g. +0.02 for "two percentage points higher").</summary>
public sealed record ResultOverride(string MeasureId, decimal? NewRate = null, decimal? Change = null);

/// <summary>One measure's line of a <see cref="PaymentStatement"/>.</summary>
/// <param name="MeasureId">The measure's id.</param>
/// <param name="MeasureName">The measure's name.</param>
/// <param name="Domain">The measure's domain.</param>
/// <param name="Weight">The contract's weight for the measure.</param>
/// <param name="Scored">False when the measure had no rate this quarter (denominator 0, suppressed or no result).</param>
/// <param name="Numerator">As given; null when suppressed or set by a what-if.</param>
/// <param name="Denominator">As given; null when suppressed or set by a what-if.</param>
/// <param name="Rate">Numerator ÷ denominator, unrounded; null when not scored.</param>
/// <param name="PointsShare">The share of the measure's points earned (0..1) from the curve, unrounded.</param>
/// <param name="EffectiveWeight">The weight after not-scored measures' weight is redistributed (weight ÷ sum of scored weights), or the weight.</param>
/// <param name="WeightedPoints">EffectiveWeight × PointsShare: the line's share of the pot, unrounded.</param>
/// <param name="Money">Pot × weight × points share ÷ sum of scored weights, rounded to the penny.</param>
/// <param name="Reason">Why, in plain English.</param>
public sealed record StatementLine(string MeasureId, string MeasureName, OutcomeDomain Domain, decimal Weight, bool Scored,
    decimal? Numerator, decimal? Denominator, decimal? Rate, decimal PointsShare, decimal EffectiveWeight, decimal WeightedPoints,
    decimal Money, string Reason);

/// <summary>
/// A quarter's payment statement. Every amount is in pounds, rounded as the contract's <see cref="MoneyRounding"/> says at the steps
/// documented on <see cref="PaymentCalculator"/>; <see cref="Earned"/> is the sum of the lines' money, so the lines add up to it.
/// </summary>
public sealed record PaymentStatement(
    string ContractName,
    string FinancialYear,
    string Currency,
    ContractQuarter Quarter,
    IReadOnlyList<StatementLine> Lines,
    decimal QuarterValue,
    decimal CorePayment,
    decimal Pot,
    decimal WeightedPoints,
    decimal Earned,
    decimal Expected,
    decimal Difference,
    decimal ShareRate,
    decimal SharedBeforeLimit,
    SharingLimit LimitApplied,
    decimal SharedAfterLimit,
    decimal OutcomePayment,
    decimal TotalPayment,
    IReadOnlyList<string> Notes);

/// <summary>The statement, or every problem with the input that stopped it being made.</summary>
public sealed record PaymentCalculation(PaymentStatement? Statement, IReadOnlyList<string> Problems)
{
    public bool Ok => Statement is not null && Problems.Count == 0;
}

/// <summary>One measure in a what-if: its rate and money before and after, and the difference (after − before).</summary>
public sealed record WhatIfLine(string MeasureId, string MeasureName, decimal? BaselineRate, decimal? ScenarioRate,
    decimal BaselineMoney, decimal ScenarioMoney, decimal Difference);

/// <summary>The baseline statement, the what-if statement, and the differences (what-if − baseline) per line and in the totals.</summary>
public sealed record PaymentWhatIf(PaymentStatement Baseline, PaymentStatement Scenario, IReadOnlyList<WhatIfLine> Lines,
    decimal EarnedDifference, decimal SharedDifference, decimal OutcomePaymentDifference, decimal TotalPaymentDifference);

/// <summary>The what-if, or every problem with the input.</summary>
public sealed record WhatIfCalculation(PaymentWhatIf? WhatIf, IReadOnlyList<string> Problems)
{
    public bool Ok => WhatIf is not null && Problems.Count == 0;
}

/// <summary>
/// Works out a quarter's payment statement from a <see cref="PaymentContract"/> and the quarter's measure results. Pure: no clock, no
/// storage, decimal arithmetic throughout (28–29 significant digits), so the same input gives the same statement to the penny.
/// <para>The formula, with R(x) the contract's rounding (to the penny, midpoint away from zero) — money is rounded at these steps and
/// nowhere else; rates and shares of points are never rounded:</para>
/// <list type="number">
/// <item>Quarter value V = R(annual value ÷ 4). Pot (at risk) P = R(annual value × share at risk ÷ 4). Core payment C = V − P.</item>
/// <item>Per measure: rate r = numerator ÷ denominator; share of points s = the curve at r (0 at or worse than the floor, linear
/// between breakpoints, 1 at or beyond the stretch).</item>
/// <item>Not scored (denominator 0, suppressed or no result): with "redistribute" the measure earns nothing and every scored
/// measure's weight w becomes w ÷ W, W = the sum of the scored weights; with "score-at-target", s = the curve's share at target and
/// W = 1. If no measure is scored under "redistribute", every line earns 0 and the pot is paid at expected (no gain or loss).</item>
/// <item>Line money m = R(P × w × s ÷ W), evaluated left to right. Earned E = Σ m (already whole pence).</item>
/// <item>Expected X = R(P × expected share of points). Difference D = E − X.</item>
/// <item>Shared S = R(D × gain share) when D ≥ 0, R(D × loss share) when D &lt; 0 (negative).</item>
/// <item>Cap and collar: A = min(S, gain cap) for a gain, max(S, −loss collar) for a loss.</item>
/// <item>Outcome payment O = X + A; total payment T = C + O.</item>
/// </list>
/// </summary>
public static class PaymentCalculator
{
    /// <summary>The statement for <paramref name="quarterId"/> ("Q1".."Q4"). Never throws for bad results: problems (unknown quarter,
    /// unknown or repeated measure ids, negative counts, a numerator above its denominator for a percentage) are returned instead.</summary>
    public static PaymentCalculation Calculate(PaymentContract contract, string quarterId, IEnumerable<MeasureResult> results)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(results);
        var problems = new List<string>();
        var quarter = FindQuarter(contract, quarterId, problems);
        var rates = Rates(contract, results, problems);
        if (problems.Count > 0 || quarter is null) return new PaymentCalculation(null, problems);
        return new PaymentCalculation(Statement(contract, quarter, rates), []);
    }

    /// <summary>
    /// The statement with <paramref name="overrides"/> applied to the results, beside the statement without them, and the difference
    /// per line and in the totals. An override's rate below 0 is taken as 0.
    /// </summary>
    public static WhatIfCalculation WhatIf(PaymentContract contract, string quarterId, IEnumerable<MeasureResult> results,
        IEnumerable<ResultOverride> overrides)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(overrides);
        var problems = new List<string>();
        var quarter = FindQuarter(contract, quarterId, problems);
        var baseRates = Rates(contract, results, problems);
        var scenarioRates = new Dictionary<string, Input>(baseRates, StringComparer.Ordinal);
        foreach (var o in overrides)
        {
            var measure = contract.Measure(o.MeasureId);
            if (measure is null)
            {
                problems.Add($"What-if: '{o.MeasureId}' is not a measure of the contract; use one of {string.Join(", ", contract.Measures.Select(m => m.Id))}.");
                continue;
            }
            if ((o.NewRate is null) == (o.Change is null))
            {
                problems.Add($"What-if for {o.MeasureId}: give either a new rate or a change to the rate, not {(o.NewRate is null ? "neither" : "both")}.");
                continue;
            }
            var before = scenarioRates.GetValueOrDefault(o.MeasureId);
            decimal rate;
            if (o.NewRate is { } newRate) rate = newRate;
            else if (before?.Rate is { } r && o.Change!.Value is var change && Math.Abs(change) <= 1_000_000m) rate = r + change;
            else if (before?.Rate is not null)
            {
                problems.Add($"What-if for {o.MeasureId}: a change of {o.Change} is too large; give a change such as +0.02.");
                continue;
            }
            else
            {
                problems.Add($"What-if for {o.MeasureId}: the measure is not scored this quarter, so its rate cannot be changed; give a new rate instead.");
                continue;
            }
            rate = Math.Max(rate, 0m);
            var what = o.NewRate is not null
                ? $"what-if: rate set to {PaymentContract.FormatRate(rate, measure.Display)}"
                : $"what-if: rate changed by {(o.Change >= 0 ? "+" : "")}" + (measure.Display == RateDisplay.Percent
                    ? $"{PaymentContract.FormatNumber(o.Change!.Value * 100m)} percentage points"
                    : PaymentContract.FormatNumber(o.Change!.Value));
            scenarioRates[o.MeasureId] = new Input(null, null, rate, null, what);
        }
        if (problems.Count > 0 || quarter is null) return new WhatIfCalculation(null, problems);
        var baseline = Statement(contract, quarter, baseRates);
        var scenario = Statement(contract, quarter, scenarioRates);
        var lines = baseline.Lines.Zip(scenario.Lines, (b, s) =>
            new WhatIfLine(b.MeasureId, b.MeasureName, b.Rate, s.Rate, b.Money, s.Money, s.Money - b.Money)).ToList();
        return new WhatIfCalculation(new PaymentWhatIf(baseline, scenario, lines, scenario.Earned - baseline.Earned,
            scenario.SharedAfterLimit - baseline.SharedAfterLimit, scenario.OutcomePayment - baseline.OutcomePayment,
            scenario.TotalPayment - baseline.TotalPayment), []);
    }

    /// <summary>What the calculator knows of a measure's result: a rate, or why there is none.</summary>
    private sealed record Input(decimal? Numerator, decimal? Denominator, decimal? Rate, string? NotScoredBecause, string? WhatIf);

    private static decimal? Divide(decimal numerator, decimal denominator)
    {
        try
        {
            return numerator / denominator;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static ContractQuarter? FindQuarter(PaymentContract contract, string quarterId, List<string> problems)
    {
        var quarter = contract.Quarter(quarterId ?? "");
        if (quarter is null)
        {
            problems.Add($"Quarter '{quarterId}' is not in the contract; use one of {string.Join(", ", contract.Quarters.Select(q => q.Id))}.");
        }
        return quarter;
    }

    private static Dictionary<string, Input> Rates(PaymentContract contract, IEnumerable<MeasureResult> results, List<string> problems)
    {
        var inputs = new Dictionary<string, Input>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            var measure = contract.Measure(r.MeasureId ?? "");
            if (measure is null)
            {
                problems.Add($"Result for '{r.MeasureId}': not a measure of the contract; use one of {string.Join(", ", contract.Measures.Select(m => m.Id))}.");
                continue;
            }
            if (inputs.ContainsKey(measure.Id))
            {
                problems.Add($"Result for '{measure.Id}': given more than once; give one result per measure.");
                continue;
            }
            if (r.Numerator < 0m || r.Denominator < 0m)
            {
                problems.Add($"Result for '{measure.Id}': numerator {r.Numerator} and denominator {r.Denominator} cannot be negative.");
                continue;
            }
            if (measure.Display == RateDisplay.Percent && r.Numerator > r.Denominator && r.Denominator > 0m && !r.Suppressed)
            {
                problems.Add($"Result for '{measure.Id}': numerator {r.Numerator} is more than denominator {r.Denominator}; a percentage cannot exceed 100%.");
                continue;
            }
            if (r.Suppressed) inputs[measure.Id] = new Input(null, null, null, "the result is suppressed (small numbers)", null);
            else if (r.Denominator == 0m) inputs[measure.Id] = new Input(r.Numerator, r.Denominator, null, "the denominator is 0", null);
            else if (Divide(r.Numerator, r.Denominator) is { } rate) inputs[measure.Id] = new Input(r.Numerator, r.Denominator, rate, null, null);
            else problems.Add($"Result for '{measure.Id}': {r.Numerator} ÷ {r.Denominator} is too large a rate; check the counts.");
        }
        return inputs;
    }

    private static PaymentStatement Statement(PaymentContract contract, ContractQuarter quarter, Dictionary<string, Input> inputs)
    {
        var round = contract.Rounding;
        var quarterValue = round.Round(contract.AnnualValue / 4m);
        var pot = round.Round(contract.AnnualValue * contract.ShareAtRisk / 4m);
        var core = quarterValue - pot;
        var redistribute = contract.NotScored == NotScoredRule.Redistribute;
        var scoredWeight = contract.Measures.Where(m => inputs.GetValueOrDefault(m.Id)?.Rate is not null).Sum(m => m.Weight);
        var divisor = redistribute ? scoredWeight : 1m;
        var notes = new List<string>();
        var lines = new List<StatementLine>();
        foreach (var m in contract.Measures)
        {
            var input = inputs.GetValueOrDefault(m.Id) ?? new Input(null, null, null, "no result was supplied", null);
            var suffix = input.WhatIf is null ? "" : $" ({input.WhatIf})";
            if (input.Rate is not { } rate)
            {
                if (redistribute)
                {
                    lines.Add(new StatementLine(m.Id, m.Name, m.Domain, m.Weight, false, input.Numerator, input.Denominator, null, 0m, 0m, 0m, 0m,
                        $"Not scored: {input.NotScoredBecause}. Its weight {Pct(m.Weight)} is shared pro rata among the scored measures."));
                    continue;
                }
                var (atTarget, _, _) = m.PointsShare(m.Target);
                var atTargetMoney = round.Round(pot * m.Weight * atTarget);
                lines.Add(new StatementLine(m.Id, m.Name, m.Domain, m.Weight, false, input.Numerator, input.Denominator, null, atTarget, m.Weight,
                    m.Weight * atTarget, atTargetMoney,
                    $"Not scored: {input.NotScoredBecause}. Paid as at target {Rate(m, m.Target)}: {Pct(atTarget)} of points."));
                continue;
            }
            var (share, from, to) = m.PointsShare(rate);
            var effectiveWeight = divisor == 1m ? m.Weight : m.Weight / divisor;
            var money = round.Round(pot * m.Weight * share / divisor);
            lines.Add(new StatementLine(m.Id, m.Name, m.Domain, m.Weight, true, input.Numerator, input.Denominator, rate, share,
                effectiveWeight, effectiveWeight * share, money, Reason(m, rate, share, from, to) + suffix));
        }
        if (redistribute && scoredWeight is > 0m and < 1m)
        {
            notes.Add($"Measures not scored this quarter: their weight ({Pct(1m - scoredWeight)}) is shared pro rata among the scored measures, whose weights are divided by {Pct(scoredWeight)}.");
        }
        var earned = lines.Sum(l => l.Money);
        var expected = round.Round(pot * contract.Sharing.ExpectedShareOfPoints);
        if (redistribute && scoredWeight == 0m)
        {
            // Nothing could be measured: the provider is neither rewarded nor penalised for it.
            notes.Add("No measure could be scored this quarter: the pot is paid at the expected level, with no gain or loss.");
            earned = expected;
        }
        var difference = earned - expected;
        var gain = difference >= 0m;
        var shareRate = gain ? contract.Sharing.GainShare : contract.Sharing.LossShare;
        var shared = round.Round(difference * shareRate);
        var limit = SharingLimit.None;
        var afterLimit = shared;
        if (gain && shared > contract.Sharing.GainCap)
        {
            afterLimit = contract.Sharing.GainCap;
            limit = SharingLimit.Cap;
        }
        else if (!gain && shared < -contract.Sharing.LossCollar)
        {
            afterLimit = -contract.Sharing.LossCollar;
            limit = SharingLimit.Collar;
        }
        notes.Add(difference switch
        {
            > 0m => $"Earned is {Money(difference)} above expected; the provider's {Pct(shareRate)} share is {Money(shared)}"
                + (limit == SharingLimit.Cap ? $", cut to the cap of {Money(afterLimit)}." : " (under the cap)."),
            < 0m => $"Earned is {Money(-difference)} below expected; the provider bears {Pct(shareRate)}: {Money(-shared)}"
                + (limit == SharingLimit.Collar ? $", cut to the collar of {Money(-afterLimit)}." : " (within the collar)."),
            _ => "Earned equals expected: no gain or loss to share.",
        });
        var outcome = expected + afterLimit;
        return new PaymentStatement(contract.Name, contract.FinancialYear, contract.Currency, quarter, lines, quarterValue, core, pot,
            lines.Sum(l => l.WeightedPoints), earned, expected, difference, shareRate, shared, limit, afterLimit, outcome, core + outcome, notes);
    }

    private static string Reason(PaymentMeasure m, decimal rate, decimal share, CurvePoint? from, CurvePoint? to)
    {
        var r = Rate(m, rate);
        if (from is not null && to is not null)
        {
            return $"{r} is between the {Name(m, from.Value)} and the {Name(m, to.Value)}: {Pct(share)} of points.";
        }
        if (!m.IsBetter(rate, m.Floor))
        {
            return rate == m.Floor ? $"{r} is at the floor: no points." : $"{r} is {(m.Direction == MeasureDirection.HigherIsBetter ? "below" : "above")} the floor {Rate(m, m.Floor)}: no points.";
        }
        if (!m.IsBetter(m.Stretch, rate))
        {
            return rate == m.Stretch ? $"{r} meets the stretch: all points." : $"{r} is beyond the stretch {Rate(m, m.Stretch)}: all points (capped at 100%).";
        }
        return rate == m.Target ? $"{r} meets the target: {Pct(share)} of points." : $"{r} is at the {Name(m, rate)}: {Pct(share)} of points.";
    }

    private static string Name(PaymentMeasure m, decimal value) =>
        value == m.Floor ? $"floor {Rate(m, value)}"
        : value == m.Target ? $"target {Rate(m, value)}"
        : value == m.Stretch ? $"stretch {Rate(m, value)}"
        : $"breakpoint {Rate(m, value)}";

    private static string Rate(PaymentMeasure m, decimal value) => PaymentContract.FormatRate(value, m.Display);

    private static string Pct(decimal fraction) => PaymentContract.FormatNumber(fraction * 100m) + "%";

    /// <summary>£1,234.56 (pounds and pence, invariant digits).</summary>
    internal static string Money(decimal amount) =>
        (amount < 0m ? "-£" : "£") + Math.Abs(amount).ToString("#,##0.00", CultureInfo.InvariantCulture);
}
