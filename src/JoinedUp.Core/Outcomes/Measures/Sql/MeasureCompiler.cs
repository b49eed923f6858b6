using System.Globalization;
using System.Text;

namespace JoinedUp.Outcomes.Measures.Sql;

/// <summary>A parameter of a compiled statement: its name (with @) and value (DateTime UTC, DateOnly, long, double or string).</summary>
public sealed record SqlParameterValue(string Name, object Value);

/// <summary>
/// One measure for one period as SQL: <see cref="CellsSql"/> returns one row per (practice, service) cell with the
/// population counts; <see cref="SubjectsSql"/> returns the subjects themselves with their flags (the patient list).
/// </summary>
public sealed record CompiledMeasure(MeasureDefinition Definition, MeasurePeriod Period, string CellsSql, string SubjectsSql, IReadOnlyList<SqlParameterValue> Parameters);

/// <summary>
/// Compiles a definition and a period to one set-based statement (ADR 0006 section 3). A pure function: the same
/// definition, period and dialect give the same text. Every constant from the definition or the period is a parameter;
/// the only words that reach the SQL text are the catalogue's own column names and numbers the reader has checked, so a
/// definition cannot inject SQL.
/// <para>
/// Shape: the subject rows (<see cref="Subject"/>) filtered by the population; each criterion of the other populations
/// becomes a 0/1 flag; an outer query applies the proportion rules (excluded before the numerator, excepted only outside
/// it) and sums by cell. Record criteria compile to uncorrelated <c>s.pid IN (SELECT patient_id ...)</c> semi-joins,
/// which both engines run once as a hash or index lookup rather than once per person.
/// </para>
/// </summary>
public sealed class MeasureCompiler
{
    private readonly SqlDialect _d;
    private readonly MeasureDefinition _m;
    private readonly MeasurePeriod _period;
    private readonly Subject _subject;
    private readonly List<SqlParameterValue> _parameters = [];
    // Columns of the subject row s that criteria refer to: alias -> source expression in the subject's FROM.
    private readonly Dictionary<string, string> _columns = new(StringComparer.Ordinal);

    private MeasureCompiler(SqlDialect dialect, MeasureDefinition m, MeasurePeriod period)
    {
        _d = dialect;
        _m = m;
        _period = period;
        _subject = Subject.For(m.Subject.Type, dialect);
    }

    /// <summary>The measure's own period for the quarter: its length, ending on the quarter's last day.</summary>
    public static MeasurePeriod PeriodFor(MeasureDefinition m, FinancialQuarter quarter) =>
        MeasurePeriod.Ending(quarter.End, m.Period.Length, quarter.Label);

    public static CompiledMeasure Compile(MeasureDefinition m, MeasurePeriod period, SqlDialect dialect) =>
        new MeasureCompiler(dialect, m, period).Build();

