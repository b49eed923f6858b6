using System.Text.Json;

namespace JoinedUp.Storage;

/// <summary>
/// Reading a checked-in data file (the triage rules, the payment contract) so that every problem is listed at once:
/// each read that finds something wrong adds a sentence naming where and what to fix, and returns null.
/// </summary>
internal sealed class CheckedJson(List<string> problems)
{
    /// <summary>What a value is, for messages ("the string \"x\"", "an array").</summary>
    public static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{e.GetString()}\"",
        JsonValueKind.Number => $"the number {e.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => "null",
    };

    /// <summary>A required object or array property.</summary>
    public JsonElement? Element(JsonElement obj, string name, string at, JsonValueKind kind)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            problems.Add($"{at}: '{name}' is missing.");
            return null;
        }
        if (v.ValueKind != kind)
        {
            problems.Add($"{at}: '{name}' must be {(kind == JsonValueKind.Array ? "an array" : "an object")}, not {Kind(v)}.");
            return null;
        }
        return v;
    }

    /// <summary>A required, non-blank string, trimmed; <paramref name="hint"/> says what to give.</summary>
    public string? RequiredText(JsonElement obj, string name, string at, string hint)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetString())))
        {
            problems.Add($"{at}: '{name}' is missing: {hint}.");
            return null;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            problems.Add($"{at}: '{name}' must be a string ({hint}), not {Kind(v)}.");
            return null;
        }
        return v.GetString()!.Trim();
    }

    /// <summary>An optional string (null when absent).</summary>
    public string? OptionalText(JsonElement obj, string name, string at)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        problems.Add($"{at}: '{name}' must be a string, not {Kind(v)}.");
        return null;
    }
}
