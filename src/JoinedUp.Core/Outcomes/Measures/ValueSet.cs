using System.Text.Json;

namespace JoinedUp.Outcomes.Measures;

/// <summary>One code of a value set.</summary>
public sealed record ValueSetCode(string System, string Code, string? Display);

/// <summary>
/// A value set, stored as a FHIR R4 <c>ValueSet</c> resource (<c>compose.include[].system</c> and <c>concept[].code</c>) so
/// it can be exchanged as it is. Measures refer to it by <see cref="Id"/>; at a run its codes are loaded into the
/// <c>value_set_code</c> table and SQL joins to it.
/// </summary>
public sealed record ValueSet(string Id, string? Version, string Title, string? Url, IReadOnlyList<ValueSetCode> Codes, string Json, string Source)
{
    public static ValueSet? Read(string json, string source, List<string> problems)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            problems.Add($"{source}: not valid JSON at line {(ex.LineNumber ?? 0) + 1}: {ex.Message.Split('.')[0]}.");
            return null;
        }
        using (doc)
        {
            var root = doc.RootElement;
            var before = problems.Count;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{source}: $ must be a FHIR ValueSet object.");
                return null;
            }
            if (!root.TryGetProperty("resourceType", out var rt) || rt.ValueKind != JsonValueKind.String || rt.GetString() != "ValueSet")
            {
                problems.Add($"{source}: $.resourceType must be \"ValueSet\".");
            }
            var id = Text(root, "id");
            if (id is null || !MeasureReader.IsKey(id))
            {
                problems.Add($"{source}: $.id must be a key of lowercase letters, digits and hyphens (e.g. qof-dm-cod).");
            }
            var codes = new List<ValueSetCode>();
            if (!root.TryGetProperty("compose", out var compose) || compose.ValueKind != JsonValueKind.Object
                || !compose.TryGetProperty("include", out var include) || include.ValueKind != JsonValueKind.Array)
            {
                problems.Add($"{source}: $.compose.include must be an array of {{ \"system\": ..., \"concept\": [ {{ \"code\": ... }} ] }}.");
            }
            else
            {
                var i = 0;
                foreach (var inc in include.EnumerateArray())
                {
                    var at = $"$.compose.include[{i++}]";
                    var system = inc.ValueKind == JsonValueKind.Object ? Text(inc, "system") : null;
                    if (system is null)
                    {
                        problems.Add($"{source}: {at}.system is missing: give the code system's URI (e.g. http://snomed.info/sct).");
                        continue;
                    }
                    if (!inc.TryGetProperty("concept", out var concepts) || concepts.ValueKind != JsonValueKind.Array || concepts.GetArrayLength() == 0)
                    {
                        problems.Add($"{source}: {at}.concept must list the codes (filters are not supported: list each code).");
                        continue;
                    }
                    var j = 0;
                    foreach (var c in concepts.EnumerateArray())
                    {
                        var code = c.ValueKind == JsonValueKind.Object ? Text(c, "code") : null;
                        if (code is null || code.Length > 64)
                        {
                            problems.Add($"{source}: {at}.concept[{j}].code is missing or longer than 64 characters.");
                        }
                        else if (codes.Any(x => x.System == system && x.Code == code))
                        {
                            problems.Add($"{source}: {at}.concept[{j}].code {code} is listed twice.");
                        }
                        else
                        {
                            codes.Add(new ValueSetCode(system, code, Text(c, "display")));
                        }
                        j++;
                    }
                }
            }
            if (problems.Count > before) return null;
            return new ValueSet(id!, Text(root, "version"), Text(root, "title") ?? Text(root, "name") ?? id!, Text(root, "url"), codes, json, source);
        }
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString()!.Trim() : null;
}
