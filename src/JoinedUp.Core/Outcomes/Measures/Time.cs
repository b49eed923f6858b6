using System.Globalization;
using System.Text.RegularExpressions;
using JoinedUp.Access;

namespace JoinedUp.Outcomes.Measures;

/// <summary>
/// An ISO 8601 duration as measures use it: <c>P12M</c>, <c>P1Y</c>, <c>P28D</c>, <c>PT2H</c>, <c>P1DT12H</c>. Years and
/// months are calendar months (<see cref="DateOnly.AddMonths"/>); weeks are 7 days.
/// </summary>
public readonly partial record struct IsoDuration(int Months, int Days, long Seconds)
{
    public static readonly IsoDuration Zero = new(0, 0, 0);

    public bool IsZero => Months == 0 && Days == 0 && Seconds == 0;

    public bool HasCalendarMonths => Months != 0;

    /// <summary>Days, hours, minutes and seconds as seconds (only for durations without months).</summary>
    public long TotalSeconds => Days * 86_400L + Seconds;

    [GeneratedRegex(@"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out IsoDuration duration)
    {
        duration = Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var m = Pattern().Match(text.Trim());
        if (!m.Success || text.Trim() is "P" or "PT" || text.Trim().EndsWith('T')) return false;
        int N(int g) => m.Groups[g].Success ? int.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture) : 0;
        duration = new IsoDuration(N(1) * 12 + N(2), N(3) * 7 + N(4), N(5) * 3600L + N(6) * 60L + N(7));
        return true;
    }

    public DateOnly AddTo(DateOnly day, int sign = 1) => day.AddMonths(sign * Months).AddDays(sign * Days);

    public override string ToString()
    {
        var s = "P";
        if (Months != 0) s += Months % 12 == 0 ? $"{Months / 12}Y" : $"{Months}M";
        if (Days != 0) s += $"{Days}D";
        if (Seconds != 0)
        {
            s += "T";
            if (Seconds % 3600 == 0) s += $"{Seconds / 3600}H";
            else if (Seconds % 60 == 0) s += $"{Seconds / 60}M";
            else s += $"{Seconds}S";
        }
        return s == "P" ? "P0D" : s;
    }
}

/// <summary>A named day of the measurement period (<c>periodStart</c>, <c>periodEnd</c>) moved by offsets: <c>periodEnd-P12M</c>.</summary>
public sealed record PointExpr(string Name, IReadOnlyList<(int Sign, IsoDuration Offset)> Offsets)
{
    public static readonly string[] PeriodPoints = ["periodStart", "periodEnd"];

    public static bool TryParse(string? text, out PointExpr point, out string error)
    {
        point = new PointExpr("", []);
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is empty; give periodStart or periodEnd, optionally with offsets such as periodEnd-P12M";
            return false;
        }
        var t = text.Trim();
        var cut = t.IndexOfAny(['+', '-']);
        var name = cut < 0 ? t : t[..cut].Trim();
        if (!PeriodPoints.Contains(name, StringComparer.Ordinal))
        {
            error = $"names '{name}', which is not a point of the period; use periodStart or periodEnd";
            return false;
        }
        var offsets = new List<(int, IsoDuration)>();
        var rest = cut < 0 ? "" : t[cut..];
        while (rest.Length > 0)
        {
            var sign = rest[0] == '+' ? 1 : -1;
            var next = rest.IndexOfAny(['+', '-'], 1);
            var part = (next < 0 ? rest[1..] : rest[1..next]).Trim();
            if (!IsoDuration.TryParse(part, out var d))
            {
                error = $"has the offset '{part}', which is not an ISO 8601 duration such as P12M, P9M, P7D";
                return false;
            }
            if (d.Seconds != 0)
            {
                error = $"has the offset '{part}'; a period point moves by whole days, months or years";
                return false;
            }
            offsets.Add((sign, d));
            rest = next < 0 ? "" : rest[next..];
        }
        point = new PointExpr(name, offsets);
        return true;
    }

    public DateOnly Resolve(MeasurePeriod period)
    {
        var day = Name == "periodStart" ? period.Start : period.End;
        foreach (var (sign, offset) in Offsets) day = offset.AddTo(day, sign);
        return day;
    }

    public override string ToString() => Name + string.Concat(Offsets.Select(o => (o.Sign > 0 ? "+" : "-") + o.Offset));
}

