using JoinedUp.Storage;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using JoinedUp.Directory.Catalogue;

namespace JoinedUp.Access;

/// <summary>Where a referral came from.</summary>
public enum ReferralSource
{
    Gp = 1,
    HospitalDischarge = 2,
    SocialCare = 3,
    CommunityService = 4,
    Self = 5,
    Carer = 6,
}

/// <summary>How soon the person must be seen. Higher is more urgent.</summary>
public enum Urgency
{
    Routine = 1,
    Within2Days = 2,
    Within2Hours = 3,
}

/// <summary>
/// When a triage rule applies. It applies when (a) it names no keywords or codes, or the reason contains one of the
/// <see cref="Keywords"/> (whole words or phrases, any case), or one of <see cref="ReasonCodes"/> is among the
/// referral's reason codes, or one of <see cref="ConditionCodes"/> is among the person's conditions or the reason codes;
/// and (b) <see cref="Sources"/> is empty or names the referral's source; and (c) the person's age is inside
/// <see cref="MinAge"/>..<see cref="MaxAge"/> (inclusive) or not known yet.
/// </summary>
public sealed class TriageCondition
{
    internal TriageCondition(IReadOnlyList<string> keywords, IReadOnlyList<string> reasonCodes, IReadOnlyList<string> conditionCodes,
        IReadOnlyList<ReferralSource> sources, int? minAge, int? maxAge)
    {
        Keywords = keywords;
        ReasonCodes = reasonCodes;
        ConditionCodes = conditionCodes;
        Sources = sources;
        MinAge = minAge;
        MaxAge = maxAge;
        KeywordWords = keywords.Select(k => TriageText.Words(k)).ToArray();
    }

    public IReadOnlyList<string> Keywords { get; }

    public IReadOnlyList<string> ReasonCodes { get; }

    public IReadOnlyList<string> ConditionCodes { get; }

    public IReadOnlyList<ReferralSource> Sources { get; }

    public int? MinAge { get; }

    public int? MaxAge { get; }

    /// <summary>Each keyword split into words once, so matching a reason allocates nothing.</summary>
    internal string[][] KeywordWords { get; }
}

/// <summary>An urgency rule: when <see cref="When"/> applies, the referral is at least <see cref="Urgency"/>.</summary>
public sealed class UrgencyRule
{
    internal UrgencyRule(string id, string label, Urgency urgency, TriageCondition when, string? comment)
    {
        Id = id;
        Label = label;
        Urgency = urgency;
        When = when;
        Comment = comment;
    }

    public string Id { get; }

    /// <summary>What a coordinator calls it, e.g. "Urgent community response".</summary>
    public string Label { get; }

    public Urgency Urgency { get; }

    public TriageCondition When { get; }

    public string? Comment { get; }
}

/// <summary>A route rule: when <see cref="When"/> applies, suggest <see cref="Service"/>, or the eligible one of it and its <see cref="Alternatives"/> with the shortest expected wait.</summary>
public sealed class RouteRule
{
    internal RouteRule(string id, string label, string service, IReadOnlyList<string> alternatives, TriageCondition when, string? comment)
    {
        Id = id;
        Label = label;
        Service = service;
        Alternatives = alternatives;
        When = when;
        Comment = comment;
    }

    public string Id { get; }

    public string Label { get; }

    public string Service { get; }

    public IReadOnlyList<string> Alternatives { get; }

    public TriageCondition When { get; }

    public string? Comment { get; }
}

/// <summary>The out-of-hours service and the urgencies for which a closed service is covered by it.</summary>
public sealed class OutOfHoursRule
{
    internal OutOfHoursRule(string service, IReadOnlyList<Urgency> urgencies, string? comment)
    {
        Service = service;
        Urgencies = urgencies;
        Comment = comment;
    }

    public string Service { get; }

    public IReadOnlyList<Urgency> Urgencies { get; }

    public string? Comment { get; }
}