    private CompiledMeasure Build()
    {
        var population = All(_m.Population);
        var denominator = All(_m.Denominator);
        var exclusion = Any(_m.Exclusions);
        var numerator = _m.Scoring == MeasureScoring.Proportion ? All(_m.Numerator) : "1 = 1";
        var exception = Any(_m.Exceptions);
        var count = _m.Scoring == MeasureScoring.Ratio && _m.Count is { } c ? Count(c) : "0";

        var where = new List<string> { _subject.Where, population };
        if (_subject.IsEvent)
        {
            // The subject's time in the period, moved back by the lag so that every subject counted has had its full clock.
            var at = Time(_m.Subject.At!);
            var lag = _m.Subject.Lag.TotalSeconds;
            if (_subject.DateTimes.Contains(_m.Subject.At!))
            {
                // A time kept as a day: whole days of the period, moved back by whole days of lag.
                var lagDays = (int)Math.Ceiling(lag / 86_400.0);
                where.Add($"{at} >= {P(_period.Start.AddDays(-lagDays))} AND {at} <= {P(_period.End.AddDays(-lagDays))}");
            }
            else
            {
                where.Add($"{at} >= {P(_period.StartInstant.AddSeconds(-lag))} AND {at} < {P(_period.EndInstant.AddSeconds(-lag))}");
            }
        }

        var times = string.Concat(_columns.Select(kv => $", {kv.Value} AS {kv.Key}"));
        var subjectRows = new StringBuilder()
            .Append($"SELECT {_subject.Id} AS sid, {_subject.PatientId} AS pid, {_subject.Practice} AS practice_id, {_subject.ServiceId} AS service_id, {_subject.BirthDate} AS birth_date{times}")
            .Append($" FROM {_subject.From}")
            .ToString();

        // Times are named as columns of s; the WHERE above refers to them by their source expressions, so it goes on the inner select.
        var flags =
            $"SELECT s.sid, s.pid, s.practice_id, s.service_id, " +
            $"CASE WHEN {denominator} THEN 1 ELSE 0 END AS den, " +
            $"CASE WHEN {exclusion} THEN 1 ELSE 0 END AS ex, " +
            $"CASE WHEN {numerator} THEN 1 ELSE 0 END AS nu, " +
            $"CASE WHEN {exception} THEN 1 ELSE 0 END AS ec, " +
            $"{count} AS cnt " +
            $"FROM ({subjectRows} WHERE {string.Join(" AND ", where.Select(Unalias))}) s";

        var rules =
            "SELECT x.sid, x.pid, x.practice_id, x.service_id, x.den, " +
            "CASE WHEN x.den = 1 AND x.ex = 1 THEN 1 ELSE 0 END AS excl, " +
            "CASE WHEN x.den = 1 AND x.ex = 0 AND x.nu = 1 THEN 1 ELSE 0 END AS num, " +
            "CASE WHEN x.den = 1 AND x.ex = 0 AND x.nu = 0 AND x.ec = 1 THEN 1 ELSE 0 END AS excep, " +
            "CASE WHEN x.den = 1 AND x.ex = 0 THEN x.cnt ELSE 0 END AS cnt " +
            $"FROM ({flags}) x";

        var cells =
            "SELECT y.practice_id, y.service_id, COUNT(*) AS ip, SUM(y.den) AS den, SUM(y.excl) AS excl, SUM(y.excep) AS excep, SUM(y.num) AS num, SUM(y.cnt) AS cnt " +
            $"FROM ({rules}) y GROUP BY y.practice_id, y.service_id";
        var subjects = $"SELECT y.sid, y.pid, y.practice_id, y.service_id, y.den, y.excl, y.excep, y.num, y.cnt FROM ({rules}) y";
        return new CompiledMeasure(_m, _period, cells, subjects, _parameters);
    }

    /// <summary>Inside the subject select the time columns are not yet named; use their source expressions.</summary>
    private string Unalias(string sql)
    {
        sql = System.Text.RegularExpressions.Regex.Replace(sql, @"\bs\.(c\d+)\b", m => _columns[m.Groups[1].Value]);
        return sql.Replace("s.pid", _subject.PatientId, StringComparison.Ordinal)
            .Replace("s.sid", _subject.Id, StringComparison.Ordinal)
            .Replace("s.practice_id", _subject.Practice, StringComparison.Ordinal)
            .Replace("s.birth_date", _subject.BirthDate, StringComparison.Ordinal);
    }

    private string Time(string name) => Column(_subject.Times[name]);

    /// <summary>A column of the subject row for a source expression (named once however often it is used).</summary>
    private string Column(string source)
    {
        var alias = _columns.FirstOrDefault(kv => kv.Value == source).Key;
        if (alias is null)
        {
            alias = $"c{_columns.Count}";
            _columns[alias] = source;
        }
        return "s." + alias;
    }

    private string P(object value)
    {
        var name = $"@p{_parameters.Count}";
        _parameters.Add(new SqlParameterValue(name, value));
        return name;
    }

    private string All(IReadOnlyList<Criterion> criteria) => criteria.Count == 0 ? "1 = 1" : string.Join(" AND ", criteria.Select(c => $"({Compile(c)})"));

    private string Any(IReadOnlyList<Criterion> criteria) => criteria.Count == 0 ? "1 = 0" : string.Join(" OR ", criteria.Select(c => $"({Compile(c)})"));

