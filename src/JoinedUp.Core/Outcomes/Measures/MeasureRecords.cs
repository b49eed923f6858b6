namespace JoinedUp.Outcomes.Measures;

/// <summary>A code of a value set as SQL sees it (<c>value_set_code</c>): compiled measures join to it instead of long IN lists.</summary>
public sealed class ValueSetCodeRow
{
    public required string ValueSet { get; set; }
    public required string System { get; set; }
    public required string Code { get; set; }
}

/// <summary>
/// One UK day (<c>calendar_day</c>): its UTC start and end, its offset from UTC, and whether it is a working day, with a
/// running count of working days so that "the Nth working day after" is a join. Filled by <see cref="CalendarDays"/> for
/// the days a run needs; it agrees with <c>UkClock.AddWorkingDay</c> (weekends only; no bank holidays yet).
/// </summary>
public sealed class CalendarDay
{
    /// <summary>Days since 0001-01-01 (<see cref="DateOnly.DayNumber"/>).</summary>
    public int DayNumber { get; set; }
    public DateOnly Day { get; set; }
    public DateTime UtcStart { get; set; }
    public DateTime UtcEnd { get; set; }

    /// <summary>Minutes the UK is ahead of UTC at the end of the day (0 or 60; on the two days the clocks change, the offset after the change).</summary>
    public int UtcOffsetMinutes { get; set; }

    /// <summary>1 on Monday to Friday, else 0 (an integer on both providers, so SQL compares it the same way).</summary>
    public int IsWorkingDay { get; set; }

    /// <summary>Working days from a fixed origin up to and including this day; a weekend day has Friday's number.</summary>
    public int WorkingSeq { get; set; }
}

/// <summary>A definition exactly as it was run (<c>measure_definition</c>): immutable, one row per distinct content.</summary>
public sealed class MeasureDefinitionRecord
{
    public long Id { get; set; }
    public required string MeasureKey { get; set; }
    public required string Version { get; set; }
    public required string Sha256 { get; set; }
    public required string Title { get; set; }
    public required string Json { get; set; }
    public DateTime FirstLoadedAt { get; set; }
}

public enum RunPurpose
{
    /// <summary>The quarter's figures of record: a payment statement names one.</summary>
    Official = 1,

    /// <summary>Any other run: a look before the quarter closes, a check of a changed definition.</summary>
    Adhoc = 2,
}

/// <summary>One run of the framework for a quarter (<c>measure_run</c>). Runs are never changed; a re-run is a new run.</summary>
public sealed class MeasureRun
{
    public long Id { get; set; }

    /// <summary>The quarter reported, e.g. "2026/27 Q1".</summary>
    public required string Quarter { get; set; }
    public DateOnly QuarterStart { get; set; }
    public DateOnly QuarterEnd { get; set; }
    public RunPurpose Purpose { get; set; }

    /// <summary>SHA-256 of the whole framework (every definition and value set) the run used.</summary>
    public required string DefinitionsSha256 { get; set; }
    public required string CodeVersion { get; set; }
    public required string Provider { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime FinishedAt { get; set; }
    public long DurationMs { get; set; }
    public required string RequestedBy { get; set; }
}

/// <summary>
/// One figure of a run (<c>measure_result</c>): a measure at a level for one unit (the borough, a network, a practice or a
/// service). The counts are the truth; <see cref="Rate"/> and the interval are derived from them when stored.
/// </summary>
public sealed class MeasureRunResult
{
    public long RunId { get; set; }
    public long MeasureDefinitionId { get; set; }
    public required string MeasureKey { get; set; }
    public MeasureLevel Level { get; set; }

    /// <summary>"borough", a network code, a practice's ODS code, a service code, or "unregistered" / "none".</summary>
    public required string UnitKey { get; set; }
    public DateOnly PeriodStart { get; set; }
    public DateOnly PeriodEnd { get; set; }
    public long InitialPopulation { get; set; }
    public long Denominator { get; set; }
    public long Excluded { get; set; }
    public long Excepted { get; set; }

    /// <summary>Proportion: subjects meeting the numerator. Ratio: the sum counted (e.g. assessments, admissions).</summary>
    public long Numerator { get; set; }

    /// <summary>Proportion: numerator ÷ (denominator − excluded − excepted). Ratio: numerator ÷ (denominator − excluded) × per units. Null when the divisor is 0.</summary>
    public decimal? Rate { get; set; }
    public double? CiLow { get; set; }
    public double? CiHigh { get; set; }
}
