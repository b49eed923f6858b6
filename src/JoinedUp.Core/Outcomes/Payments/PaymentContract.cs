using System.Globalization;
using System.Reflection;
using System.Text;

namespace JoinedUp.Outcomes.Payments;

/// <summary>The five domains of the outcomes framework (the seeds' "spectrum of patient outcomes and service integration").</summary>
public enum OutcomeDomain
{
    Access = 1,
    Integration = 2,
    Quality = 3,
    Personalisation = 4,
    Outcomes = 5,
}

/// <summary>Which way a measure's rate improves.</summary>
public enum MeasureDirection
{
    HigherIsBetter = 1,
    LowerIsBetter = 2,
}

/// <summary>How a rate is shown in a statement: as a percentage (0.412 → "41.2%") or as a number (1.3018 → "1.302").</summary>
public enum RateDisplay
{
    Percent = 1,
    Number = 2,
}

/// <summary>What happens to a measure that cannot be scored in a quarter (denominator 0, suppressed, or no result supplied).</summary>
public enum NotScoredRule
{
    /// <summary>Its weight is shared pro rata among the scored measures: each scored measure's weight is divided by the sum of the scored weights.</summary>
    Redistribute = 1,

    /// <summary>It is paid as though its result were exactly at target (the curve's share of points at the target value).</summary>
    ScoreAtTarget = 2,
}

/// <summary>Where a sharing limit bit.</summary>
public enum SharingLimit
{
    None = 0,

    /// <summary>The provider's share of a gain was more than the cap and was cut to it.</summary>
    Cap = 1,

    /// <summary>The provider's share of a loss was more than the collar and was cut to it.</summary>
    Collar = 2,
}

/// <summary>One breakpoint of a payment curve: at <see cref="Value"/> (a rate) the measure earns <see cref="Share"/> (0..1) of its points.</summary>
public sealed record CurvePoint(decimal Value, decimal Share);

/// <summary>
/// How money is rounded: to <see cref="DecimalPlaces"/> places (2: the penny) with <see cref="Midpoint"/>
/// (<see cref="MidpointRounding.AwayFromZero"/>: £0.125 → £0.13 and −£0.125 → −£0.13). Rounding is applied only to money, at
/// the places listed in <see cref="PaymentCalculator"/>; rates and shares of points are never rounded.
/// </summary>
public sealed record MoneyRounding(int DecimalPlaces, MidpointRounding Midpoint)
{
    public decimal Round(decimal amount) => Math.Round(amount, DecimalPlaces, Midpoint);
}

/// <summary>
/// Risk and benefit sharing on the at-risk pot. Expected = pot × <see cref="ExpectedShareOfPoints"/>. A gain (earned above expected)
/// is paid at <see cref="GainShare"/> and no more than <see cref="GainCap"/> pounds; a loss (earned below expected) is borne at
/// <see cref="LossShare"/> and no more than <see cref="LossCollar"/> pounds. Caps and collars are per quarter.
/// </summary>
public sealed record RiskSharing(decimal ExpectedShareOfPoints, decimal GainShare, decimal LossShare, decimal GainCap, decimal LossCollar);

/// <summary>A quarter of the contract year: the period measured (inclusive dates) and when its statement is due.</summary>
public sealed record ContractQuarter(string Id, DateOnly Start, DateOnly End, DateOnly StatementDue);

/// <summary>
/// A measure paid on: its weight (a fraction of the at-risk pot; the weights sum to 1), its floor, target and stretch rates and the
/// payment curve through them. The curve's values run from the floor (share 0) to the stretch (share 1) in the measure's better
/// direction; between breakpoints the share is interpolated linearly; a result no better than the floor earns 0 and a result at or
/// beyond the stretch earns 1 (capped).
/// </summary>
public sealed class PaymentMeasure
{
    internal PaymentMeasure(string id, string name, OutcomeDomain domain, decimal weight, MeasureDirection direction,
        decimal floor, decimal target, decimal stretch, IReadOnlyList<CurvePoint> curve, RateDisplay display, string? comment)
    {
        Id = id;
        Name = name;
        Domain = domain;
        Weight = weight;
        Direction = direction;
        Floor = floor;
        Target = target;
        Stretch = stretch;
        Curve = curve;
        Display = display;
        Comment = comment;
    }

    /// <summary>Short unique id, e.g. "urgent-2h".</summary>
    public string Id { get; }

    public string Name { get; }

    public OutcomeDomain Domain { get; }

    /// <summary>The measure's fraction of the at-risk pot, e.g. 0.10 for 10%.</summary>
    public decimal Weight { get; }

    public MeasureDirection Direction { get; }

    public decimal Floor { get; }

    public decimal Target { get; }

    public decimal Stretch { get; }

    /// <summary>The breakpoints from floor to stretch, in the measure's better direction.</summary>
    public IReadOnlyList<CurvePoint> Curve { get; }

    public RateDisplay Display { get; }

    public string? Comment { get; }

    /// <summary>True when <paramref name="a"/> is a better result than <paramref name="b"/>.</summary>
    internal bool IsBetter(decimal a, decimal b) => Direction == MeasureDirection.HigherIsBetter ? a > b : a < b;

