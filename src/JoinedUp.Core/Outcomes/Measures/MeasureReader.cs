using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JoinedUp.Outcomes.Measures.Sql;

namespace JoinedUp.Outcomes.Measures;

/// <summary>
/// Reads a <c>*.measure.json</c> definition (ADR 0006 2.2) and checks it. Never throws for bad input: every problem is a
/// sentence naming the file, the JSON path and what to fix, and a definition with any problem is not returned.
/// Value sets are checked by <see cref="MeasureLibrary"/>, which sees them all.
/// </summary>
public sealed class MeasureReader
{
    private readonly List<string> _problems;
    private readonly string _source;

    private MeasureReader(string source, List<string> problems)
    {
        _source = source;
        _problems = problems;
    }

    public static readonly string[] RecordTables = ["observation", "procedure", "condition", "encounter", "immunisation", "medication"];

    private static readonly string[] Ops = ["<", "<=", ">", ">=", "="];

    public static bool IsKey(string s) => s.Length is > 0 and <= 64 && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && s[0] != '-';

    public static MeasureDefinition? Read(string json, string source, List<string> problems)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            problems.Add($"{source}: not valid JSON at line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}.");
            return null;
        }
        using (doc)
        {
            var before = problems.Count;
            var definition = new MeasureReader(source, problems).Definition(doc.RootElement, json);
            return problems.Count > before ? null : definition;
        }
    }

    private void Problem(string path, string message) => _problems.Add($"{_source}: {path}: {message}.");

    private MeasureDefinition? Definition(JsonElement root, string json)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            Problem("$", "a measure definition must be a JSON object");
            return null;
        }
        Known(root, "$", "$schema", "$comment", "id", "version", "title", "description", "domain", "source", "scoring", "improvement",
            "subject", "period", "levels", "population", "denominator", "exclusions", "numerator", "exceptions", "count", "perUnits");
        var id = Text(root, "$", "id", required: true, "a key of lowercase letters, digits and hyphens, e.g. dm-hba1c-58");
        if (id is not null && !IsKey(id)) Problem("$.id", $"'{id}' must be lowercase letters, digits and hyphens (at most 64)");
        var version = Text(root, "$", "version", required: true, "a version such as 1.0.0; change it when the meaning changes");
        var title = Text(root, "$", "title", required: true, "what the measure counts, in words");
        var domain = Choice<MeasureDomain>(root, "$", "domain", null);
        var scoring = Choice<MeasureScoring>(root, "$", "scoring", MeasureScoring.Proportion);
        var improvement = Choice<Improvement>(root, "$", "improvement", Improvement.Increase);

        string? sourceName = null, sourceUrl = null;
        if (root.TryGetProperty("source", out var src) && src.ValueKind == JsonValueKind.Object)
        {
            sourceName = Text(src, "$.source", "name", false, "");
            sourceUrl = Text(src, "$.source", "url", false, "");
        }

        var subject = Subject(root);
        var period = Period(root);
        var levels = Levels(root, subject?.Type);
        var subjectInfo = subject is null ? null : Sql.Subject.For(subject.Type, SqlDialect.Sqlite);

        var population = Criteria(root, "$", "population", subjectInfo, required: true);
        var denominator = Criteria(root, "$", "denominator", subjectInfo, required: false);
        var exclusions = Criteria(root, "$", "exclusions", subjectInfo, required: false);
        var numerator = Criteria(root, "$", "numerator", subjectInfo, required: scoring == MeasureScoring.Proportion);
        var exceptions = Criteria(root, "$", "exceptions", subjectInfo, required: false);

        CountSpec? count = null;
        var perUnits = 1m;
        if (scoring == MeasureScoring.Ratio)
        {
            count = Count(root, subjectInfo);
            if (root.TryGetProperty("perUnits", out var pu))
            {
                if (pu.ValueKind != JsonValueKind.Number || !pu.TryGetDecimal(out perUnits) || perUnits <= 0) Problem("$.perUnits", "must be a positive number, e.g. 100000 for a rate per 100,000");
            }
            if (numerator.Count > 0 || exceptions.Count > 0) Problem("$", "a ratio measure counts with 'count'; it has no 'numerator' or 'exceptions'");
        }
        else if (root.TryGetProperty("count", out _))
        {
            Problem("$.count", "only ratio measures count rows; set \"scoring\": \"ratio\" or remove it");
        }

        if (id is null || version is null || title is null || domain is null || subject is null || period is null) return null;
        return new MeasureDefinition
        {
            Id = id,
            Version = version,
            Title = title,
            Description = Text(root, "$", "description", false, "") ?? "",
            Domain = domain.Value,
            SourceName = sourceName,
            SourceUrl = sourceUrl,
            Scoring = scoring ?? MeasureScoring.Proportion,
            Improvement = improvement ?? Improvement.Increase,
            Subject = subject,
            Period = period,
            Levels = levels,
            Population = population,
            Denominator = denominator,
            Exclusions = exclusions,
            Numerator = numerator,
            Exceptions = exceptions,
            Count = count,
            PerUnits = perUnits,
            Source = _source,
            Json = json,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))),
        };
    }

    private SubjectSpec? Subject(JsonElement root)
    {
        if (!root.TryGetProperty("subject", out var s) || s.ValueKind != JsonValueKind.Object)
        {
            Problem("$.subject", "is missing: give { \"type\": \"patient\" } or an event subject such as { \"type\": \"referral\", \"at\": \"receivedAt\", \"in\": \"period\" }");
            return null;
        }
        Known(s, "$.subject", "type", "at", "in", "lag");
        var type = Choice<SubjectType>(s, "$.subject", "type", null);
        if (type is null) return null;
        var info = Sql.Subject.For(type.Value, SqlDialect.Sqlite);
        var at = Text(s, "$.subject", "at", false, "");
        var lag = IsoDuration.Zero;
        if (s.TryGetProperty("lag", out var lagEl) && (lagEl.ValueKind != JsonValueKind.String || !IsoDuration.TryParse(lagEl.GetString(), out lag) || lag.HasCalendarMonths))
        {
            Problem("$.subject.lag", "must be a duration in days, hours or minutes, e.g. PT2H or P28D");
        }
        if (info.IsEvent)
        {
            if (at is null)
            {
                Problem("$.subject.at", $"is missing: say which time of the {type.Value.ToString().ToLowerInvariant()} must fall in the period ({string.Join(", ", info.Times.Keys.Where(k => !k.Contains('.')))})");
                return null;
            }
            if (!info.Times.ContainsKey(at) || at.Contains('.'))
            {
                Problem("$.subject.at", $"'{at}' is not a time of a {type.Value.ToString().ToLowerInvariant()}; use one of {string.Join(", ", info.Times.Keys.Where(k => !k.Contains('.')))}");
                return null;
            }
            if (s.TryGetProperty("in", out var inEl) && inEl.GetString() != "period") Problem("$.subject.in", "must be \"period\" (the subject's time lies in the measurement period)");
        }
        else if (at is not null)
        {
            Problem("$.subject.at", "a patient subject has no time; remove 'at'");
        }
        return new SubjectSpec(type.Value, at, lag);
    }

    private PeriodSpec? Period(JsonElement root)
    {
        if (!root.TryGetProperty("period", out var p) || p.ValueKind != JsonValueKind.Object)
        {
            Problem("$.period", "is missing: give { \"length\": \"P3M\", \"endsAt\": \"quarterEnd\" }");
            return null;
        }
        Known(p, "$.period", "length", "endsAt");
        var text = Text(p, "$.period", "length", true, "a duration such as P3M or P12M");
        if (p.TryGetProperty("endsAt", out var e) && e.GetString() != "quarterEnd") Problem("$.period.endsAt", "must be \"quarterEnd\": every measure reports by quarter");
        if (text is null) return null;
        if (!IsoDuration.TryParse(text, out var length) || length.Seconds != 0 || length.Months + length.Days == 0)
        {
            Problem("$.period.length", $"'{text}' is not a length in months or days such as P3M or P12M");
            return null;
        }
        return new PeriodSpec(length);
    }

    private List<MeasureLevel> Levels(JsonElement root, SubjectType? subject)
    {
        var levels = new List<MeasureLevel>();
        if (!root.TryGetProperty("levels", out var l) || l.ValueKind != JsonValueKind.Array || l.GetArrayLength() == 0)
        {
            Problem("$.levels", "is missing: list the levels to report, e.g. [\"borough\", \"network\", \"practice\", \"service\"]");
            return levels;
        }
        var i = 0;
        foreach (var e in l.EnumerateArray())
        {
            var at = $"$.levels[{i++}]";
            if (e.ValueKind != JsonValueKind.String || !Enum.TryParse<MeasureLevel>(e.GetString(), true, out var level) || int.TryParse(e.GetString(), out _))
            {
                Problem(at, $"{CheckedKind(e)} is not a level; use borough, network, practice or service");
                continue;
            }
            if (level == MeasureLevel.Service && subject == SubjectType.Patient) Problem(at, "a patient measure has no service level: a person is not in one service");
            if (levels.Contains(level)) Problem(at, $"'{e.GetString()}' is listed twice");
            levels.Add(level);
        }
        if (levels.Count > 0 && !levels.Contains(MeasureLevel.Borough)) Problem("$.levels", "must include \"borough\": every level sums to the borough");
        return levels;
    }

    private CountSpec? Count(JsonElement root, Subject? subject)
    {
        if (!root.TryGetProperty("count", out var c) || c.ValueKind != JsonValueKind.Object)
        {
            Problem("$.count", "a ratio measure needs 'count': what is counted per subject, e.g. { \"in\": \"assessment\" }");
            return null;
        }
        Known(c, "$.count", "in", "valueSet", "within");
        var what = Text(c, "$.count", "in", true, "the rows to count");
        if (what is null) return null;
        var valueSet = Text(c, "$.count", "valueSet", false, "");
        var within = OptionalInterval(c, "$.count", "within");
        if (subject is not null && !subject.Counts.ContainsKey(what) && !(subject.Type == SubjectType.Patient && what == "emergencyAdmission"))
        {
            var options = subject.Type == SubjectType.Patient ? "emergencyAdmission" : string.Join(", ", subject.Counts.Keys);
            Problem("$.count.in", $"'{what}' cannot be counted per {subject.Type.ToString().ToLowerInvariant()}; use {(options.Length == 0 ? "another subject" : options)}");
        }
        return new CountSpec(what, valueSet, within);
    }

    private List<Criterion> Criteria(JsonElement obj, string at, string name, Subject? subject, bool required)
    {
        var list = new List<Criterion>();
        if (!obj.TryGetProperty(name, out var arr))
        {
            if (required) Problem($"{at}.{name}", "is missing: give a list of criteria (an empty list [] means every subject)");
            return list;
        }
        if (arr.ValueKind != JsonValueKind.Array)
        {
            Problem($"{at}.{name}", $"must be a list of criteria, not {CheckedKind(arr)}");
            return list;
        }
        var i = 0;
        foreach (var e in arr.EnumerateArray())
        {
            if (Criterion(e, $"{at}.{name}[{i++}]", subject) is { } c) list.Add(c);
        }
        return list;
    }

    private Criterion? Criterion(JsonElement e, string at, Subject? subject)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            Problem(at, $"a criterion must be an object with a 'kind', not {CheckedKind(e)}");
            return null;
        }
        var kind = Text(e, at, "kind", true, "what the criterion tests: age, registered, condition, observation, exists, latestCode, immunisation, elapsed, field, allOf, anyOf or not");
        if (kind is null) return null;
        if (subject is { HasPatient: false } && kind is "age" or "registered" or "condition" or "observation" or "exists" or "latestCode" or "immunisation")
        {
            Problem(at, $"'{kind}' tests a person's record, and an {subject.Type.ToString().ToLowerInvariant()} response is anonymous: it names no person");
            return null;
        }
        Criterion? c = kind switch
        {
            "age" => Age(e, at),
            "registered" => Registered(e, at),
            "condition" => Condition(e, at),
            "observation" => Observation(e, at),
            "exists" => Exists(e, at),
            "latestCode" => LatestCode(e, at),
            "immunisation" => Immunisation(e, at, subject),
            "elapsed" => Elapsed(e, at, subject),
            "field" => Field(e, at, subject),
            "answer" => Answer(e, at, subject),
            "allOf" => Combinator(e, at, subject, of => new AllOfCriterion(of)),
            "anyOf" => Combinator(e, at, subject, of => new AnyOfCriterion(of)),
            "not" => Combinator(e, at, subject, of => new NotCriterion(of)),
            _ => Unsupported($"{at}.kind", $"'{kind}' is not a kind of criterion; use age, registered, condition, observation, exists, latestCode, immunisation, elapsed, field, allOf, anyOf or not"),
        };
        return c is null ? null : c with { Path = at };
    }

    private Criterion? Unsupported(string at, string message)
    {
        Problem(at, message);
        return null;
    }

    private AgeCriterion? Age(JsonElement e, string at)
    {
        Known(e, at, "kind", "on", "range", "unit");
        var on = Point(e, at, "on", required: true);
        var rangeText = Text(e, at, "range", true, "an age range such as [18, 75] or [17, )");
        NumberRange? range = null;
        if (rangeText is not null && !NumberRange.TryParse(rangeText, out range, out var error)) Problem($"{at}.range", error);
        var unit = Text(e, at, "unit", false, "") ?? "years";
        if (unit is not ("years" or "months" or "days")) Problem($"{at}.unit", $"'{unit}' must be years, months or days");
        return on is null || range is null ? null : new AgeCriterion(on, range, unit);
    }

    private RegisteredCriterion Registered(JsonElement e, string at)
    {
        Known(e, at, "kind", "on", "practices", "networks");
        if (e.TryGetProperty("on", out _)) Point(e, at, "on", required: false);
        return new RegisteredCriterion(Strings(e, at, "practices"), Strings(e, at, "networks"));
    }

    private ConditionCriterion? Condition(JsonElement e, string at)
    {
        Known(e, at, "kind", "valueSet", "onsetOnOrBefore", "onsetWithin", "status", "first", "notResolvedBy");
        var vs = Text(e, at, "valueSet", true, "the id of a value set file");
        var onOrBefore = e.TryGetProperty("onsetOnOrBefore", out _) ? Point(e, at, "onsetOnOrBefore", false) : null;
        var within = OptionalInterval(e, at, "onsetWithin");
        var status = Text(e, at, "status", false, "") ?? "active";
        if (status is not ("active" or "any")) Problem($"{at}.status", $"'{status}' must be active (the default) or any");
        return vs is null ? null : new ConditionCriterion(vs, onOrBefore, within, status == "any", Bool(e, at, "first"), Text(e, at, "notResolvedBy", false, ""));
    }

    private ObservationCriterion? Observation(JsonElement e, string at)
    {
        Known(e, at, "kind", "valueSet", "within", "select", "value", "values", "secondary", "orNone");
        var vs = Text(e, at, "valueSet", true, "the id of a value set file");
        var within = RequiredInterval(e, at, "within");
        var select = Text(e, at, "select", false, "") ?? "latest";
        if (select is not ("latest" or "any")) Problem($"{at}.select", $"'{select}' must be latest (the default) or any");
        var values = new List<ValueTest>();
        if (e.TryGetProperty("value", out var v))
        {
            if (Value(v, $"{at}.value", unitRequired: true) is { } t) values.Add(t);
        }
        if (e.TryGetProperty("values", out var vals))
        {
            if (vals.ValueKind != JsonValueKind.Array || vals.GetArrayLength() == 0) Problem($"{at}.values", "must be a list of comparisons, one per unit");
            else
            {
                var i = 0;
                foreach (var x in vals.EnumerateArray())
                {
                    if (Value(x, $"{at}.values[{i++}]", unitRequired: true) is { } t) values.Add(t);
                }
            }
        }
        if (values.Select(x => x.Unit).Distinct(StringComparer.Ordinal).Count() != values.Count) Problem($"{at}.values", "names a unit twice; give one comparison per unit");
        ValueTest? secondary = null;
        if (e.TryGetProperty("secondary", out var sec)) secondary = Value(sec, $"{at}.secondary", unitRequired: false);
        if (secondary is not null && values.Count == 0) Problem($"{at}.secondary", "tests the second value of the same reading, so 'value' must be given too");
        var orNone = Bool(e, at, "orNone");
        if (orNone && values.Count == 0) Problem($"{at}.orNone", "needs a comparison ('value' or 'values'); 'no reading' alone is written as not exists");
        return vs is null || within is null ? null : new ObservationCriterion(vs, within, select == "latest", values, secondary, orNone);
    }

    private ValueTest? Value(JsonElement v, string at, bool unitRequired)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            Problem(at, "must be a comparison such as { \"op\": \"<=\", \"value\": 58, \"unit\": \"mmol/mol\" }");
            return null;
        }
        Known(v, at, "op", "value", "unit");
        var op = Text(v, at, "op", true, "one of <, <=, >, >=, =");
        if (op is not null && !Ops.Contains(op)) Problem($"{at}.op", $"'{op}' must be one of <, <=, >, >=, =");
        decimal number = 0;
        if (!v.TryGetProperty("value", out var n) || n.ValueKind != JsonValueKind.Number || !n.TryGetDecimal(out number))
        {
            Problem($"{at}.value", "must be a number");
        }
        var unit = Text(v, at, "unit", unitRequired, "the unit the value is recorded in, e.g. mmol/mol; a reading in another unit never matches");
        return op is null || !Ops.Contains(op) ? null : new ValueTest(op, number, unit);
    }

    private ExistsCriterion? Exists(JsonElement e, string at)
    {
        Known(e, at, "kind", "valueSet", "in", "within", "atLeast", "apartAtLeast", "afterLatest", "status");
        var vs = Text(e, at, "valueSet", true, "the id of a value set file");
        var tables = new List<string>();
        if (!e.TryGetProperty("in", out var inEl))
        {
            Problem($"{at}.in", $"is missing: say where the codes are recorded ({string.Join(", ", RecordTables)}), one or a list");
        }
        else
        {
            foreach (var t in inEl.ValueKind == JsonValueKind.Array ? inEl.EnumerateArray().ToList() : [inEl])
            {
                var name = t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
                if (!RecordTables.Contains(name)) Problem($"{at}.in", $"{CheckedKind(t)} is not a part of the record; use {string.Join(", ", RecordTables)}");
                else if (!tables.Contains(name)) tables.Add(name);
            }
        }
        var within = OptionalInterval(e, at, "within");
        var atLeast = 1;
        if (e.TryGetProperty("atLeast", out var al) && (al.ValueKind != JsonValueKind.Number || !al.TryGetInt32(out atLeast) || atLeast < 1 || atLeast > 100))
        {
            Problem($"{at}.atLeast", "must be a whole number from 1 to 100");
        }
        IsoDuration? apart = null;
        if (e.TryGetProperty("apartAtLeast", out var ap))
        {
            if (ap.ValueKind != JsonValueKind.String || !IsoDuration.TryParse(ap.GetString(), out var d) || d.HasCalendarMonths) Problem($"{at}.apartAtLeast", "must be a duration in days, e.g. P7D");
            else apart = d;
            if (atLeast < 2) Problem($"{at}.apartAtLeast", "needs atLeast of 2 or more: it is the time between the first and last rows counted");
        }
        var status = Strings(e, at, "status");
        foreach (var s in status)
        {
            if (s is not ("finished" or "completed" or "final")) Problem($"{at}.status", $"'{s}' is not supported; use finished (encounters), completed (procedures, immunisations) or final (observations)");
        }
        return vs is null || tables.Count == 0 ? null : new ExistsCriterion(vs, tables, within, atLeast, apart, Text(e, at, "afterLatest", false, ""), status);
    }

    private LatestCodeCriterion? LatestCode(JsonElement e, string at)
    {
        Known(e, at, "kind", "of", "isIn", "onOrBefore");
        var of = Text(e, at, "of", true, "the value set whose latest code is looked at");
        var isIn = Text(e, at, "isIn", true, "the value set the latest code must be in");
        var on = Point(e, at, "onOrBefore", required: true);
        return of is null || isIn is null || on is null ? null : new LatestCodeCriterion(of, isIn, on);
    }

    private ImmunisationCriterion? Immunisation(JsonElement e, string at, Subject? subject)
    {
        Known(e, at, "kind", "valueSet", "doses", "byAge", "within");
        var vs = Text(e, at, "valueSet", true, "the id of a value set of vaccine codes");
        var doses = 1;
        if (e.TryGetProperty("doses", out var d) && (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out doses) || doses is < 1 or > 10)) Problem($"{at}.doses", "must be a whole number from 1 to 10");
        IsoDuration? byAge = null;
        if (e.TryGetProperty("byAge", out var ba))
        {
            if (ba.ValueKind != JsonValueKind.String || !IsoDuration.TryParse(ba.GetString(), out var age) || age.Seconds != 0) Problem($"{at}.byAge", "must be an age as a duration, e.g. P2Y (the 2nd birthday) or P12M");
            else byAge = age;
        }
        var within = OptionalInterval(e, at, "within");
        if (byAge is null && within is null && !e.TryGetProperty("byAge", out _)) Problem(at, "give 'byAge' (e.g. P2Y) or 'within' (an interval)");
        return vs is null ? null : new ImmunisationCriterion(vs, doses, byAge, within);
    }

    private ElapsedCriterion? Elapsed(JsonElement e, string at, Subject? subject)
    {
        Known(e, at, "kind", "from", "to", "atMost", "workingDays");
        var from = Text(e, at, "from", true, "a time of the subject");
        var to = Text(e, at, "to", true, "a later time of the subject");
        if (subject is null) return null;
        if (!subject.IsEvent)
        {
            Problem(at, "'elapsed' compares the times of an event subject (referral, route, episode, task); a patient has none");
            return null;
        }
        foreach (var (name, value) in new[] { ("from", from), ("to", to) })
        {
            if (value is not null && !subject.Times.ContainsKey(value)) Problem($"{at}.{name}", $"'{value}' is not a time of a {subject.Type.ToString().ToLowerInvariant()}; use one of {string.Join(", ", subject.Times.Keys)}");
        }
        IsoDuration? atMost = null;
        int? workingDays = null;
        if (e.TryGetProperty("atMost", out var am))
        {
            if (am.ValueKind != JsonValueKind.String || !IsoDuration.TryParse(am.GetString(), out var d) || d.HasCalendarMonths) Problem($"{at}.atMost", "must be a duration in days, hours or minutes, e.g. PT2H or P28D (months vary in length; write days)");
            else atMost = d;
        }
        if (e.TryGetProperty("workingDays", out var wd))
        {
            if (wd.ValueKind != JsonValueKind.Number || !wd.TryGetInt32(out var n) || n is < 1 or > 60) Problem($"{at}.workingDays", "must be a whole number of working days from 1 to 60");
            else workingDays = n;
        }
        if ((atMost is null) == (workingDays is null) && !e.TryGetProperty("atMost", out _) && !e.TryGetProperty("workingDays", out _)) Problem(at, "give 'atMost' (a duration) or 'workingDays' (a number)");
        else if (atMost is not null && workingDays is not null) Problem(at, "give 'atMost' or 'workingDays', not both");
        return from is null || to is null ? null : new ElapsedCriterion(from, to, atMost, workingDays);
    }

    private FieldCriterion? Field(JsonElement e, string at, Subject? subject)
    {
        Known(e, at, "kind", "name", "in");
        var name = Text(e, at, "name", true, "the subject's attribute");
        var values = Strings(e, at, "in");
        if (values.Count == 0) Problem($"{at}.in", "must list at least one value");
        if (subject is null || name is null) return null;
        if (!subject.Fields.TryGetValue(name, out var field))
        {
            Problem($"{at}.name", subject.Fields.Count == 0
                ? $"a {subject.Type.ToString().ToLowerInvariant()} has no fields to test"
                : $"'{name}' is not a field of a {subject.Type.ToString().ToLowerInvariant()}; use {string.Join(", ", subject.Fields.Keys)}");
            return null;
        }
        foreach (var v in values)
        {
            if (!field.Values.Any(x => x.Name == v)) Problem($"{at}.in", $"'{v}' is not a value of {name}; use {string.Join(", ", field.Values.Select(x => x.Name))}");
        }
        return new FieldCriterion(name, values);
    }

    private AnswerCriterion? Answer(JsonElement e, string at, Subject? subject)
    {
        Known(e, at, "kind", "linkId", "in", "answered");
        var linkId = Text(e, at, "linkId", true, "the item of the questionnaire, e.g. fft or story-once");
        var codes = Strings(e, at, "in");
        var answered = Bool(e, at, "answered");
        if (codes.Count == 0 && !answered) Problem(at, "give 'in' (the answer codes that count) or \"answered\": true");
        if (codes.Count > 0 && answered) Problem(at, "give 'in' or 'answered', not both");
        if (subject is not null && subject.Type != SubjectType.Experience) Problem(at, "'answer' tests an experience response; use it with \"subject\": { \"type\": \"experience\" }");
        return linkId is null ? null : new AnswerCriterion(linkId, codes, answered);
    }

    private Criterion? Combinator(JsonElement e, string at, Subject? subject, Func<IReadOnlyList<Criterion>, Criterion> make)
    {
        Known(e, at, "kind", "of");
        if (!e.TryGetProperty("of", out var of) || of.ValueKind != JsonValueKind.Array || of.GetArrayLength() == 0)
        {
            Problem($"{at}.of", "must be a non-empty list of criteria");
            return null;
        }
        var list = Criteria(e, at, "of", subject, required: true);
        return list.Count == of.GetArrayLength() ? make(list) : null;
    }

    private PointExpr? Point(JsonElement e, string at, string name, bool required)
    {
        var text = Text(e, at, name, required, "a day of the period: periodStart or periodEnd, optionally with offsets such as periodEnd-P12M");
        if (text is null) return null;
        if (!PointExpr.TryParse(text, out var point, out var error))
        {
            Problem($"{at}.{name}", $"'{text}' {error}");
            return null;
        }
        return point;
    }

    private Interval? RequiredInterval(JsonElement e, string at, string name)
    {
        if (!e.TryGetProperty(name, out _))
        {
            Problem($"{at}.{name}", "is missing: give an interval such as [periodEnd-P12M, periodEnd]");
            return null;
        }
        return OptionalInterval(e, at, name);
    }

    private Interval? OptionalInterval(JsonElement e, string at, string name)
    {
        if (!e.TryGetProperty(name, out var v)) return null;
        if (v.ValueKind != JsonValueKind.String)
        {
            Problem($"{at}.{name}", $"must be an interval in a string such as \"[periodEnd-P12M, periodEnd]\", not {CheckedKind(v)}");
            return null;
        }
        if (!Interval.TryParse(v.GetString(), out var interval, out var error))
        {
            Problem($"{at}.{name}", error);
            return null;
        }
        return interval;
    }

    private string? Text(JsonElement obj, string at, string name, bool required, string hint)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null || (v.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetString())))
        {
            if (required) Problem($"{at}.{name}", $"is missing: {hint}");
            return null;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            Problem($"{at}.{name}", $"must be a string, not {CheckedKind(v)}");
            return null;
        }
        return v.GetString()!.Trim();
    }

    private bool Bool(JsonElement obj, string at, string name)
    {
        if (!obj.TryGetProperty(name, out var v)) return false;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return v.GetBoolean();
        Problem($"{at}.{name}", $"must be true or false, not {CheckedKind(v)}");
        return false;
    }

    private List<string> Strings(JsonElement obj, string at, string name)
    {
        var list = new List<string>();
        if (!obj.TryGetProperty(name, out var v)) return list;
        if (v.ValueKind != JsonValueKind.Array)
        {
            Problem($"{at}.{name}", $"must be a list of strings, not {CheckedKind(v)}");
            return list;
        }
        foreach (var s in v.EnumerateArray())
        {
            if (s.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(s.GetString())) list.Add(s.GetString()!.Trim());
            else Problem($"{at}.{name}", $"{CheckedKind(s)} is not a string");
        }
        return list;
    }

    private T? Choice<T>(JsonElement obj, string at, string name, T? fallback) where T : struct, Enum
    {
        var names = string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));
        if (!obj.TryGetProperty(name, out var v))
        {
            if (fallback is null) Problem($"{at}.{name}", $"is missing: use one of {names}");
            return fallback;
        }
        if (v.ValueKind == JsonValueKind.String && Enum.TryParse<T>(v.GetString(), true, out var value) && !int.TryParse(v.GetString(), out _))
        {
            return value;
        }
        Problem($"{at}.{name}", $"{CheckedKind(v)} is not allowed; use one of {names}");
        return null;
    }

    /// <summary>A misspelt property would otherwise be ignored silently and change the meaning.</summary>
    private void Known(JsonElement obj, string at, params string[] names)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (!names.Contains(p.Name, StringComparer.Ordinal)) Problem($"{at}.{p.Name}", $"is not a property here; use {string.Join(", ", names.Where(n => n[0] != '$'))}");
        }
    }

    private static string CheckedKind(JsonElement e) => Storage.CheckedJson.Kind(e);

    internal static string Invariant(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