/// <summary>The interpreting service and the names of languages by code (ISO 639-1, or "sgn"/"bfi" for British Sign Language).</summary>
public sealed class InterpreterRule
{
    internal InterpreterRule(string service, IReadOnlyList<KeyValuePair<string, string>> languages, string? comment)
    {
        Service = service;
        Languages = languages;
        Comment = comment;
    }

    public string Service { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Languages { get; }

    public string? Comment { get; }

    /// <summary>The language's name, trying "bn-BD" then "bn"; the code itself when it is not listed.</summary>
    public string LanguageName(string code)
    {
        foreach (var (key, name) in Languages)
        {
            if (string.Equals(key, code, StringComparison.OrdinalIgnoreCase)) return name;
        }
        var dash = code.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0)
        {
            var primary = code.AsSpan(0, dash);
            foreach (var (key, name) in Languages)
            {
                if (primary.Equals(key, StringComparison.OrdinalIgnoreCase)) return name;
            }
        }
        return code;
    }
}

/// <summary>The advocacy service booked when advocacy is requested.</summary>
public sealed class AdvocacyRule
{
    internal AdvocacyRule(string service, string? comment)
    {
        Service = service;
        Comment = comment;
    }

    public string Service { get; }

    public string? Comment { get; }
}

/// <summary>
/// The single point of access's triage rules (Access/Triage/triage-rules.json by default): urgency rules, route rules,
/// out-of-hours cover, interpreter and advocacy services and the target wait per urgency. Evaluated by
/// <see cref="TriageEngine"/>. <see cref="Parse"/> validates a rule set and throws <see cref="TriageRulesException"/>
/// listing every problem.
/// </summary>
public sealed class TriageRuleSet
{
    private static readonly Lazy<TriageRuleSet> Default = new(LoadDefaultUncached);

    private TriageRuleSet(IReadOnlyList<UrgencyRule> urgencyRules, IReadOnlyList<RouteRule> routeRules, OutOfHoursRule outOfHours,
        InterpreterRule interpreter, AdvocacyRule advocacy, int[] targetDays)
    {
        UrgencyRules = urgencyRules;
        RouteRules = routeRules;
        OutOfHours = outOfHours;
        Interpreter = interpreter;
        Advocacy = advocacy;
        TargetDaysByUrgency = targetDays;
    }

    /// <summary>Set by whoever stores the rule set; the file's "version" is informational (default 1).</summary>
    public int Version { get; init; }

    public string? Comment { get; init; }

    public IReadOnlyList<UrgencyRule> UrgencyRules { get; }

    public IReadOnlyList<RouteRule> RouteRules { get; }

    public OutOfHoursRule OutOfHours { get; }

    public InterpreterRule Interpreter { get; }

    public AdvocacyRule Advocacy { get; }

    /// <summary>Indexed by (int)Urgency.</summary>
    private int[] TargetDaysByUrgency { get; }

    /// <summary>The longest acceptable expected wait, in days, for a referral of this urgency.</summary>
    public int TargetDays(Urgency urgency) => TargetDaysByUrgency[(int)urgency];

    /// <summary>The rule set built into JoinedUp, validated against the built-in catalogue's service codes. Parsed once.</summary>
    public static TriageRuleSet LoadDefault() => Default.Value;

    private static TriageRuleSet LoadDefaultUncached()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("JoinedUp.Access.triage-rules.json")
            ?? throw new InvalidOperationException("The built-in triage rules are missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var json = reader.ReadToEnd();
        var codes = ServiceCatalogue.LoadDefault().Services.Select(s => s.Code).ToArray();
        return ParseCore(json, codes, version: null, "built-in triage rules");
    }

    /// <summary>
    /// Parses and validates rule-set JSON. <paramref name="knownServiceCodes"/> are the catalogue's codes every rule's
    /// service must be one of; <paramref name="version"/> is the stored version number; <paramref name="source"/> names
    /// the rule set in messages. Throws <see cref="TriageRulesException"/> listing every problem.
    /// </summary>
    public static TriageRuleSet Parse(string json, IReadOnlyCollection<string> knownServiceCodes, int version, string source) =>
        ParseCore(json, knownServiceCodes, version, source);