    /// <summary>
    /// The share of points (0..1) a rate earns, with the breakpoints between which it fell (both null when outside the curve).
    /// Linear interpolation: share = s₁ + (s₂ − s₁) × (rate − v₁) ÷ (v₂ − v₁), in decimal arithmetic, unrounded.
    /// </summary>
    internal (decimal Share, CurvePoint? From, CurvePoint? To) PointsShare(decimal rate)
    {
        var first = Curve[0];
        var last = Curve[^1];
        if (!IsBetter(rate, first.Value)) return (first.Share, null, null);
        if (!IsBetter(last.Value, rate)) return (last.Share, null, null);
        for (var i = 0; i < Curve.Count - 1; i++)
        {
            var a = Curve[i];
            var b = Curve[i + 1];
            if (rate == a.Value) return (a.Share, null, null);
            if (IsBetter(b.Value, rate))
            {
                var share = a.Share + ((b.Share - a.Share) * (rate - a.Value) / (b.Value - a.Value));
                return (share, a, b);
            }
        }
        return (last.Share, null, null);
    }
}

/// <summary>
/// An outcomes-based contract's payment terms (Outcomes/Payments/contract.json by default): the annual value, the share of it at
/// risk on outcomes, the rounding rule, the risk and benefit sharing, the four quarters and the measures paid on. Read it with
/// <see cref="Parse"/>, which never throws for bad input and lists every problem at once. Paid by <see cref="PaymentCalculator"/>.
/// </summary>
public sealed class PaymentContract
{
    internal PaymentContract(string name, string financialYear, string currency, decimal annualValue, decimal shareAtRisk,
        MoneyRounding rounding, RiskSharing sharing, NotScoredRule notScored, IReadOnlyList<ContractQuarter> quarters,
        IReadOnlyList<PaymentMeasure> measures, string? comment)
    {
        Name = name;
        FinancialYear = financialYear;
        Currency = currency;
        AnnualValue = annualValue;
        ShareAtRisk = shareAtRisk;
        Rounding = rounding;
        Sharing = sharing;
        NotScored = notScored;
        Quarters = quarters;
        Measures = measures;
        Comment = comment;
    }

    public string Name { get; }

    /// <summary>E.g. "2026/27": 1 April 2026 to 31 March 2027.</summary>
    public string FinancialYear { get; }

    /// <summary>ISO 4217 code; "GBP".</summary>
    public string Currency { get; }

    /// <summary>The contract's value a year, e.g. 33,000,000.00.</summary>
    public decimal AnnualValue { get; }

    /// <summary>The fraction of the annual value paid on outcomes, e.g. 0.10.</summary>
    public decimal ShareAtRisk { get; }

    public MoneyRounding Rounding { get; }

    public RiskSharing Sharing { get; }

    public NotScoredRule NotScored { get; }

    public IReadOnlyList<ContractQuarter> Quarters { get; }

    public IReadOnlyList<PaymentMeasure> Measures { get; }

    public string? Comment { get; }

    public ContractQuarter? Quarter(string id) =>
        Quarters.FirstOrDefault(q => string.Equals(q.Id, id, StringComparison.OrdinalIgnoreCase));

    public PaymentMeasure? Measure(string id) =>
        Measures.FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.Ordinal));

    /// <summary>The contract built into JoinedUp (Outcomes/Payments/contract.json) and its problems (none when shipped).</summary>
    /// <summary>SHA-256 of the built-in contract file's text: names the exact terms an issued statement was made under.</summary>
    public static string DefaultSha256()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("JoinedUp.Outcomes.Payments.contract.json")!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(reader.ReadToEnd())));
    }

    public static ContractLoad LoadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("JoinedUp.Outcomes.Payments.contract.json");
        if (stream is null) return new ContractLoad(null, ["The built-in payment contract is missing from the assembly."]);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader.ReadToEnd(), "built-in payment contract");
    }

    /// <summary>
    /// Reads and validates a contract file. Never throws for bad input: the result's <see cref="ContractLoad.Problems"/> lists every
    /// problem found, each saying what to fix, and <see cref="ContractLoad.Contract"/> is null unless there are none.
    /// <paramref name="source"/> names the file in messages.
    /// </summary>
    public static ContractLoad Parse(string json, string source) => ContractReader.Read(json ?? "", source);

    /// <summary>A rate as a statement shows it: "41.2%" for a percentage, "1.302" for a number.</summary>
    public static string FormatRate(decimal rate, RateDisplay display) => display == RateDisplay.Percent
        ? FormatNumber(rate * 100m) + "%"
        : Math.Round(rate, 3, MidpointRounding.AwayFromZero).ToString("0.00#", CultureInfo.InvariantCulture);

    /// <summary>Two decimal places at most, at least one ("41.2", "41.23", "50.0").</summary>
    internal static string FormatNumber(decimal value)
    {
        var rounded = Math.Round(value, 2, MidpointRounding.AwayFromZero);
        var text = rounded.ToString("0.00", CultureInfo.InvariantCulture);
        return text.EndsWith('0') ? text[..^1] : text;
    }
}

/// <summary>A contract read from a file: the contract when there were no problems, otherwise every problem found.</summary>
public sealed record ContractLoad(PaymentContract? Contract, IReadOnlyList<string> Problems)
{
    public bool Ok => Contract is not null && Problems.Count == 0;
}
