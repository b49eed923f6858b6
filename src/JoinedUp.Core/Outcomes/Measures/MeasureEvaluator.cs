using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using JoinedUp.Access;
using JoinedUp.Outcomes.Measures.Sql;
using JoinedUp.Outcomes.Results;
using JoinedUp.Storage;

namespace JoinedUp.Outcomes.Measures;

/// <summary>The counts of one unit at one level (the borough, a network, a practice, a service).</summary>
public sealed record MeasureFigure(MeasureLevel Level, string UnitKey, long InitialPopulation, long Denominator, long Excluded, long Excepted, long Numerator)
{
    /// <summary>What the rate divides by: the denominator less exclusions and exceptions.</summary>
    public long Eligible => Denominator - Excluded - Excepted;

    public MeasureFigure Add(MeasureFigure o) => this with
    {
        InitialPopulation = InitialPopulation + o.InitialPopulation,
        Denominator = Denominator + o.Denominator,
        Excluded = Excluded + o.Excluded,
        Excepted = Excepted + o.Excepted,
        Numerator = Numerator + o.Numerator,
    };

    /// <summary>Proportion: numerator ÷ eligible. Ratio: numerator ÷ eligible × per units. Null when nothing is eligible.</summary>
    public decimal? Rate(MeasureDefinition m) => Eligible <= 0 ? null
        : m.Scoring == MeasureScoring.Ratio ? Math.Round((decimal)Numerator / Eligible * m.PerUnits, 6, MidpointRounding.AwayFromZero)
        : Math.Round((decimal)Numerator / Eligible, 6, MidpointRounding.AwayFromZero);

    /// <summary>The Wilson 95% interval of a proportion (none for a ratio).</summary>
    public ProportionInterval? Interval(MeasureDefinition m) =>
        m.Scoring == MeasureScoring.Proportion && Eligible > 0 ? WilsonInterval.Of(Numerator, Eligible) : null;
}

/// <summary>One measure evaluated for one period: every level it reports, and how long the statement took.</summary>
public sealed record MeasureEvaluation(MeasureDefinition Definition, MeasurePeriod Period, IReadOnlyList<MeasureFigure> Figures, TimeSpan Elapsed)
{
    public MeasureFigure Borough => Figures.First(f => f.Level == MeasureLevel.Borough);

    public MeasureFigure? Find(MeasureLevel level, string unit) => Figures.FirstOrDefault(f => f.Level == level && f.UnitKey == unit);
}

/// <summary>One subject of a measure with its flags: the people (or referrals, episodes...) behind a figure.</summary>
public sealed record MeasureSubjectRow(long SubjectId, long PatientId, int? PracticeId, int? ServiceId, bool Denominator, bool Excluded, bool Excepted, bool Numerator, long Count);

/// <summary>
/// Runs compiled measures on a connection: loads the value sets and working-day calendar the statements join to, runs one
/// statement per measure and rolls the (practice, service) cells up to the levels the measure reports. Every level is a
/// sum of cells because every subject sits in exactly one practice (or none) and one service (or none).
/// </summary>
public sealed class MeasureEvaluator(StorageOptions storage)
{
    public const string Unregistered = "unregistered";
    public const string NoService = "none";
    public const string Borough = "borough";

    private readonly SqlDialect _dialect = SqlDialect.For(storage.Provider);

    /// <summary>Loads the value sets into <c>value_set_code</c> (replacing what is there) and the calendar for the periods.</summary>
    public async Task PrepareAsync(DbConnection connection, MeasureLibrary library, IEnumerable<MeasurePeriod> periods, CancellationToken ct)
    {
        var gate = SqliteWriteGate.For(storage);
        if (gate is not null) await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await Execute(connection, tx, "DELETE FROM value_set_code", ct).ConfigureAwait(false);
            await using (var insert = connection.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO value_set_code (value_set, system, code) VALUES (@v, @s, @c)";
                var v = Add(insert, "@v", "");
                var s = Add(insert, "@s", "");
                var c = Add(insert, "@c", "");
                foreach (var set in library.ValueSets.Values)
                {
                    foreach (var code in set.Codes)
                    {
                        v.Value = set.Id;
                        s.Value = code.System;
                        c.Value = code.Code;
                        await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }
                }
            }
            var list = periods.ToList();
            if (list.Count > 0)
            {
                await CalendarDays.EnsureAsync(connection, tx, storage.Provider, list.Min(p => p.Start).AddYears(-1), list.Max(p => p.End).AddDays(120), ct).ConfigureAwait(false);
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            gate?.Release();
        }
    }

