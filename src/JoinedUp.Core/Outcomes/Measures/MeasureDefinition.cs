namespace JoinedUp.Outcomes.Measures;

/// <summary>
/// One outcome measure, read from a checked-in <c>*.measure.json</c> file (docs/adr/0006 section 2). A definition is data:
/// an analyst changes a threshold, window or value set without recompiling. <see cref="MeasureReader"/> reads and checks it,
/// <see cref="Sql.MeasureCompiler"/> turns it into one set-based SQL statement per provider.
/// </summary>
public sealed record MeasureDefinition
{
    public required string Id { get; init; }
    public required string Version { get; init; }
    public required string Title { get; init; }
    public string Description { get; init; } = "";
    public required MeasureDomain Domain { get; init; }
    public string? SourceName { get; init; }
    public string? SourceUrl { get; init; }
    public MeasureScoring Scoring { get; init; } = MeasureScoring.Proportion;
    public Improvement Improvement { get; init; } = Improvement.Increase;
    public required SubjectSpec Subject { get; init; }
    public required PeriodSpec Period { get; init; }
    public required IReadOnlyList<MeasureLevel> Levels { get; init; }
    public IReadOnlyList<Criterion> Population { get; init; } = [];
    public IReadOnlyList<Criterion> Denominator { get; init; } = [];
    public IReadOnlyList<Criterion> Exclusions { get; init; } = [];
    public IReadOnlyList<Criterion> Numerator { get; init; } = [];
    public IReadOnlyList<Criterion> Exceptions { get; init; } = [];

    /// <summary>For ratio measures: what is counted per subject in the population (the numerator is its sum).</summary>
    public CountSpec? Count { get; init; }

    /// <summary>For ratio measures: the figure is numerator / denominator × this (e.g. 100,000 for "per 100,000").</summary>
    public decimal PerUnits { get; init; } = 1m;

    /// <summary>The file it came from, for messages.</summary>
    public string Source { get; init; } = "";

    /// <summary>SHA-256 of the file's bytes (hex): every stored result names the exact definition it came from.</summary>
    public string Sha256 { get; init; } = "";

    /// <summary>The file's text as read.</summary>
    public string Json { get; init; } = "";
}

/// <summary>The seeds' five domains of the vision.</summary>
public enum MeasureDomain { Access, Integration, Quality, Personalisation, Outcomes }

public enum MeasureScoring { Proportion, Ratio }

/// <summary>Whether a higher figure is better (increase) or a lower one (decrease).</summary>
public enum Improvement { Increase, Decrease }

public enum MeasureLevel { Borough, Network, Practice, Service }

/// <summary>What one row of the population is (ADR 0006 2.3).</summary>
public enum SubjectType { Patient, Referral, Route, Episode, Task, Experience }

/// <summary>
/// The subject rows: their type and, for event subjects, which of their times must fall in the measurement period, moved
/// back by <see cref="Lag"/> so that every subject counted has had its full clock by the period end.
/// </summary>
public sealed record SubjectSpec(SubjectType Type, string? At, IsoDuration Lag);

/// <summary>The measurement period: <see cref="Length"/> ending on the last day of the quarter reported.</summary>
public sealed record PeriodSpec(IsoDuration Length);

/// <summary>Ratio measures: count rows of <see cref="In"/> per subject (e.g. assessments per episode).</summary>
public sealed record CountSpec(string In, string? ValueSet, Interval? Within);

/// <summary>A comparison of a number, with the unit it must be recorded in (a reading in another unit never matches).</summary>
public sealed record ValueTest(string Op, decimal Value, string? Unit);

/// <summary>One condition on a subject. Each kind is a record below; ADR 0006 2.5 gives their meaning.</summary>
public abstract record Criterion
{
    /// <summary>JSON path of the criterion in its file, for messages.</summary>
    public string Path { get; init; } = "";
}

/// <summary>Age in completed years (or months, days) on a day, within a range.</summary>
public sealed record AgeCriterion(PointExpr On, NumberRange Range, string Unit) : Criterion;

/// <summary>Has a registered practice (optionally one of these practices or networks).</summary>
public sealed record RegisteredCriterion(IReadOnlyList<string> Practices, IReadOnlyList<string> Networks) : Criterion;

/// <summary>
/// A condition from the value set: with onset on or before a day or within a window; <c>status</c> active (default) or
/// any; <c>first</c>: the earliest matching onset is the one tested; <c>notResolvedBy</c>: the latest diagnosis is later
/// than the latest resolved code (QOF's register rule).
/// </summary>
public sealed record ConditionCriterion(string ValueSet, PointExpr? OnsetOnOrBefore, Interval? OnsetWithin, bool AnyStatus, bool First, string? NotResolvedBy) : Criterion;

/// <summary>The latest (or any) final or amended reading from the value set in the window meets the comparison.</summary>
public sealed record ObservationCriterion(string ValueSet, Interval Within, bool Latest, IReadOnlyList<ValueTest> Values, ValueTest? Secondary, bool OrNone) : Criterion;

/// <summary>At least N matching rows in the window (optionally spread over at least a duration, all after the latest row of another value set).</summary>
public sealed record ExistsCriterion(string ValueSet, IReadOnlyList<string> In, Interval? Within, int AtLeast, IsoDuration? ApartAtLeast, string? AfterLatest, IReadOnlyList<string> Status) : Criterion;

/// <summary>The patient's latest code from <see cref="Of"/> (on or before a day) is one of <see cref="IsIn"/>.</summary>
public sealed record LatestCodeCriterion(string Of, string IsIn, PointExpr OnOrBefore) : Criterion;

/// <summary>At least N completed doses from the value set by the day the person reached an age (or within a window).</summary>
public sealed record ImmunisationCriterion(string ValueSet, int Doses, IsoDuration? ByAge, Interval? Within) : Criterion;

/// <summary>
/// A time of the subject (or of a related row, e.g. <c>carePlan.agreedAt</c>) is present and no later than another time
/// plus a duration, or by the same time of day on the Nth UK working day after it.
/// </summary>
public sealed record ElapsedCriterion(string From, string To, IsoDuration? AtMost, int? WorkingDays) : Criterion;

/// <summary>An attribute of the subject row is one of these values.</summary>
public sealed record FieldCriterion(string Name, IReadOnlyList<string> In) : Criterion;

/// <summary>An experience response's answer to an item is one of these codes (or the item is answered at all).</summary>
public sealed record AnswerCriterion(string LinkId, IReadOnlyList<string> In, bool Answered) : Criterion;

public sealed record AllOfCriterion(IReadOnlyList<Criterion> Of) : Criterion;

public sealed record AnyOfCriterion(IReadOnlyList<Criterion> Of) : Criterion;

public sealed record NotCriterion(IReadOnlyList<Criterion> Of) : Criterion;