/// <summary>
/// An interval of days in bracket notation: <c>[periodEnd-P12M, periodEnd]</c>, <c>(periodEnd-P12M, periodEnd]</c>,
/// <c>(, periodEnd]</c> (open below). Bounds are whole UK days: an inclusive upper bound covers the day until midnight.
/// </summary>
public sealed record Interval(PointExpr? Low, bool LowInclusive, PointExpr? High, bool HighInclusive, string Text)
{
    public static bool TryParse(string? text, out Interval interval, out string error)
    {
        interval = new Interval(null, false, null, false, text ?? "");
        error = "";
        var t = text?.Trim() ?? "";
        if (t.Length < 3 || t[0] is not ('[' or '(') || t[^1] is not (']' or ')') || !t.Contains(','))
        {
            error = $"'{t}' is not an interval; write it as [low, high] with [ ] for inclusive and ( ) for exclusive bounds, e.g. [periodEnd-P12M, periodEnd]";
            return false;
        }
        var parts = t[1..^1].Split(',');
        if (parts.Length != 2)
        {
            error = $"'{t}' must have exactly one comma between its bounds";
            return false;
        }
        PointExpr? low = null, high = null;
        if (parts[0].Trim().Length > 0 && !PointExpr.TryParse(parts[0], out low, out var e1))
        {
            error = $"the lower bound of '{t}' {e1}";
            return false;
        }
        if (parts[1].Trim().Length > 0 && !PointExpr.TryParse(parts[1], out high, out var e2))
        {
            error = $"the upper bound of '{t}' {e2}";
            return false;
        }
        if (low is null && high is null)
        {
            error = $"'{t}' has no bounds at all; leave it out instead";
            return false;
        }
        interval = new Interval(low, t[0] == '[', high, t[^1] == ']', t);
        return true;
    }

    /// <summary>The interval as half-open days [from, to): null where open.</summary>
    public (DateOnly? From, DateOnly? To) Days(MeasurePeriod period)
    {
        DateOnly? from = Low is null ? null : Low.Resolve(period).AddDays(LowInclusive ? 0 : 1);
        DateOnly? to = High is null ? null : High.Resolve(period).AddDays(HighInclusive ? 1 : 0);
        return (from, to);
    }

    /// <summary>The interval as half-open UTC instants: the UK midnights that start its first day and end its last.</summary>
    public (DateTime? From, DateTime? To) Instants(MeasurePeriod period)
    {
        var (from, to) = Days(period);
        return (from is { } f ? MeasurePeriod.UkMidnight(f) : null, to is { } t ? MeasurePeriod.UkMidnight(t) : null);
    }

    public override string ToString() => Text;
}

/// <summary>A range of whole numbers in bracket notation, open ends allowed: <c>[18, 75]</c>, <c>[17, )</c>.</summary>
public sealed record NumberRange(int? Min, int? Max, string Text)
{
    public static bool TryParse(string? text, out NumberRange range, out string error)
    {
        range = new NumberRange(null, null, text ?? "");
        error = "";
        var t = text?.Trim() ?? "";
        var parts = t.Length >= 3 ? t[1..^1].Split(',') : [];
        if (t.Length < 3 || t[0] is not ('[' or '(') || t[^1] is not (']' or ')') || parts.Length != 2)
        {
            error = $"'{t}' is not a range; write it as [18, 75] ([ ] inclusive, ( ) exclusive; leave a side empty for no limit, e.g. [17, ))";
            return false;
        }
        int? lo = null, hi = null;
        if (parts[0].Trim().Length > 0)
        {
            if (!int.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                error = $"the lower bound of '{t}' is not a whole number";
                return false;
            }
            lo = t[0] == '[' ? v : v + 1;
        }
        if (parts[1].Trim().Length > 0)
        {
            if (!int.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                error = $"the upper bound of '{t}' is not a whole number";
                return false;
            }
            hi = t[^1] == ']' ? v : v - 1;
        }
        if (lo is null && hi is null)
        {
            error = $"'{t}' has no bounds at all";
            return false;
        }
        if (lo > hi)
        {
            error = $"'{t}' is empty: its lower bound is above its upper bound";
            return false;
        }
        range = new NumberRange(lo, hi, t);
        return true;
    }
}