    /// <summary>Evaluates one measure for a period (the value sets and calendar must be prepared).</summary>
    public async Task<MeasureEvaluation> EvaluateAsync(DbConnection connection, MeasureDefinition m, MeasurePeriod period, Units units, CancellationToken ct)
    {
        var compiled = MeasureCompiler.Compile(m, period, _dialect);
        var clock = Stopwatch.StartNew();
        var cells = new List<(int? Practice, int? Service, MeasureFigure Counts)>();
        await using (var cmd = Command(connection, compiled.CellsSql, compiled.Parameters))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                int? practice = reader.IsDBNull(0) ? null : Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                int? service = reader.IsDBNull(1) ? null : Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
                long L(int i) => reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
                var numerator = m.Scoring == MeasureScoring.Ratio ? L(7) : L(6);
                cells.Add((practice, service, new MeasureFigure(MeasureLevel.Borough, Borough, L(2), L(3), L(4), L(5), numerator)));
            }
        }
        clock.Stop();
        return new MeasureEvaluation(m, period, RollUp(m, cells, units), clock.Elapsed);
    }

    /// <summary>The subjects of one measure with their flags, for the patient list behind a figure.</summary>
    public async Task<IReadOnlyList<MeasureSubjectRow>> SubjectsAsync(DbConnection connection, MeasureDefinition m, MeasurePeriod period, CancellationToken ct)
    {
        var compiled = MeasureCompiler.Compile(m, period, _dialect);
        var rows = new List<MeasureSubjectRow>();
        await using var cmd = Command(connection, compiled.SubjectsSql, compiled.Parameters);
        await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            long L(int i) => reader.IsDBNull(i) ? 0 : Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
            int? I(int i) => reader.IsDBNull(i) ? null : Convert.ToInt32(reader.GetValue(i), CultureInfo.InvariantCulture);
            rows.Add(new MeasureSubjectRow(L(0), L(1), I(2), I(3), L(4) == 1, L(5) == 1, L(6) == 1, L(7) == 1, L(8)));
        }
        return rows;
    }

    private static List<MeasureFigure> RollUp(MeasureDefinition m, List<(int? Practice, int? Service, MeasureFigure Counts)> cells, Units units)
    {
        var figures = new List<MeasureFigure>();
        foreach (var level in m.Levels)
        {
            var groups = level switch
            {
                MeasureLevel.Borough => cells.GroupBy(_ => Borough),
                MeasureLevel.Network => cells.GroupBy(c => c.Practice is { } p ? units.NetworkOf(p) : Unregistered),
                MeasureLevel.Practice => cells.GroupBy(c => c.Practice is { } p ? units.PracticeCode(p) : Unregistered),
                _ => cells.GroupBy(c => c.Service is { } s ? units.ServiceCode(s) : NoService),
            };
            var rolled = groups.Select(g => g.Select(c => c.Counts).Aggregate((a, b) => a.Add(b)) with { Level = level, UnitKey = g.Key }).ToList();
            if (level == MeasureLevel.Borough && rolled.Count == 0) rolled.Add(new MeasureFigure(level, Borough, 0, 0, 0, 0, 0));
            figures.AddRange(rolled.OrderBy(f => f.UnitKey, StringComparer.Ordinal));
        }
        return figures;
    }

    /// <summary>A command for a compiled statement with its parameters bound (also used by the CLI's EXPLAIN and the bench).</summary>
    public static DbCommand Command(DbConnection connection, string sql, IReadOnlyList<SqlParameterValue> parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var cmd = connection.CreateCommand();
#pragma warning disable CA2100 // compiled from checked definitions; every value is a parameter
        cmd.CommandText = sql;
#pragma warning restore CA2100
        cmd.CommandTimeout = 600;
        foreach (var p in parameters) Add(cmd, p.Name, p.Value);
        return cmd;
    }

    private static DbParameter Add(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
        return p;
    }

    private static async Task Execute(DbConnection connection, DbTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
#pragma warning disable CA2100
        cmd.CommandText = sql;
#pragma warning restore CA2100
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>The codes of the units figures are reported for: practices (ODS code and network) and services.</summary>
public sealed class Units
{
    private readonly Dictionary<int, (string Code, string Network)> _practices;
    private readonly Dictionary<int, string> _services;

    private Units(Dictionary<int, (string, string)> practices, Dictionary<int, string> services)
    {
        _practices = practices;
        _services = services;
    }

    public string PracticeCode(int id) => _practices.TryGetValue(id, out var p) ? p.Code : id.ToString(CultureInfo.InvariantCulture);

    public string NetworkOf(int practiceId) => _practices.TryGetValue(practiceId, out var p) ? p.Network : MeasureEvaluator.NoService;

    public string ServiceCode(int id) => _services.TryGetValue(id, out var s) ? s : id.ToString(CultureInfo.InvariantCulture);

    public static async Task<Units> LoadAsync(DbConnection connection, CancellationToken ct)
    {
        var practices = new Dictionary<int, (string, string)>();
        var services = new Dictionary<int, string>();
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT o.id, o.ods_code, n.code FROM organisation o LEFT JOIN network n ON n.id = o.network_id";
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                practices[Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture)] = (r.GetString(1), r.IsDBNull(2) ? MeasureEvaluator.NoService : r.GetString(2));
            }
        }
        await using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT id, code FROM service";
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                services[Convert.ToInt32(r.GetValue(0), CultureInfo.InvariantCulture)] = r.GetString(1);
            }
        }
        return new Units(practices, services);
    }
}