    private string Compile(Criterion c) => c switch
    {
        AgeCriterion x => Age(x),
        RegisteredCriterion x => Registered(x),
        ConditionCriterion x => Condition(x),
        ObservationCriterion x => Observation(x),
        ExistsCriterion x => Exists(x),
        LatestCodeCriterion x => LatestCode(x),
        ImmunisationCriterion x => Immunisation(x),
        ElapsedCriterion x => Elapsed(x),
        FieldCriterion x => Field(x),
        AnswerCriterion x => Answer(x),
        AllOfCriterion x => All(x.Of),
        AnyOfCriterion x => Any(x.Of),
        NotCriterion x => $"NOT ({All(x.Of)})",
        _ => throw new NotSupportedException($"{c.Path}: {c.GetType().Name} cannot be compiled."),
    };

    // Age is turned into birth-date bounds here, so no age is computed in SQL: age >= a on D <=> born on or before
    // D - a years; age <= b <=> born after D - (b + 1) years. DateOnly.AddYears maps 29 February to 28 February.
    private string Age(AgeCriterion x)
    {
        var day = x.On.Resolve(_period);
        DateOnly Back(int n) => x.Unit switch { "months" => day.AddMonths(-n), "days" => day.AddDays(-n), _ => day.AddYears(-n) };
        var parts = new List<string>();
        if (x.Range.Min is { } min) parts.Add($"s.birth_date <= {P(Back(min))}");
        if (x.Range.Max is { } max) parts.Add($"s.birth_date > {P(Back(max + 1))}");
        return string.Join(" AND ", parts);
    }

    // Registration has no start date in the record yet (ADR 0006 gaps): the current registration stands for the period.
    private string Registered(RegisteredCriterion x)
    {
        var sql = "s.practice_id IS NOT NULL";
        if (x.Practices.Count > 0) sql += $" AND s.practice_id IN (SELECT o.id FROM organisation o WHERE o.ods_code IN ({string.Join(", ", x.Practices.Select(P))}))";
        if (x.Networks.Count > 0) sql += $" AND s.practice_id IN (SELECT o.id FROM organisation o JOIN network n ON n.id = o.network_id WHERE n.code IN ({string.Join(", ", x.Networks.Select(P))}))";
        return sql;
    }

    private string InSet(string valueSet, string codeColumn, string? systemColumn) =>
        $"JOIN value_set_code v ON v.value_set = {P(valueSet)} AND v.code = {codeColumn}" + (systemColumn is null ? "" : $" AND v.system = {systemColumn}");

    private string DateWindow(string column, Interval? within)
    {
        if (within is null) return "";
        var (from, to) = within.Days(_period);
        return (from is { } f ? $" AND {column} >= {P(f)}" : "") + (to is { } t ? $" AND {column} < {P(t)}" : "");
    }

    private string InstantWindow(string column, Interval? within)
    {
        if (within is null) return "";
        var (from, to) = within.Instants(_period);
        return (from is { } f ? $" AND {column} >= {P(f)}" : "") + (to is { } t ? $" AND {column} < {P(t)}" : "");
    }