/// <summary>
/// A measurement period: whole UK days from <see cref="Start"/> to <see cref="End"/> inclusive, named by the quarter it
/// reports (<see cref="Label"/>, e.g. <c>2026/27 Q1</c>).
/// </summary>
public sealed record MeasurePeriod(DateOnly Start, DateOnly End, string Label)
{
    /// <summary>The period of <paramref name="length"/> ending on <paramref name="end"/> (inclusive).</summary>
    public static MeasurePeriod Ending(DateOnly end, IsoDuration length, string label) =>
        new(length.AddTo(end.AddDays(1), -1), end, label);

    /// <summary>The UTC instant of midnight at the start of a UK day.</summary>
    public static DateTime UkMidnight(DateOnly day) => UkClock.ToUtc(day.ToDateTime(TimeOnly.MinValue));

    public DateTime StartInstant => UkMidnight(Start);

    /// <summary>Midnight at the end of the last day (exclusive).</summary>
    public DateTime EndInstant => UkMidnight(End.AddDays(1));
}

/// <summary>
/// A quarter of the NHS financial year (April to March): <c>2026/27 Q1</c> is April to June 2026. Measures report by
/// quarter; each measure's own period (3 or 12 months) ends on the quarter's last day.
/// </summary>
public sealed partial record FinancialQuarter(int StartYear, int Number)
{
    [GeneratedRegex(@"^(\d{4})(?:[/-](\d{2}))?[ -]?Q([1-4])$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    public DateOnly Start => new DateOnly(StartYear, 4, 1).AddMonths((Number - 1) * 3);

    public DateOnly End => Start.AddMonths(3).AddDays(-1);

    public string Label => $"{StartYear}/{(StartYear + 1) % 100:00} Q{Number}";

    /// <summary>The id the payment contract uses for this quarter (Q1..Q4).</summary>
    public string ContractId => $"Q{Number}";

    public static bool TryParse(string? text, out FinancialQuarter quarter, out string error)
    {
        quarter = new FinancialQuarter(0, 0);
        error = "";
        var m = Pattern().Match((text ?? "").Trim());
        if (!m.Success)
        {
            error = $"'{text}' is not a quarter; write the financial year and quarter, e.g. 2026/27-Q1 (April to June 2026)";
            return false;
        }
        var year = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        if (m.Groups[2].Success && int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) != (year + 1) % 100)
        {
            error = $"'{text}' names the financial year {year}/{m.Groups[2].Value}, which does not exist; a financial year runs from April {year} to March {year + 1} ({year}/{(year + 1) % 100:00})";
            return false;
        }
        quarter = new FinancialQuarter(year, int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>The quarter holding a day.</summary>
    public static FinancialQuarter Containing(DateOnly day)
    {
        var startYear = day.Month >= 4 ? day.Year : day.Year - 1;
        var monthsIn = (day.Month + 12 - 4) % 12;
        return new FinancialQuarter(startYear, monthsIn / 3 + 1);
    }

    public FinancialQuarter Previous => Number == 1 ? new(StartYear - 1, 4) : new(StartYear, Number - 1);

    public override string ToString() => Label;
}
