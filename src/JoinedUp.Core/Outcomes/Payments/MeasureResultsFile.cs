using System.Text.Json;

namespace JoinedUp.Outcomes.Payments;

/// <summary>A quarter's results read from a file: the quarter it names (if any), the results, and every problem found.</summary>
public sealed record MeasureResultsLoad(string? Quarter, IReadOnlyList<MeasureResult> Results, IReadOnlyList<string> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>
/// Reads a results file: <c>{ "quarter": "Q1", "results": [ { "measure": "urgent-2h", "numerator": 412, "denominator": 1000,
/// "suppressed": false } ] }</c> ("quarter" and "suppressed" optional). Never throws for bad input; lists every problem.
/// </summary>
public static class MeasureResultsFile
{
    public static MeasureResultsLoad Parse(string json, string source)
    {
        var problems = new List<string>();
        var results = new List<MeasureResult>();
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json ?? "", new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}" : "";
            return new MeasureResultsLoad(null, [], [$"{source}: the results are not valid JSON{where}."]);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("results", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return new MeasureResultsLoad(null, [], [$"{source}: expected an object with a \"results\" array, e.g. {{ \"quarter\": \"Q1\", \"results\": [ {{ \"measure\": \"urgent-2h\", \"numerator\": 412, \"denominator\": 1000 }} ] }}."]);
            }
            string? quarter = null;
            if (root.TryGetProperty("quarter", out var q))
            {
                if (q.ValueKind == JsonValueKind.String) quarter = q.GetString();
                else if (q.ValueKind != JsonValueKind.Null) problems.Add($"{source}: 'quarter' must be a string such as \"Q1\".");
            }
            var i = 0;
            foreach (var e in list.EnumerateArray())
            {
                i++;
                var at = $"{source}: results[{i}]";
                if (e.ValueKind != JsonValueKind.Object)
                {
                    problems.Add($"{at}: must be an object with measure, numerator and denominator.");
                    continue;
                }
                var measure = e.TryGetProperty("measure", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                if (string.IsNullOrWhiteSpace(measure)) problems.Add($"{at}: 'measure' is missing: give the measure's id.");
                var suppressed = e.TryGetProperty("suppressed", out var s) && s.ValueKind == JsonValueKind.True;
                var numerator = Count(e, "numerator", at, suppressed, problems);
                var denominator = Count(e, "denominator", at, suppressed, problems);
                if (!string.IsNullOrWhiteSpace(measure) && numerator is not null && denominator is not null)
                {
                    results.Add(new MeasureResult(measure, numerator.Value, denominator.Value, suppressed));
                }
            }
            return new MeasureResultsLoad(quarter, results, problems);
        }
    }

    private static decimal? Count(JsonElement e, string name, string at, bool suppressed, List<string> problems)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            if (suppressed) return 0m;
            problems.Add($"{at}: '{name}' is missing (or say \"suppressed\": true).");
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d)) return d;
        problems.Add($"{at}: '{name}' must be a number, not {v.GetRawText()}.");
        return null;
    }
}