    private string Condition(ConditionCriterion x)
    {
        var status = x.AnyStatus ? "" : $" AND c.status = {(int)Record.ConditionStatus.Active}";
        var onOrBefore = x.OnsetOnOrBefore is { } p ? $" AND c.onset_date <= {P(p.Resolve(_period))}" : "";
        if (x.First)
        {
            // The earliest matching diagnosis is the one whose onset is tested (QOF's first diagnosis date).
            var window = DateWindow("f.first_onset", x.OnsetWithin) + (x.OnsetOnOrBefore is { } q ? $" AND f.first_onset <= {P(q.Resolve(_period))}" : "");
            return $"s.pid IN (SELECT f.patient_id FROM (SELECT c.patient_id, MIN(c.onset_date) AS first_onset FROM condition c {InSet(x.ValueSet, "c.code", "c.code_system")} WHERE 1 = 1{status} GROUP BY c.patient_id) f WHERE 1 = 1{window})";
        }
        var matching = $"FROM condition c {InSet(x.ValueSet, "c.code", "c.code_system")} WHERE 1 = 1{status}{onOrBefore}{DateWindow("c.onset_date", x.OnsetWithin)}";
        if (x.NotResolvedBy is not { } resolved)
        {
            return $"s.pid IN (SELECT c.patient_id {matching})";
        }
        // QOF's register: the latest diagnosis is later than the latest "resolved" code (or there is none).
        var resolvedBefore = x.OnsetOnOrBefore is { } r ? $" AND c.onset_date <= {P(r.Resolve(_period))}" : "";
        return "s.pid IN (SELECT d.patient_id FROM " +
               $"(SELECT c.patient_id, MAX(c.onset_date) AS last_onset {matching} GROUP BY c.patient_id) d " +
               $"LEFT JOIN (SELECT c.patient_id, MAX(c.onset_date) AS last_onset FROM condition c {InSet(resolved, "c.code", "c.code_system")} WHERE 1 = 1{resolvedBefore} GROUP BY c.patient_id) r " +
               "ON r.patient_id = d.patient_id WHERE r.patient_id IS NULL OR d.last_onset > r.last_onset)";
    }

    private string Comparison(string alias, IReadOnlyList<ValueTest> values, ValueTest? secondary)
    {
        if (values.Count == 0) return "1 = 1";
        var any = string.Join(" OR ", values.Select(v =>
            $"({alias}.unit = {P(v.Unit!)} AND {alias}.value {v.Op} {P((double)v.Value)})"));
        var sql = $"({any})";
        if (secondary is not null) sql += $" AND {alias}.secondary_value {secondary.Op} {P((double)secondary.Value)}";
        return sql;
    }

    private string Observation(ObservationCriterion x)
    {
        var status = $"o.status IN ({(int)Record.ObservationStatus.Final}, {(int)Record.ObservationStatus.Amended})";
        if (x.Latest)
        {
            // The person's latest reading in the window, looked up per subject through the (code, patient, time) index;
            // ties on time go to the highest id (the later entry). No reading gives NULL, which is 'orNone'.
            var latest = $"(SELECT CASE WHEN {Comparison("o", x.Values, x.Secondary)} THEN 1 ELSE 0 END FROM observation o {InSet(x.ValueSet, "o.code", "o.code_system")} " +
                         $"WHERE o.patient_id = s.pid AND {status}{InstantWindow("o.effective_at", x.Within)} ORDER BY o.effective_at DESC, o.id DESC LIMIT 1)";
            return $"COALESCE({latest}, {(x.OrNone ? 1 : 0)}) = 1";
        }
        var rows = $"FROM observation o {InSet(x.ValueSet, "o.code", "o.code_system")} WHERE {status}{InstantWindow("o.effective_at", x.Within)}";
        var passes = $"s.pid IN (SELECT o.patient_id {rows} AND {Comparison("o", x.Values, x.Secondary)})";
        return x.OrNone ? $"{passes} OR s.pid NOT IN (SELECT o.patient_id {rows})" : passes;
    }

