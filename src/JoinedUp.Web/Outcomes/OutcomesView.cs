using System.Globalization;
using System.Text;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Payments;

namespace JoinedUp.Web.Outcomes;

/// <summary>Where a result stands against the contract's floor, target and stretch.</summary>
public enum ResultStatus { NoResult, NoneEligible, NotInContract, BelowFloor, BelowTarget, AtTarget, AtStretch }

/// <summary>One measure of the framework as the pages list it: its definition (if written yet) and its contract terms (if paid on).</summary>
public sealed record FrameworkMeasure(string Id, string Title, OutcomeDomain Domain, MeasureDefinition? Definition, PaymentMeasure? Terms)
{
    public bool LowerIsBetter => Terms?.Direction == MeasureDirection.LowerIsBetter || Definition?.Improvement == Improvement.Decrease;

    public bool Percent => Terms is not null ? Terms.Display == RateDisplay.Percent : Definition?.Scoring != MeasureScoring.Ratio;
}

/// <summary>Formatting and small SVG charts shared by the outcomes pages (invariant digits, text as well as colour).</summary>
public static class OutcomesView
{
    public static readonly OutcomeDomain[] Domains = [OutcomeDomain.Access, OutcomeDomain.Integration, OutcomeDomain.Quality, OutcomeDomain.Personalisation, OutcomeDomain.Outcomes];

    public static string DomainName(OutcomeDomain d) => d switch
    {
        OutcomeDomain.Access => "Access",
        OutcomeDomain.Integration => "Integration",
        OutcomeDomain.Quality => "Quality",
        OutcomeDomain.Personalisation => "Personalisation",
        _ => "Outcomes",
    };

    public static string DomainHelp(OutcomeDomain d) => d switch
    {
        OutcomeDomain.Access => "How quickly people get help: urgent response, triage and assessments.",
        OutcomeDomain.Integration => "Whether services work as one: care plans, reviews and hand-overs between teams.",
        OutcomeDomain.Quality => "Long-term condition care in practices: diabetes, COPD and childhood immunisations.",
        OutcomeDomain.Personalisation => "What people say about their care (patient experience: results arrive with the questionnaires).",
        _ => "What changes for people: emergency admissions that good community care can prevent.",
    };

    /// <summary>Every measure of the contract, then any measure defined but not paid on, by domain.</summary>
    public static IReadOnlyList<FrameworkMeasure> Framework(PaymentContract contract, MeasureLibrary library)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(library);
        var list = contract.Measures.Select(t => new FrameworkMeasure(t.Id, library.Find(t.Id)?.Title ?? t.Name, t.Domain, library.Find(t.Id), t)).ToList();
        foreach (var d in library.Measures.Where(d => contract.Measure(d.Id) is null))
        {
            list.Add(new FrameworkMeasure(d.Id, d.Title, Enum.Parse<OutcomeDomain>(d.Domain.ToString(), ignoreCase: true), d, null));
        }
        return list;
    }

    public static string Rate(decimal? rate, bool percent) => rate is not { } r ? "–"
        : percent ? (r * 100m).ToString("0.0", CultureInfo.InvariantCulture) + "%"
        : r.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Interval(double? low, double? high) => low is { } l && high is { } h
        ? $"{(l * 100).ToString("0.0", CultureInfo.InvariantCulture)}% to {(h * 100).ToString("0.0", CultureInfo.InvariantCulture)}%"
        : "–";

    public static string Count(long n) => n.ToString("#,##0", CultureInfo.InvariantCulture);

    public static string Count(decimal? n) => n is { } v ? v.ToString("#,##0.##", CultureInfo.InvariantCulture) : "–";

    public static string Share(decimal fraction) => (fraction * 100m).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>Where a result stands; <paramref name="hasFigure"/> is false when the quarter has no figure at all for the measure.</summary>
    public static ResultStatus Status(PaymentMeasure? terms, decimal? rate, bool hasFigure = true)
    {
        if (terms is null) return ResultStatus.NotInContract;
        if (!hasFigure) return ResultStatus.NoResult;
        if (rate is not { } r) return ResultStatus.NoneEligible;
        bool AtLeast(decimal a, decimal b) => terms.Direction == MeasureDirection.HigherIsBetter ? a >= b : a <= b;
        if (AtLeast(r, terms.Stretch)) return ResultStatus.AtStretch;
        if (AtLeast(r, terms.Target)) return ResultStatus.AtTarget;
        if (AtLeast(r, terms.Floor)) return ResultStatus.BelowTarget;
        return ResultStatus.BelowFloor;
    }

    public static (string Text, string Css) StatusTag(ResultStatus s) => s switch
    {
        ResultStatus.AtStretch => ("At stretch", "nhsuk-tag--green"),
        ResultStatus.AtTarget => ("At target", "nhsuk-tag--aqua-green"),
        ResultStatus.BelowTarget => ("Below target", "nhsuk-tag--yellow"),
        ResultStatus.BelowFloor => ("Below floor", "nhsuk-tag--red"),
        ResultStatus.NoneEligible => ("Not scored: none eligible", "nhsuk-tag--grey"),
        ResultStatus.NotInContract => ("Not paid on", "nhsuk-tag--grey"),
        _ => ("No result yet", "nhsuk-tag--grey"),
    };

    /// <summary>A short quarter name for charts and columns: "Q1 26/27".</summary>
    public static string QuarterShort(MeasureRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var parts = run.Quarter.Split(' ');
        return parts.Length == 2 ? $"{parts[1]} {parts[0][2..]}" : run.Quarter;
    }

    /// <summary>The points of a sparkline (x, y in a <paramref name="width"/> × <paramref name="height"/> box, 3 px margin).</summary>
    public static IReadOnlyList<(double X, double Y)> Sparkline(IReadOnlyList<decimal?> values, decimal? reference, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(values);
        var known = values.Where(v => v is not null).Select(v => (double)v!.Value).ToList();
        if (reference is { } t) known.Add((double)t);
        if (known.Count == 0) return [];
        var min = known.Min();
        var max = known.Max();
        if (max - min < 1e-9)
        {
            min -= 0.05;
            max += 0.05;
        }
        var points = new List<(double, double)>();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v) continue;
            var x = values.Count == 1 ? width / 2.0 : 3 + i * (width - 6.0) / (values.Count - 1);
            var y = 3 + (max - (double)v) / (max - min) * (height - 6.0);
            points.Add((x, y));
        }
        return points;
    }

    /// <summary>The y of a reference value (the target line) on the same scale as <see cref="Sparkline"/>.</summary>
    public static double? SparklineY(IReadOnlyList<decimal?> values, decimal? reference, int height)
    {
        if (reference is not { } t) return null;
        var known = values.Where(v => v is not null).Select(v => (double)v!.Value).Append((double)t).ToList();
        var min = known.Min();
        var max = known.Max();
        if (max - min < 1e-9) return height / 2.0;
        return 3 + (max - (double)t) / (max - min) * (height - 6.0);
    }

    public static string Path(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sb = new StringBuilder();
        for (var i = 0; i < points.Count; i++)
        {
            sb.Append(i == 0 ? "M" : " L").Append(N(points[i].X)).Append(' ').Append(N(points[i].Y));
        }
        return sb.ToString();
    }

    /// <summary>A coordinate for SVG (invariant, one decimal).</summary>
    public static string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);
}