/// <summary>Fills <c>calendar_day</c> for a range of UK days, from the same rule as <see cref="UkClock.AddWorkingDay"/>.</summary>
public static class CalendarDays
{
    /// <summary>The origin of <see cref="CalendarDay.WorkingSeq"/>: working days are counted from this Monday.</summary>
    public static readonly DateOnly Origin = new(2000, 1, 3);

    public static IEnumerable<CalendarDay> Days(DateOnly from, DateOnly to)
    {
        if (from < Origin) from = Origin;
        // Working days from the origin up to the day before 'from', counted arithmetically (5 per whole week).
        var before = from.DayNumber - Origin.DayNumber;
        var seq = before / 7 * 5 + Math.Min(before % 7, 5);
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var working = day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
            if (working) seq++;
            var start = UkClock.ToUtc(day.ToDateTime(TimeOnly.MinValue));
            var end = UkClock.ToUtc(day.AddDays(1).ToDateTime(TimeOnly.MinValue));
            yield return new CalendarDay
            {
                DayNumber = day.DayNumber,
                Day = day,
                UtcStart = start,
                UtcEnd = end,
                UtcOffsetMinutes = (int)Math.Round((day.AddDays(1).ToDateTime(TimeOnly.MinValue) - end).TotalMinutes),
                IsWorkingDay = working ? 1 : 0,
                WorkingSeq = seq,
            };
        }
    }

    public static async Task EnsureAsync(DbConnection connection, DbTransaction tx, StorageProvider provider, DateOnly from, DateOnly to, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        var conflict = provider == StorageProvider.Postgres ? " ON CONFLICT (day_number) DO NOTHING" : "";
        var verb = provider == StorageProvider.Postgres ? "INSERT" : "INSERT OR IGNORE";
#pragma warning disable CA2100
        cmd.CommandText = $"{verb} INTO calendar_day (day_number, day, utc_start, utc_end, utc_offset_minutes, is_working_day, working_seq) VALUES (@n, @d, @s, @e, @o, @w, @q){conflict}";
#pragma warning restore CA2100
        var n = Param(cmd, "@n");
        var d = Param(cmd, "@d");
        var s = Param(cmd, "@s");
        var e = Param(cmd, "@e");
        var o = Param(cmd, "@o");
        var w = Param(cmd, "@w");
        var q = Param(cmd, "@q");
        foreach (var day in Days(from, to))
        {
            n.Value = day.DayNumber;
            d.Value = day.Day;
            s.Value = day.UtcStart;
            e.Value = day.UtcEnd;
            o.Value = day.UtcOffsetMinutes;
            w.Value = day.IsWorkingDay;
            q.Value = day.WorkingSeq;
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    private static DbParameter Param(DbCommand cmd, string name)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        cmd.Parameters.Add(p);
        return p;
    }
}