    /// <summary>Rows of a value set in one part of the record: (patient_id, t), with its window and status rules.</summary>
    private string RecordRows(string table, string valueSet, Interval? within, IReadOnlyList<string> status)
    {
        bool Want(string s) => status.Count == 0 || status.Contains(s);
        return table switch
        {
            "observation" => $"SELECT o.patient_id, o.effective_at AS t FROM observation o {InSet(valueSet, "o.code", "o.code_system")} " +
                             $"WHERE o.status {(Want("final") && status.Count == 0 ? $"<> {(int)Record.ObservationStatus.EnteredInError}" : $"= {(int)Record.ObservationStatus.Final}")}{InstantWindow("o.effective_at", within)}",
            "procedure" => $"SELECT pr.patient_id, pr.performed_at AS t FROM procedure pr {InSet(valueSet, "pr.code", "pr.code_system")} " +
                           $"WHERE {(status.Count == 0 ? $"pr.status NOT IN ({(int)Record.ProcedureStatus.EnteredInError}, {(int)Record.ProcedureStatus.NotDone})" : $"pr.status = {(int)Record.ProcedureStatus.Completed}")}{InstantWindow("pr.performed_at", within)}",
            "encounter" => $"SELECT en.patient_id, en.start_at AS t FROM encounter en {InSet(valueSet, "en.type_code", null)} " +
                           $"WHERE {(status.Count == 0 ? $"en.status <> {(int)Record.EncounterStatus.Cancelled}" : $"en.status = {(int)Record.EncounterStatus.Finished}")}{InstantWindow("en.start_at", within)}",
            "condition" => $"SELECT c.patient_id, c.onset_date AS t FROM condition c {InSet(valueSet, "c.code", "c.code_system")} WHERE 1 = 1{DateWindow("c.onset_date", within)}",
            "immunisation" => $"SELECT i.patient_id, i.occurred_on AS t FROM immunisation i {InSet(valueSet, "i.vaccine_code", "i.code_system")} " +
                              $"WHERE i.status = {(int)Record.ImmunisationStatus.Completed}{DateWindow("i.occurred_on", within)}",
            "medication" => $"SELECT ms.patient_id, ms.started_on AS t FROM medication_statement ms {InSet(valueSet, "ms.code", "ms.code_system")} WHERE 1 = 1{DateWindow("ms.started_on", within)}",
            _ => throw new NotSupportedException(table),
        };
    }

    private string Exists(ExistsCriterion x)
    {
        var rows = string.Join(" UNION ALL ", x.In.Select(t => RecordRows(t, x.ValueSet, x.Within, x.Status)));
        if (x.AtLeast == 1 && x.AfterLatest is null) return $"s.pid IN (SELECT u.patient_id FROM ({rows}) u)";
        var after = "";
        if (x.AfterLatest is { } other)
        {
            // Only rows after the person's latest reading of the other set (up to the end of the window) count.
            var (_, to) = (x.Within ?? new Interval(null, false, new PointExpr("periodEnd", []), true, "")).Instants(_period);
            after = $" LEFT JOIN (SELECT o.patient_id, MAX(o.effective_at) AS t FROM observation o {InSet(other, "o.code", "o.code_system")} " +
                    $"WHERE o.status IN ({(int)Record.ObservationStatus.Final}, {(int)Record.ObservationStatus.Amended}) AND o.effective_at < {P(to!.Value)} GROUP BY o.patient_id) la " +
                    "ON la.patient_id = u.patient_id WHERE (la.patient_id IS NULL OR u.t > la.t)";
        }
        var having = $"COUNT(*) >= {x.AtLeast.ToString(CultureInfo.InvariantCulture)}";
        if (x.ApartAtLeast is { } apart) having += $" AND MAX(u.t) >= {_d.AddSeconds("MIN(u.t)", P(apart.TotalSeconds))}";
        return $"s.pid IN (SELECT u.patient_id FROM ({rows}) u{after} GROUP BY u.patient_id HAVING {having})";
    }

    // The person's latest code from one set (on or before a day) is one of another set's codes (QOF frailty). The codes
    // may be recorded as conditions (by onset date) or observations (by time); ties go to the later entry.
    private string LatestCode(LatestCodeCriterion x)
    {
        var day = x.OnOrBefore.Resolve(_period);
        var rows =
            $"SELECT c.patient_id, c.code, c.code_system, c.onset_date AS t, 0 AS src, c.id FROM condition c {InSet(x.Of, "c.code", "c.code_system")} WHERE c.onset_date <= {P(day)} " +
            $"UNION ALL SELECT o.patient_id, o.code, o.code_system, o.effective_at AS t, 1 AS src, o.id FROM observation o {InSet(x.Of, "o.code", "o.code_system")} " +
            $"WHERE o.status IN ({(int)Record.ObservationStatus.Final}, {(int)Record.ObservationStatus.Amended}) AND o.effective_at < {P(MeasurePeriod.UkMidnight(day.AddDays(1)))}";
        return "s.pid IN (SELECT l.patient_id FROM (SELECT u.patient_id, u.code, u.code_system, " +
               $"ROW_NUMBER() OVER (PARTITION BY u.patient_id ORDER BY u.t DESC, u.src DESC, u.id DESC) AS rn FROM ({rows}) u) l " +
               $"WHERE l.rn = 1 AND EXISTS (SELECT 1 FROM value_set_code w WHERE w.value_set = {P(x.IsIn)} AND w.code = l.code AND w.system = l.code_system))";
    }

