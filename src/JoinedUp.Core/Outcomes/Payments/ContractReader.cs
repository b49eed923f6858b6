using JoinedUp.Storage;
using System.Globalization;
using System.Text.Json;

namespace JoinedUp.Outcomes.Payments;

/// <summary>Walks contract JSON by hand so that every problem, unknown properties included, is reported in one go.</summary>
internal sealed class ContractReader
{
    private static readonly string[] DomainNames = ["access", "integration", "quality", "personalisation", "outcomes"];

    /// <summary>A trillion pounds: far beyond any contract, and small enough that no product in the calculation can overflow.</summary>
    private const decimal MaxMoney = 1_000_000_000_000m;

    private readonly List<string> problems = [];

    private readonly CheckedJson json;

    private ContractReader() => json = new CheckedJson(problems);

    public static ContractLoad Read(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, column {ex.BytePositionInLine + 1}" : "";
            return new ContractLoad(null, [$"{source}: the contract is not valid JSON{where}; fix the syntax and load it again."]);
        }
        using (doc)
        {
            var reader = new ContractReader();
            var contract = reader.Contract(doc.RootElement);
            var problems = reader.problems.Select(p => $"{source}: {p}").ToList();
            if (problems.Count > 0 || contract is null)
            {
                return new ContractLoad(null, problems.Count > 0 ? problems : [$"{source}: the contract could not be read."]);
            }
            return new ContractLoad(contract, []);
        }
    }

    private PaymentContract? Contract(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"the contract must be a JSON object, not {Kind(root)}.");
            return null;
        }
        const string at = "contract";
        Properties(root, at, "$comment", "name", "financialYear", "currency", "annualValue", "shareAtRisk", "rounding", "pointsAtTarget",
            "sharing", "notScored", "quarters", "measures");
        var comment = OptionalText(root, "$comment", at);
        var name = Text(root, "name", at, "give the contract's name");
        var year = FinancialYear(root, at);
        var currency = Text(root, "currency", at, "give the currency, \"GBP\"");
        if (currency is not null && !string.Equals(currency, "GBP", StringComparison.Ordinal))
        {
            problems.Add($"{at}: currency '{currency}' is not supported; use \"GBP\" (amounts are pounds and pence).");
        }
        var annual = Money(root, "annualValue", at, "the contract's value a year in pounds, e.g. 33000000.00", positive: true);
        if (annual > MaxMoney)
        {
            problems.Add($"{at}: 'annualValue' {annual} is more than £{MaxMoney:#,##0}; check the figure (it is pounds a year).");
            annual = null;
        }
        var atRisk = Fraction(root, "shareAtRisk", at, "the fraction of the annual value paid on outcomes, e.g. 0.10", allowZero: false);
        var rounding = Rounding(root, at);
        var pointsAtTarget = Fraction(root, "pointsAtTarget", at, "the share of a measure's points earned at target, e.g. 0.80", allowZero: false);
        var sharing = Sharing(root, at);
        var notScored = NotScored(root, at);
        var quarters = Quarters(root, at, year);
        var measures = Measures(root, at, pointsAtTarget);
        if (problems.Count > 0 || name is null || year is null || currency is null || annual is null || atRisk is null || rounding is null
            || sharing is null || notScored is null || quarters is null || measures is null)
        {
            return null;
        }
        return new PaymentContract(name, year.Value.Text, currency, annual.Value, atRisk.Value, rounding, sharing, notScored.Value,
            quarters, measures, comment);
    }

    private (string Text, int StartYear)? FinancialYear(JsonElement root, string at)
    {
        if (Text(root, "financialYear", at, "give the financial year, e.g. \"2026/27\"") is not { } text) return null;
        if (text.Length == 7 && text[4] == '/'
            && int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            && int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            && (start + 1) % 100 == end)
        {
            return (text, start);
        }
        problems.Add($"{at}: financialYear '{text}' is not a financial year; write it as \"2026/27\" (1 April 2026 to 31 March 2027).");
        return null;
    }

    private MoneyRounding? Rounding(JsonElement root, string at)
    {
        if (Object(root, "rounding", at) is not { } e) return null;
        at = "rounding";
        Properties(e, at, "$comment", "decimalPlaces", "midpoint");
        int? places = null;
        if (!e.TryGetProperty("decimalPlaces", out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt32(out var n) || n is < 0 or > 2)
        {
            problems.Add($"{at}: 'decimalPlaces' must be 0, 1 or 2 (2 rounds to the penny).");
        }
        else
        {
            places = n;
        }
        MidpointRounding? midpoint = Text(e, "midpoint", at, "say \"away-from-zero\" or \"to-even\"") switch
        {
            null => null,
            "away-from-zero" => MidpointRounding.AwayFromZero,
            "to-even" => MidpointRounding.ToEven,
            var other => Problem<MidpointRounding>($"{at}: midpoint '{other}' is not known; use \"away-from-zero\" (£0.125 → £0.13) or \"to-even\" (£0.125 → £0.12)."),
        };
        return places is null || midpoint is null ? null : new MoneyRounding(places.Value, midpoint.Value);
    }

    private RiskSharing? Sharing(JsonElement root, string at)
    {
        if (Object(root, "sharing", at) is not { } e) return null;
        at = "sharing";
        Properties(e, at, "$comment", "expectedShareOfPoints", "gainShare", "lossShare", "gainCap", "lossCollar");
        var expected = Fraction(e, "expectedShareOfPoints", at, "the share of points the pot is expected to earn, e.g. 0.80 (target performance)", allowZero: true);
        var gain = Fraction(e, "gainShare", at, "the fraction of a gain paid to the provider, e.g. 0.50", allowZero: true);
        var loss = Fraction(e, "lossShare", at, "the fraction of a loss borne by the provider, e.g. 0.50", allowZero: true);
        var cap = Money(e, "gainCap", at, "the most a quarter's shared gain can be, in pounds", positive: false);
        var collar = Money(e, "lossCollar", at, "the most a quarter's shared loss can be, in pounds (a positive amount)", positive: false);
        return expected is null || gain is null || loss is null || cap is null || collar is null
            ? null
            : new RiskSharing(expected.Value, gain.Value, loss.Value, cap.Value, collar.Value);
    }

    private NotScoredRule? NotScored(JsonElement root, string at) =>
        Text(root, "notScored", at, "say \"redistribute\" or \"score-at-target\"") switch
        {
            null => null,
            "redistribute" => NotScoredRule.Redistribute,
            "score-at-target" => NotScoredRule.ScoreAtTarget,
            var other => Problem<NotScoredRule>($"{at}: notScored '{other}' is not known; use \"redistribute\" (its weight is shared pro rata among the scored measures) or \"score-at-target\"."),
        };

    private List<ContractQuarter>? Quarters(JsonElement root, string at, (string Text, int StartYear)? year)
    {
        if (Array(root, "quarters", at) is not { } array) return null;
        var quarters = new List<ContractQuarter>();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        var ok = true;
        foreach (var e in array.EnumerateArray())
        {
            i++;
            var qat = $"quarters[{i}]";
            if (e.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{qat}: must be an object, not {Kind(e)}.");
                ok = false;
                continue;
            }
            Properties(e, qat, "$comment", "id", "start", "end", "statementDue");
            var id = Text(e, "id", qat, "give the quarter an id such as \"Q1\"");
            if (id is not null)
            {
                qat += $" ({id})";
                if (!ids.Add(id)) problems.Add($"{qat}: quarter id '{id}' appears more than once; quarter ids must be unique.");
            }
            var start = Date(e, "start", qat);
            var end = Date(e, "end", qat);
            var due = Date(e, "statementDue", qat);
            if (start is { } s && end is { } en && en < s) problems.Add($"{qat}: end {en:yyyy-MM-dd} is before start {s:yyyy-MM-dd}; swap them.");
            if (end is { } en2 && due is { } d && d <= en2) problems.Add($"{qat}: statementDue {d:yyyy-MM-dd} must be after the quarter ends ({en2:yyyy-MM-dd}).");
            if (id is null || start is null || end is null || due is null)
            {
                ok = false;
                continue;
            }
            quarters.Add(new ContractQuarter(id, start.Value, end.Value, due.Value));
        }
        if (i != 4) problems.Add($"quarters: there must be exactly 4 quarters (the at-risk pot is paid a quarter at a time), not {i}.");
        if (!ok) return null;
        for (var q = 1; q < quarters.Count; q++)
        {
            var prev = quarters[q - 1];
            var next = quarters[q];
            var expected = prev.End.AddDays(1);
            if (next.Start < expected)
            {
                problems.Add($"quarters: {next.Id} starts {next.Start:yyyy-MM-dd}, overlapping {prev.Id} which ends {prev.End:yyyy-MM-dd}; start {next.Id} on {expected:yyyy-MM-dd}.");
            }
            else if (next.Start > expected)
            {
                problems.Add($"quarters: there is a gap between {prev.Id} (ends {prev.End:yyyy-MM-dd}) and {next.Id} (starts {next.Start:yyyy-MM-dd}); start {next.Id} on {expected:yyyy-MM-dd}.");
            }
        }
        if (year is { } y && quarters.Count > 0)
        {
            var yearStart = new DateOnly(y.StartYear, 4, 1);
            var yearEnd = new DateOnly(y.StartYear + 1, 3, 31);
            if (quarters[0].Start != yearStart) problems.Add($"quarters: the first quarter starts {quarters[0].Start:yyyy-MM-dd}; financial year {y.Text} starts {yearStart:yyyy-MM-dd}.");
            if (quarters[^1].End != yearEnd) problems.Add($"quarters: the last quarter ends {quarters[^1].End:yyyy-MM-dd}; financial year {y.Text} ends {yearEnd:yyyy-MM-dd}.");
        }
        return quarters;
    }

    private List<PaymentMeasure>? Measures(JsonElement root, string at, decimal? pointsAtTarget)
    {
        if (Array(root, "measures", at) is not { } array) return null;
        var measures = new List<PaymentMeasure>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        var ok = true;
        var weightSum = 0m;
        foreach (var e in array.EnumerateArray())
        {
            i++;
            var mat = $"measures[{i}]";
            if (e.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{mat}: must be an object, not {Kind(e)}.");
                ok = false;
                continue;
            }
            var m = Measure(e, mat, ids, pointsAtTarget);
            if (m is null)
            {
                ok = false;
                if (e.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number && w.TryGetDecimal(out var wd)) weightSum += wd;
                continue;
            }
            weightSum += m.Weight;
            measures.Add(m);
        }
        if (i == 0) problems.Add("measures: there must be at least one measure.");
        else if (weightSum != 1m)
        {
            problems.Add($"measures: the weights add up to {weightSum * 100m:0.####}%, not 100%; change them so that they sum to exactly 1 (100%).");
        }
        return ok ? measures : null;
    }

    private PaymentMeasure? Measure(JsonElement e, string at, HashSet<string> ids, decimal? pointsAtTarget)
    {
        Properties(e, at, "$comment", "id", "name", "domain", "weight", "direction", "floor", "target", "stretch", "curve", "display");
        var comment = OptionalText(e, "$comment", at);
        var id = Text(e, "id", at, "give the measure a short unique id such as \"urgent-2h\"");
        if (id is not null)
        {
            at += $" ({id})";
            if (!ids.Add(id)) problems.Add($"{at}: measure id '{id}' appears more than once; measure ids must be unique.");
        }
        var name = Text(e, "name", at, "give the measure's name");
        OutcomeDomain? domain = Text(e, "domain", at, $"use one of {string.Join(", ", DomainNames)}") switch
        {
            null => null,
            var d when System.Array.IndexOf(DomainNames, d) is var k and >= 0 => (OutcomeDomain)(k + 1),
            var d => Problem<OutcomeDomain>($"{at}: domain '{d}' is not known; use one of {string.Join(", ", DomainNames)}."),
        };
        var weight = Number(e, "weight", at, "the measure's fraction of the at-risk pot, e.g. 0.10");
        if (weight is <= 0m) problems.Add($"{at}: weight {weight} must be more than 0.");
        MeasureDirection? direction = Text(e, "direction", at, "say \"higher-is-better\" or \"lower-is-better\"") switch
        {
            null => null,
            "higher-is-better" => MeasureDirection.HigherIsBetter,
            "lower-is-better" => MeasureDirection.LowerIsBetter,
            var d => Problem<MeasureDirection>($"{at}: direction '{d}' is not known; use \"higher-is-better\" or \"lower-is-better\"."),
        };
        var floor = Rate(e, "floor", at);
        var target = Rate(e, "target", at);
        var stretch = Rate(e, "stretch", at);
        RateDisplay? display = OptionalText(e, "display", at) switch
        {
            null or "percent" => RateDisplay.Percent,
            "number" => RateDisplay.Number,
            var d => Problem<RateDisplay>($"{at}: display '{d}' is not known; use \"percent\" or \"number\"."),
        };
        var orderOk = false;
        if (direction is { } dir && floor is { } f && target is { } t && stretch is { } s)
        {
            orderOk = dir == MeasureDirection.HigherIsBetter ? f < t && t < s : f > t && t > s;
            if (!orderOk)
            {
                problems.Add(dir == MeasureDirection.HigherIsBetter
                    ? $"{at}: floor {f}, target {t} and stretch {s} are out of order; higher is better, so they must rise: floor < target < stretch."
                    : $"{at}: floor {f}, target {t} and stretch {s} are out of order; lower is better, so they must fall: floor > target > stretch.");
            }
        }
        var curve = Curve(e, at, direction, floor, target, stretch, pointsAtTarget, orderOk);
        if (id is null || name is null || domain is null || weight is null || direction is null || floor is null || target is null
            || stretch is null || display is null || curve is null || !orderOk)
        {
            return null;
        }
        return new PaymentMeasure(id, name, domain.Value, weight.Value, direction.Value, floor.Value, target.Value, stretch.Value, curve,
            display.Value, comment);
    }

    /// <summary>The measure's breakpoints, or the default curve (floor 0, target <paramref name="pointsAtTarget"/>, stretch 1) when it gives none.</summary>
    private List<CurvePoint>? Curve(JsonElement e, string at, MeasureDirection? direction, decimal? floor, decimal? target, decimal? stretch,
        decimal? pointsAtTarget, bool orderOk)
    {
        if (!e.TryGetProperty("curve", out var c) || c.ValueKind == JsonValueKind.Null)
        {
            return orderOk && pointsAtTarget is { } p ? [new(floor!.Value, 0m), new(target!.Value, p), new(stretch!.Value, 1m)] : null;
        }
        if (c.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{at}: 'curve' must be an array of {{\"value\", \"share\"}} breakpoints, not {Kind(c)}.");
            return null;
        }
        var points = new List<CurvePoint>();
        var i = 0;
        var ok = true;
        foreach (var b in c.EnumerateArray())
        {
            i++;
            var bat = $"{at} curve[{i}]";
            if (b.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{bat}: must be an object with \"value\" and \"share\", not {Kind(b)}.");
                ok = false;
                continue;
            }
            Properties(b, bat, "$comment", "value", "share");
            var value = Rate(b, "value", bat);
            var share = Fraction(b, "share", bat, "the share of points earned at this value, 0 to 1", allowZero: true);
            if (value is null || share is null)
            {
                ok = false;
                continue;
            }
            points.Add(new CurvePoint(value.Value, share.Value));
        }
        if (i < 2)
        {
            problems.Add($"{at}: 'curve' needs at least two breakpoints (the floor at share 0 and the stretch at share 1).");
            return null;
        }
        if (!ok || direction is not { } dir) return null;
        for (var k = 1; k < points.Count; k++)
        {
            var a = points[k - 1];
            var b = points[k];
            var rises = dir == MeasureDirection.HigherIsBetter ? b.Value > a.Value : b.Value < a.Value;
            if (!rises)
            {
                problems.Add($"{at}: curve breakpoints {k} ({a.Value}) and {k + 1} ({b.Value}) are not monotonic; "
                    + (dir == MeasureDirection.HigherIsBetter ? "higher is better, so each value must be higher than the one before." : "lower is better, so each value must be lower than the one before."));
                ok = false;
            }
            if (b.Share < a.Share)
            {
                problems.Add($"{at}: curve share falls from {a.Share} at breakpoint {k} to {b.Share} at breakpoint {k + 1}; a better result must never earn fewer points.");
                ok = false;
            }
        }
        if (floor is { } f && (points[0].Value != f || points[0].Share != 0m))
        {
            problems.Add($"{at}: the curve must start at the floor ({f}) with share 0, not at {points[0].Value} with share {points[0].Share}.");
            ok = false;
        }
        if (stretch is { } s && (points[^1].Value != s || points[^1].Share != 1m))
        {
            problems.Add($"{at}: the curve must end at the stretch ({s}) with share 1, not at {points[^1].Value} with share {points[^1].Share}.");
            ok = false;
        }
        if (target is { } t && !points.Exists(p => p.Value == t))
        {
            problems.Add($"{at}: the curve has no breakpoint at the target ({t}); add one so that the share of points at target is stated.");
            ok = false;
        }
        return ok ? points : null;
    }

    private DateOnly? Date(JsonElement e, string name, string at)
    {
        if (Text(e, name, at, "give a date as yyyy-MM-dd") is not { } text) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        problems.Add($"{at}: {name} '{text}' is not a date; write it as yyyy-MM-dd.");
        return null;
    }

    private decimal? Number(JsonElement e, string name, string at, string hint)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"{at}: '{name}' is missing: {hint}.");
            return null;
        }
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out var d))
        {
            problems.Add($"{at}: '{name}' must be a number ({hint}), not {Kind(v)}.");
            return null;
        }
        if (d < 0m)
        {
            problems.Add($"{at}: '{name}' is {d}; it cannot be negative.");
            return null;
        }
        return d;
    }

    private decimal? Rate(JsonElement e, string name, string at) => Number(e, name, at, "a rate as a decimal, e.g. 0.75 for 75%");

    private decimal? Fraction(JsonElement e, string name, string at, string hint, bool allowZero)
    {
        var d = Number(e, name, at, hint);
        if (d is null) return null;
        if (d > 1m || (!allowZero && d == 0m))
        {
            problems.Add($"{at}: '{name}' is {d}; it must be {(allowZero ? "from 0" : "more than 0")} to 1 ({hint}).");
            return null;
        }
        return d;
    }

    private decimal? Money(JsonElement e, string name, string at, string hint, bool positive)
    {
        var d = Number(e, name, at, hint);
        if (d is null) return null;
        if (positive && d == 0m)
        {
            problems.Add($"{at}: '{name}' must be more than 0 ({hint}).");
            return null;
        }
        if (d > MaxMoney)
        {
            problems.Add($"{at}: '{name}' {d} is more than £{MaxMoney:#,##0}; check the figure.");
            return null;
        }
        if (decimal.Round(d.Value, 2) != d)
        {
            problems.Add($"{at}: '{name}' {d} has fractions of a penny; give pounds and pence (two decimal places at most).");
            return null;
        }
        return d;
    }

    private string? Text(JsonElement e, string name, string at, string hint) => json.RequiredText(e, name, at, hint);

    private string? OptionalText(JsonElement e, string name, string at) => json.OptionalText(e, name, at);

    private JsonElement? Object(JsonElement e, string name, string at) => json.Element(e, name, at, JsonValueKind.Object);

    private JsonElement? Array(JsonElement e, string name, string at) => json.Element(e, name, at, JsonValueKind.Array);

    private void Properties(JsonElement e, string at, params string[] allowed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            if (!seen.Add(p.Name)) problems.Add($"{at}: property '{p.Name}' appears more than once.");
            if (System.Array.IndexOf(allowed, p.Name) < 0)
            {
                problems.Add($"{at}: unknown property '{p.Name}'; the properties are {string.Join(", ", allowed.Where(a => a != "$comment"))} (and \"$comment\").");
            }
        }
    }

    private T? Problem<T>(string problem) where T : struct
    {
        problems.Add(problem);
        return null;
    }

    private static string Kind(JsonElement e) => CheckedJson.Kind(e);
}