    private static TriageRuleSet ParseCore(string json, IReadOnlyCollection<string> knownServiceCodes, int? version, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(knownServiceCodes);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false });
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, column {ex.BytePositionInLine + 1}" : "";
            throw new TriageRulesException(source, [$"The triage rules are not valid JSON{where}: {FirstSentence(ex.Message)}"]);
        }
        using (doc)
        {
            var reader = new RulesReader(knownServiceCodes);
            var set = reader.Read(doc.RootElement, out var fileVersion);
            if (reader.Problems.Count > 0 || set is null)
            {
                throw new TriageRulesException(source, reader.Problems.Count > 0 ? reader.Problems : ["The triage rules could not be read."]);
            }
            return new TriageRuleSet(set.UrgencyRules, set.RouteRules, set.OutOfHours, set.Interpreter, set.Advocacy, set.TargetDaysByUrgency)
            {
                Version = version ?? fileVersion ?? 1,
                Comment = set.Comment,
            };
        }
    }

    private static string FirstSentence(string message)
    {
        foreach (var marker in (ReadOnlySpan<string>)[" LineNumber:", " Path:"])
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
        }
        return message.TrimEnd();
    }

    /// <summary>The rule set as indented JSON in the file's shape; <see cref="Parse"/> reads it back to an equal rule set.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (Comment is not null) w.WriteString("$comment", Comment);
            w.WriteNumber("version", Version);
            w.WriteStartObject("targetDays");
            foreach (var u in Enum.GetValues<Urgency>()) w.WriteNumber(u.ToString(), TargetDays(u));
            w.WriteEndObject();
            w.WriteStartArray("urgencyRules");
            foreach (var r in UrgencyRules)
            {
                w.WriteStartObject();
                if (r.Comment is not null) w.WriteString("$comment", r.Comment);
                w.WriteString("id", r.Id);
                w.WriteString("label", r.Label);
                w.WriteString("urgency", r.Urgency.ToString());
                WriteCondition(w, r.When);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("routeRules");
            foreach (var r in RouteRules)
            {
                w.WriteStartObject();
                if (r.Comment is not null) w.WriteString("$comment", r.Comment);
                w.WriteString("id", r.Id);
                w.WriteString("label", r.Label);
                w.WriteString("service", r.Service);
                if (r.Alternatives.Count > 0) WriteStrings(w, "alternatives", r.Alternatives);
                WriteCondition(w, r.When);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("outOfHours");
            if (OutOfHours.Comment is not null) w.WriteString("$comment", OutOfHours.Comment);
            w.WriteString("service", OutOfHours.Service);
            WriteStrings(w, "urgencies", OutOfHours.Urgencies.Select(u => u.ToString()));
            w.WriteEndObject();
            w.WriteStartObject("interpreter");
            if (Interpreter.Comment is not null) w.WriteString("$comment", Interpreter.Comment);
            w.WriteString("service", Interpreter.Service);
            w.WriteStartObject("languages");
            foreach (var (code, name) in Interpreter.Languages) w.WriteString(code, name);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("advocacy");
            if (Advocacy.Comment is not null) w.WriteString("$comment", Advocacy.Comment);
            w.WriteString("service", Advocacy.Service);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length) + "\n";
    }

    private static void WriteCondition(Utf8JsonWriter w, TriageCondition c)
    {
        w.WriteStartObject("when");
        if (c.Keywords.Count > 0) WriteStrings(w, "keywords", c.Keywords);
        if (c.ReasonCodes.Count > 0) WriteStrings(w, "reasonCodes", c.ReasonCodes);
        if (c.ConditionCodes.Count > 0) WriteStrings(w, "conditionCodes", c.ConditionCodes);
        if (c.Sources.Count > 0) WriteStrings(w, "sources", c.Sources.Select(s => s.ToString()));
        if (c.MinAge is { } min) w.WriteNumber("minAge", min);
        if (c.MaxAge is { } max) w.WriteNumber("maxAge", max);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private sealed record ParsedSet(string? Comment, IReadOnlyList<UrgencyRule> UrgencyRules, IReadOnlyList<RouteRule> RouteRules,
        OutOfHoursRule OutOfHours, InterpreterRule Interpreter, AdvocacyRule Advocacy, int[] TargetDaysByUrgency);

    /// <summary>Walks the JSON by hand so that every problem, unknown properties included, is reported in one go.</summary>
    private sealed class RulesReader(IReadOnlyCollection<string> knownServiceCodes)
    {
        public List<string> Problems { get; } = [];

        private readonly HashSet<string> ruleIds = new(StringComparer.OrdinalIgnoreCase);

        public ParsedSet? Read(JsonElement root, out int? fileVersion)
        {
            fileVersion = null;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Problems.Add($"The triage rules must be a JSON object, not {Kind(root)}.");
                return null;
            }
            Properties(root, "the rule set", "$comment", "version", "targetDays", "urgencyRules", "routeRules", "outOfHours", "interpreter", "advocacy");
            var comment = OptionalString(root, "$comment", "the rule set");
            fileVersion = OptionalInt(root, "version", "the rule set");
            if (fileVersion is < 1) Problems.Add($"'version' is {fileVersion}; versions start at 1.");

            var targets = ReadTargets(root);
            var urgencyRules = new List<UrgencyRule>();
            if (Required(root, "urgencyRules", "the rule set", JsonValueKind.Array) is { } urgencyArray)
            {
                var i = 0;
                foreach (var e in urgencyArray.EnumerateArray())
                {
                    if (ReadUrgencyRule(e, i++) is { } rule) urgencyRules.Add(rule);
                }
            }
            var routeRules = new List<RouteRule>();
            if (Required(root, "routeRules", "the rule set", JsonValueKind.Array) is { } routeArray)
            {
                var i = 0;
                foreach (var e in routeArray.EnumerateArray())
                {
                    if (ReadRouteRule(e, i++) is { } rule) routeRules.Add(rule);
                }
            }
            var outOfHours = ReadOutOfHours(root);
            var interpreter = ReadInterpreter(root);
            var advocacy = ReadAdvocacy(root);
            if (Problems.Count > 0 || targets is null || outOfHours is null || interpreter is null || advocacy is null) return null;
            return new ParsedSet(comment, urgencyRules, routeRules, outOfHours, interpreter, advocacy, targets);
        }

        private int[]? ReadTargets(JsonElement root)
        {
            const string at = "'targetDays'";
            if (Required(root, "targetDays", "the rule set", JsonValueKind.Object) is not { } e) return null;
            var days = new int?[4];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "$comment") continue;
                if (!seen.Add(p.Name)) Problems.Add($"{at}: '{p.Name}' appears more than once.");
                if (!Enum.TryParse<Urgency>(p.Name, ignoreCase: false, out var u) || !Enum.IsDefined(u) || IsNumeric(p.Name))
                {
                    Problems.Add($"{at}: '{p.Name}' is not an urgency; use {UrgencyNames}.");
                    continue;
                }
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var n) || n < 0)
                {
                    Problems.Add($"{at}: '{p.Name}' must be a whole number of days, 0 or more.");
                    continue;
                }
                days[(int)u] = n;
            }
            foreach (var u in Enum.GetValues<Urgency>())
            {
                if (days[(int)u] is null && seen.Add(u.ToString())) Problems.Add($"{at}: the target for '{u}' is missing: give the longest acceptable wait in days.");
            }
            return days.Skip(1).All(d => d is not null) ? days.Select(d => d ?? 0).ToArray() : null;
        }

        private UrgencyRule? ReadUrgencyRule(JsonElement e, int index)
        {
            var at = $"urgencyRules[{index}]";
            if (!IsObject(e, at)) return null;
            var id = RuleId(e, ref at);
            Properties(e, at, "$comment", "id", "label", "urgency", "when");
            var comment = OptionalString(e, "$comment", at);
            var label = RequiredText(e, "label", at, "say in words what the rule is for, e.g. \"Urgent community response\"");
            var urgency = UrgencyValue(e, "urgency", at);
            var when = ReadCondition(e, at);
            return id is null || label is null || urgency is null || when is null ? null : new UrgencyRule(id, label, urgency.Value, when, comment);
        }

        private RouteRule? ReadRouteRule(JsonElement e, int index)
        {
            var at = $"routeRules[{index}]";
            if (!IsObject(e, at)) return null;
            var id = RuleId(e, ref at);
            Properties(e, at, "$comment", "id", "label", "service", "alternatives", "when");
            var comment = OptionalString(e, "$comment", at);
            var label = RequiredText(e, "label", at, "say in words what the rule is for, e.g. \"Stroke rehabilitation\"");
            var service = ServiceCode(e, "service", at);
            var alternatives = Strings(e, "alternatives", at);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var alt in alternatives)
            {
                if (!KnownService(alt, $"{at}: alternative")) continue;
                if (string.Equals(alt, service, StringComparison.Ordinal)) Problems.Add($"{at}: alternative '{alt}' is the rule's own service.");
                else if (!seen.Add(alt)) Problems.Add($"{at}: alternative '{alt}' appears more than once.");
            }
            var when = ReadCondition(e, at);
            return id is null || label is null || service is null || when is null ? null : new RouteRule(id, label, service, alternatives, when, comment);
        }

        private TriageCondition? ReadCondition(JsonElement rule, string ruleAt)
        {
            if (Required(rule, "when", ruleAt, JsonValueKind.Object) is not { } e) return null;
            var at = $"{ruleAt} 'when'";
            Properties(e, at, "$comment", "keywords", "reasonCodes", "conditionCodes", "sources", "minAge", "maxAge");
            var problemsBefore = Problems.Count;
            var keywords = Strings(e, "keywords", at);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < keywords.Count; i++)
            {
                if (TriageText.Words(keywords[i]).Length == 0) Problems.Add($"{at}: keyword {i + 1} ('{keywords[i]}') is empty; give a word or phrase.");
                else if (!seen.Add(string.Join(' ', TriageText.Words(keywords[i])))) Problems.Add($"{at}: keyword '{keywords[i]}' appears more than once.");
            }
            var reasonCodes = Codes(e, "reasonCodes", at);
            var conditionCodes = Codes(e, "conditionCodes", at);
            var sources = new List<ReferralSource>();
            var sourceNames = Strings(e, "sources", at);
            foreach (var s in sourceNames)
            {
                if (Enum.TryParse<ReferralSource>(s, ignoreCase: false, out var source) && Enum.IsDefined(source) && !IsNumeric(s)) sources.Add(source);
                else Problems.Add($"{at}: source '{s}' is not known; use {string.Join(", ", Enum.GetNames<ReferralSource>())}.");
            }
            var minAge = OptionalInt(e, "minAge", at);
            var maxAge = OptionalInt(e, "maxAge", at);
            if (minAge is < 0 or > 130) Problems.Add($"{at}: 'minAge' {minAge} is not an age in years.");
            if (maxAge is < 0 or > 130) Problems.Add($"{at}: 'maxAge' {maxAge} is not an age in years.");
            if (minAge is { } min && maxAge is { } max && min > max) Problems.Add($"{at}: 'minAge' ({min}) is above 'maxAge' ({max}), so the rule never applies.");
            if (keywords.Count == 0 && reasonCodes.Count == 0 && conditionCodes.Count == 0 && sourceNames.Count == 0 && minAge is null && maxAge is null && Problems.Count == problemsBefore)
            {
                Problems.Add($"{at}: says nothing, so the rule would apply to every referral; give keywords, reasonCodes, conditionCodes, sources or an age band.");
            }
            return Problems.Count > problemsBefore ? null : new TriageCondition(keywords, reasonCodes, conditionCodes, sources, minAge, maxAge);
        }

        private OutOfHoursRule? ReadOutOfHours(JsonElement root)
        {
            const string at = "'outOfHours'";
            if (Required(root, "outOfHours", "the rule set", JsonValueKind.Object) is not { } e) return null;
            Properties(e, at, "$comment", "service", "urgencies");
            var comment = OptionalString(e, "$comment", at);
            var service = ServiceCode(e, "service", at);
            var urgencies = new List<Urgency>();
            foreach (var name in Strings(e, "urgencies", at))
            {
                if (ParseUrgency(name) is { } u)
                {
                    if (urgencies.Contains(u)) Problems.Add($"{at}: urgency '{name}' appears more than once.");
                    else urgencies.Add(u);
                }
                else Problems.Add($"{at}: urgency '{name}' is not known; use {UrgencyNames}.");
            }
            if (urgencies.Count == 0 && !Problems.Any(p => p.StartsWith(at, StringComparison.Ordinal))) Problems.Add($"{at}: 'urgencies' is empty: list the urgencies the out-of-hours service covers, e.g. [\"Within2Hours\", \"Within2Days\"].");
            return service is null ? null : new OutOfHoursRule(service, urgencies, comment);
        }

        private InterpreterRule? ReadInterpreter(JsonElement root)
        {
            const string at = "'interpreter'";
            if (Required(root, "interpreter", "the rule set", JsonValueKind.Object) is not { } e) return null;
            Properties(e, at, "$comment", "service", "languages");
            var comment = OptionalString(e, "$comment", at);
            var service = ServiceCode(e, "service", at);
            var languages = new List<KeyValuePair<string, string>>();
            if (e.TryGetProperty("languages", out var l))
            {
                if (l.ValueKind != JsonValueKind.Object) Problems.Add($"{at}: 'languages' must be an object of language code to name, e.g. {{ \"bn\": \"Bengali\" }}.");
                else
                {
                    var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var p in l.EnumerateObject())
                    {
                        if (p.Name == "$comment") continue;
                        if (string.IsNullOrWhiteSpace(p.Name)) Problems.Add($"{at}: a language code is empty.");
                        else if (!seen.Add(p.Name)) Problems.Add($"{at}: language '{p.Name}' appears more than once.");
                        else if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.Value.GetString())) Problems.Add($"{at}: language '{p.Name}' needs a name, e.g. \"Bengali\".");
                        else languages.Add(new(p.Name, p.Value.GetString()!));
                    }
                }
            }
            return service is null ? null : new InterpreterRule(service, languages, comment);
        }

        private AdvocacyRule? ReadAdvocacy(JsonElement root)
        {
            const string at = "'advocacy'";
            if (Required(root, "advocacy", "the rule set", JsonValueKind.Object) is not { } e) return null;
            Properties(e, at, "$comment", "service");
            var comment = OptionalString(e, "$comment", at);
            var service = ServiceCode(e, "service", at);
            return service is null ? null : new AdvocacyRule(service, comment);
        }

        private string? RuleId(JsonElement e, ref string at)
        {
            var id = RequiredText(e, "id", at, "give the rule a short unique id such as \"falls\"");
            if (id is null) return null;
            at += $" ({id})";
            if (!ruleIds.Add(id))
            {
                Problems.Add($"{at}: rule id '{id}' appears more than once; rule ids must be unique.");
                return null;
            }
            return id;
        }

        private void Properties(JsonElement e, string at, params string[] allowed)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                if (!seen.Add(p.Name)) Problems.Add($"{at}: property '{p.Name}' appears more than once.");
                if (Array.IndexOf(allowed, p.Name) < 0)
                {
                    Problems.Add($"{at}: unknown property '{p.Name}'; the properties are {string.Join(", ", allowed.Where(a => a != "$comment"))} (and \"$comment\").");
                }
            }
        }

        private bool IsObject(JsonElement e, string at)
        {
            if (e.ValueKind == JsonValueKind.Object) return true;
            Problems.Add($"{at}: must be an object, not {Kind(e)}.");
            return false;
        }

        private JsonElement? Required(JsonElement obj, string name, string at, JsonValueKind kind) => new CheckedJson(Problems).Element(obj, name, at, kind);

        private string? RequiredText(JsonElement obj, string name, string at, string hint) => new CheckedJson(Problems).RequiredText(obj, name, at, hint);

        private string? OptionalString(JsonElement obj, string name, string at) => new CheckedJson(Problems).OptionalText(obj, name, at);

        private int? OptionalInt(JsonElement obj, string name, string at)
        {
            if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n)) return n;
            Problems.Add($"{at}: '{name}' must be a whole number, not {Kind(v)}.");
            return null;
        }

        private List<string> Strings(JsonElement obj, string name, string at)
        {
            var list = new List<string>();
            if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return list;
            if (v.ValueKind != JsonValueKind.Array)
            {
                Problems.Add($"{at}: '{name}' must be an array of strings, not {Kind(v)}.");
                return list;
            }
            var i = 0;
            foreach (var item in v.EnumerateArray())
            {
                i++;
                if (item.ValueKind == JsonValueKind.String) list.Add(item.GetString()!);
                else Problems.Add($"{at}: '{name}' item {i} must be a string, not {Kind(item)}.");
            }
            return list;
        }

        private List<string> Codes(JsonElement obj, string name, string at)
        {
            var codes = Strings(obj, name, at);
            foreach (var code in codes)
            {
                if (code.Length is < 6 or > 18 || !code.All(char.IsAsciiDigit)) Problems.Add($"{at}: '{name}' entry '{code}' is not a SNOMED CT concept id (6 to 18 digits).");
            }
            return codes;
        }

        private Urgency? UrgencyValue(JsonElement obj, string name, string at)
        {
            if (RequiredText(obj, name, at, $"use {UrgencyNames}") is not { } text) return null;
            if (ParseUrgency(text) is { } u) return u;
            Problems.Add($"{at}: urgency '{text}' is not known; use {UrgencyNames}.");
            return null;
        }

        private string? ServiceCode(JsonElement obj, string name, string at)
        {
            if (RequiredText(obj, name, at, "give a service code from the catalogue") is not { } code) return null;
            return KnownService(code, $"{at}: service") ? code : null;
        }

        private bool KnownService(string code, string what)
        {
            if (knownServiceCodes.Contains(code, StringComparer.Ordinal)) return true;
            var near = knownServiceCodes.FirstOrDefault(k => string.Equals(k, code, StringComparison.OrdinalIgnoreCase));
            Problems.Add(near is not null
                ? $"{what} '{code}' is not a service code; did you mean '{near}'?"
                : $"{what} '{code}' is not a service in the catalogue; use one of {string.Join(", ", knownServiceCodes)}.");
            return false;
        }

        private static Urgency? ParseUrgency(string text) =>
            !IsNumeric(text) && Enum.TryParse<Urgency>(text, ignoreCase: false, out var u) && Enum.IsDefined(u) ? u : null;

        private static bool IsNumeric(string text) => text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] is '-' or '+');

        private static string UrgencyNames => string.Join(", ", Enum.GetNames<Urgency>());

        private static string Kind(JsonElement e) => CheckedJson.Kind(e);
    }
}

/// <summary>The triage rules are malformed; <see cref="Problems"/> lists every problem found, each saying what to fix.</summary>
public sealed class TriageRulesException(string source, IReadOnlyList<string> problems)
    : Exception($"The triage rules '{source}' have {problems.Count} problem(s):{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", problems)}")
{
    public string RulesSource { get; } = source;

    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>Splits text into words (runs of letters and digits) the same way for keywords and reasons.</summary>
internal static class TriageText
{
    public static string[] Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                words.Add(text[start..i]);
                start = -1;
            }
        }
        return [.. words];
    }

    /// <summary>Word boundaries of <paramref name="text"/> into <paramref name="into"/> (grown as needed); returns the count.</summary>
    public static int WordRanges(string text, ref Range[] into)
    {
        var count = 0;
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0) start = i;
            else if (!inWord && start >= 0)
            {
                if (count == into.Length) Array.Resize(ref into, Math.Max(16, into.Length * 2));
                into[count++] = start..i;
                start = -1;
            }
        }
        return count;
    }
}
