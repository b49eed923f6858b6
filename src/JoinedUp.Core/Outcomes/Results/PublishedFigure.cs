using System.Globalization;

namespace JoinedUp.Outcomes.Results;

/// <summary>A two-sided confidence interval for a proportion, both bounds within [0, 1].</summary>
public readonly record struct ProportionInterval(double Lower, double Upper);

/// <summary>
/// The Wilson score interval for a proportion (docs/adr/0006, 4.2): well behaved at 0 and at 100% and for small
/// denominators, where the normal approximation gives bounds outside [0, 1] or of zero width.
/// </summary>
public static class WilsonInterval
{
    /// <summary>The two-sided 95% normal quantile.</summary>
    public const double Z95 = 1.959964;

    /// <summary>
    /// The 95% interval of <paramref name="numerator"/> out of <paramref name="denominator"/>, or null when the
    /// denominator is 0 (there is no proportion). Bounds are clamped to [0, 1]: floating point gives 0.9999999999999999 for 10/10.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, or a numerator above the denominator: a fault in the caller, never a result to show.</exception>
    public static ProportionInterval? Of(long numerator, long denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numerator);
        ArgumentOutOfRangeException.ThrowIfNegative(denominator);
        if (numerator > denominator) throw new ArgumentOutOfRangeException(nameof(numerator), numerator, $"The numerator ({numerator}) cannot exceed the denominator ({denominator}).");
        if (denominator == 0) return null;
        double n = denominator, p = numerator / n, z2 = Z95 * Z95;
        var centre = p + z2 / (2 * n);
        var half = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        var scale = 1 + z2 / n;
        return new ProportionInterval(Math.Clamp((centre - half) / scale, 0, 1), Math.Clamp((centre + half) / scale, 0, 1));
    }
}

/// <summary>
/// A figure as it may be published (the stakeholder council's report, public downloads), under NHS Digital's
/// secondary-care disclosure control (docs/adr/0006, 4.3): 0 is shown as 0, 1 to 7 as "*", every other count rounded to
/// the nearest 5; the rate comes from the rounded counts and is "*" when either is suppressed; the interval is withheld
/// for a suppressed cell (its width would give the count away). The contract view used to check payments is not
/// published and uses the exact counts.
/// </summary>
public sealed record PublishedFigure(string Numerator, string Denominator, string Rate, ProportionInterval? Interval, bool Suppressed)
{
    /// <summary>What a suppressed count or rate is shown as.</summary>
    public const string SuppressedMark = "*";

    /// <summary>The largest count that is suppressed (1 to this are shown as "*").</summary>
    public const int SuppressUpTo = 7;

    public static PublishedFigure From(long numerator, long denominator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numerator);
        ArgumentOutOfRangeException.ThrowIfNegative(denominator);
        if (numerator > denominator) throw new ArgumentOutOfRangeException(nameof(numerator), numerator, $"The numerator ({numerator}) cannot exceed the denominator ({denominator}).");
        var (num, numSuppressed) = Count(numerator);
        var (den, denSuppressed) = Count(denominator);
        var suppressed = numSuppressed || denSuppressed;
        string rate;
        if (suppressed) rate = SuppressedMark;
        else if (den == 0) rate = "-";
        else rate = ((decimal)num / den).ToString("0.0%", CultureInfo.InvariantCulture);
        return new PublishedFigure(Show(num, numSuppressed), Show(den, denSuppressed), rate, suppressed ? null : WilsonInterval.Of(numerator, denominator), suppressed);
    }

    /// <summary>A count as published: itself when 0, suppressed when 1 to 7, else to the nearest 5 (a count ending in 2.5 cannot occur).</summary>
    public static (long Value, bool Suppressed) Count(long count) => count switch
    {
        0 => (0, false),
        <= SuppressUpTo => (0, true),
        _ => ((count + 2) / 5 * 5, false),
    };

    private static string Show(long value, bool suppressed) => suppressed ? SuppressedMark : value.ToString(CultureInfo.InvariantCulture);
}