    // Per subject, through the (vaccine code, patient) index: the doses given by the day the person reached the age.
    private string Immunisation(ImmunisationCriterion x)
    {
        var byAge = x.ByAge is { } age ? $" AND i.occurred_on <= {_d.AddMonthsToDate("s.birth_date", age.Months, age.Days)}" : "";
        return $"(SELECT COUNT(*) FROM immunisation i {InSet(x.ValueSet, "i.vaccine_code", "i.code_system")} " +
               $"WHERE i.patient_id = s.pid AND i.status = {(int)Record.ImmunisationStatus.Completed}{byAge}{DateWindow("i.occurred_on", x.Within)}) >= {x.Doses.ToString(CultureInfo.InvariantCulture)}";
    }

    private string Elapsed(ElapsedCriterion x)
    {
        var from = Time(x.From);
        var to = Time(x.To);
        if (x.AtMost is { } atMost)
        {
            return $"{to} IS NOT NULL AND {from} IS NOT NULL AND {to} <= {_d.AddSeconds(from, P(atMost.TotalSeconds))}";
        }
        // The same local time on the Nth UK working day after 'from' (UkClock.AddWorkingDay), from calendar_day:
        // the day holding 'from', the Nth working day after it, and the move between them in minutes, the clock change
        // included.
        var n = x.WorkingDays!.Value.ToString(CultureInfo.InvariantCulture);
        var due = "(SELECT " + _d.AddSeconds(from, "((due.day_number - d.day_number) * 1440 + d.utc_offset_minutes - due.utc_offset_minutes) * 60") +
                  $" FROM calendar_day d JOIN calendar_day due ON due.working_seq = d.working_seq + {n} AND due.is_working_day = 1 " +
                  $"WHERE d.utc_start <= {from} AND d.utc_start > {_d.AddSeconds(from, "-172800")} AND d.utc_end > {from})";
        return $"{to} IS NOT NULL AND {from} IS NOT NULL AND {to} <= {due}";
    }

    // An experience response's answer to one item, through the (response, item) key.
    private string Answer(AnswerCriterion x)
    {
        var codes = x.Answered ? "a.code IS NOT NULL" : $"a.code IN ({string.Join(", ", x.In.Select(P))})";
        return $"EXISTS (SELECT 1 FROM experience_answer a WHERE a.response_id = s.sid AND a.link_id = {P(x.LinkId)} AND {codes})";
    }

    private string Field(FieldCriterion x)
    {
        var field = _subject.Fields[x.Name];
        if (field.IsText) return $"{Column(field.Column)} IN ({string.Join(", ", x.In.Select(P))})";
        var stored = x.In.Select(v => field.Values.First(f => f.Name == v).Stored.ToString(CultureInfo.InvariantCulture));
        return $"{Column(field.Column)} IN ({string.Join(", ", stored)})";
    }

    private string Count(CountSpec c)
    {
        if (_subject.Counts.TryGetValue(c.In, out var sql)) return Column(sql);
        if (c.In == "emergencyAdmission" && _subject.Type == SubjectType.Patient)
        {
            // Emergency admissions (one encounter of class Emergency per stay) whose reason is in the value set.
            var reason = c.ValueSet is { } vs ? $" AND en.reason_code IN (SELECT w.code FROM value_set_code w WHERE w.value_set = {P(vs)})" : "";
            return $"(SELECT COUNT(*) FROM encounter en WHERE en.patient_id = s.pid AND en.class = {(int)Record.EncounterClass.Emergency} " +
                   $"AND en.status <> {(int)Record.EncounterStatus.Cancelled}{reason}{InstantWindow("en.start_at", c.Within)})";
        }
        throw new NotSupportedException($"$.count.in: {c.In}");
    }
}
