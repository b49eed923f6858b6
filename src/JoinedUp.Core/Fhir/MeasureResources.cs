using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;
using JoinedUp.Outcomes.Measures;
using FhirMeasure = Hl7.Fhir.Model.Measure;

namespace JoinedUp.Fhir;

/// <summary>One figure as a MeasureReport shows it: the counts, with the rate and interval (stored ones for a stored run).</summary>
public sealed record MeasureReportCell(MeasureFigure Counts, decimal? Rate, double? CiLow, double? CiHigh)
{
    /// <summary>A figure evaluated now: rate and interval derived as a run would store them.</summary>
    public static MeasureReportCell Live(MeasureDefinition m, MeasureFigure f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var interval = f.Interval(m);
        return new MeasureReportCell(f, f.Rate(m), interval?.Lower, interval?.Upper);
    }

    /// <summary>A stored figure of a run, exactly as stored.</summary>
    public static MeasureReportCell Stored(MeasureRunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new MeasureReportCell(new MeasureFigure(r.Level, r.UnitKey, r.InitialPopulation, r.Denominator, r.Excluded, r.Excepted, r.Numerator), r.Rate, r.CiLow, r.CiHigh);
    }
}

/// <summary>
/// FHIR R4 <c>Measure</c> and <c>MeasureReport</c> generated from the outcomes framework's definitions and figures (ADR 0006
/// 4.5). Nothing here is hand-written per measure, so the FHIR view cannot drift from the definition that was run. Every
/// canonical uses <see cref="CanonicalBase"/>, the same base as the value sets' and questionnaires' urls, so a canonical
/// does not change with the host name the server is reached by.
/// </summary>
public static class MeasureResources
{
    public const string CanonicalBase = "https://joinedup.example/fhir";
    public const string CriteriaLanguage = "text/x-joinedup-measure";
    public const string ScoringSystem = "http://terminology.hl7.org/CodeSystem/measure-scoring";
    public const string ImprovementSystem = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation";
    public const string PopulationSystem = "http://terminology.hl7.org/CodeSystem/measure-population";
    public const string ScoreIntervalExtension = CanonicalBase + "/StructureDefinition/measure-score-interval";
    public const string DomainSystem = CanonicalBase + "/CodeSystem/measure-domain";
    public const string LevelSystem = CanonicalBase + "/CodeSystem/measure-level";
    public const string RunSystem = CanonicalBase + "/measure-run";

    public static string Url(MeasureDefinition m) => $"{CanonicalBase}/Measure/{m.Id}";

    /// <summary>The canonical with its version, as MeasureReport.measure names it.</summary>
    public static string Canonical(MeasureDefinition m) => $"{Url(m)}|{m.Version}";

    /// <summary>The id of the Binary that serves the definition file as it was read.</summary>
    public static string BinaryId(MeasureDefinition m) => $"measure-{m.Id}";

    /// <summary>"diabetes-hba1c" → "DiabetesHba1c": a computable name (FHIR's mea-0 pattern).</summary>
    public static string ComputableName(string id)
    {
        var sb = new StringBuilder();
        foreach (var part in id.Split('-', StringSplitOptions.RemoveEmptyEntries))
        {
            sb.Append(char.ToUpperInvariant(part[0])).Append(part.AsSpan(1));
        }
        if (sb.Length == 0 || !char.IsAsciiLetterUpper(sb[0])) sb.Insert(0, 'M');
        return sb.ToString();
    }

    /// <summary>The populations a definition has, with the JSON pointer of their criteria, in FHIR's order.</summary>
    public static IReadOnlyList<(string Code, string Pointer, string Description)> Populations(MeasureDefinition m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var list = new List<(string, string, string)>
        {
            ("initial-population", "/population", "All criteria hold."),
            m.Denominator.Count > 0
                ? ("denominator", "/denominator", "In the initial population and all these criteria hold.")
                : ("denominator", "/population", "The initial population (the definition has no further denominator criteria)."),
        };
        if (m.Exclusions.Count > 0) list.Add(("denominator-exclusion", "/exclusions", "Any one removes the subject before the numerator is tested."));
        list.Add(m.Scoring == MeasureScoring.Ratio && m.Numerator.Count == 0 && m.Count is not null
            ? ("numerator", "/count", "The sum of what is counted per subject.")
            : ("numerator", "/numerator", "In the denominator, not excluded, and all criteria hold."));
        if (m.Exceptions.Count > 0) list.Add(("denominator-exception", "/exceptions", "Any one removes the subject only if it is not in the numerator."));
        return list;
    }

    /// <summary>The Measure resource of a definition; <paramref name="serverBase"/> (…/fhir) locates the definition's Binary.</summary>
    public static FhirMeasure ToMeasure(MeasureDefinition m, string serverBase)
    {
        ArgumentNullException.ThrowIfNull(m);
        var measure = new FhirMeasure
        {
            Id = m.Id,
            Url = Url(m),
            Version = m.Version,
            Name = ComputableName(m.Id),
            Title = m.Title,
            Status = PublicationStatus.Active,
            Publisher = "JoinedUp",
            Description = new Markdown(string.IsNullOrWhiteSpace(m.Description) ? m.Title : m.Description),
            Subject = new CodeableConcept("http://hl7.org/fhir/resource-types", SubjectResourceType(m.Subject.Type)),
            Scoring = new CodeableConcept(ScoringSystem, Code(m.Scoring)),
            ImprovementNotation = new CodeableConcept(ImprovementSystem, Code(m.Improvement)),
            Topic = [new CodeableConcept(DomainSystem, m.Domain.ToString().ToLowerInvariant(), m.Domain.ToString())],
        };
        if (m.SourceName is not null || m.SourceUrl is not null)
        {
            measure.RelatedArtifact.Add(new RelatedArtifact { Type = RelatedArtifact.RelatedArtifactType.Citation, Display = m.SourceName, Url = m.SourceUrl });
        }
        measure.RelatedArtifact.Add(new RelatedArtifact
        {
            Type = RelatedArtifact.RelatedArtifactType.Documentation,
            Label = "definition",
            Display = $"The measure definition this Measure is generated from (SHA-256 {m.Sha256}); the criteria expressions are JSON pointers into it.",
            Document = new Attachment { ContentType = "application/json", Url = $"{serverBase}/Binary/{BinaryId(m)}", Title = m.Source },
        });
        var group = new FhirMeasure.GroupComponent();
        foreach (var (code, pointer, description) in Populations(m))
        {
            group.Population.Add(new FhirMeasure.PopulationComponent
            {
                Code = new CodeableConcept(PopulationSystem, code),
                Description = description,
                Criteria = new Expression { Language = CriteriaLanguage, Expression_ = pointer, Reference = $"{serverBase}/Binary/{BinaryId(m)}" },
            });
        }
        foreach (var level in m.Levels.Where(l => l != MeasureLevel.Borough))
        {
            group.Stratifier.Add(new FhirMeasure.StratifierComponent
            {
                Code = Level(level),
                Description = $"By {level.ToString().ToLowerInvariant()}",
                Criteria = new Expression { Language = CriteriaLanguage, Expression_ = "/levels" },
            });
        }
        measure.Group.Add(group);
        return measure;
    }

    /// <summary>The definition file exactly as read (its SHA-256 is the definition's hash).</summary>
    public static Binary ToBinary(MeasureDefinition m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new Binary { Id = BinaryId(m), ContentType = "application/json", Data = Encoding.UTF8.GetBytes(m.Json) };
    }

    /// <summary>
    /// A summary MeasureReport: the borough in the group, one stratifier per other level the measure reports. With a run id,
    /// the report names the stored run it was read from.
    /// </summary>
    public static MeasureReport Summary(MeasureDefinition m, MeasurePeriod period, IReadOnlyList<MeasureReportCell> cells, long? runId, DateTimeOffset date)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(period);
        ArgumentNullException.ThrowIfNull(cells);
        var report = Report(m, period, MeasureReport.MeasureReportType.Summary, date);
        if (runId is { } id) report.Identifier.Add(new Identifier(RunSystem, id.ToString(CultureInfo.InvariantCulture)));
        var borough = cells.FirstOrDefault(c => c.Counts.Level == MeasureLevel.Borough)
            ?? new MeasureReportCell(new MeasureFigure(MeasureLevel.Borough, MeasureEvaluator.Borough, 0, 0, 0, 0, 0), null, null, null);
        var group = new MeasureReport.GroupComponent
        {
            Population = Populations(m).Select(p => new MeasureReport.PopulationComponent { Code = new CodeableConcept(PopulationSystem, p.Code), Count = Count(borough.Counts, p.Code) }).ToList(),
            MeasureScore = Score(borough),
        };
        foreach (var level in m.Levels.Where(l => l != MeasureLevel.Borough))
        {
            var stratifier = new MeasureReport.StratifierComponent { Code = [Level(level)] };
            foreach (var cell in cells.Where(c => c.Counts.Level == level))
            {
                stratifier.Stratum.Add(new MeasureReport.StratifierGroupComponent
                {
                    Value = new CodeableConcept { Text = cell.Counts.UnitKey },
                    Population = Populations(m).Select(p => new MeasureReport.StratifierGroupPopulationComponent { Code = new CodeableConcept(PopulationSystem, p.Code), Count = Count(cell.Counts, p.Code) }).ToList(),
                    MeasureScore = Score(cell),
                });
            }
            group.Stratifier.Add(stratifier);
        }
        report.Group.Add(group);
        return report;
    }

    /// <summary>
    /// An individual MeasureReport for one patient from their subject rows: for a patient-subject measure each count is 0
    /// or 1; for event subjects (referrals, episodes, tasks...) the counts are that patient's subjects.
    /// </summary>
    public static MeasureReport Individual(MeasureDefinition m, MeasurePeriod period, long patientId, IReadOnlyCollection<MeasureSubjectRow> rows, DateTimeOffset date)
    {
        ArgumentNullException.ThrowIfNull(m);
        ArgumentNullException.ThrowIfNull(rows);
        var report = Report(m, period, MeasureReport.MeasureReportType.Individual, date);
        report.Subject = new ResourceReference($"Patient/{patientId.ToString(CultureInfo.InvariantCulture)}");
        var figure = new MeasureFigure(MeasureLevel.Borough, "patient", rows.Count, rows.Count(r => r.Denominator), rows.Count(r => r.Excluded), rows.Count(r => r.Excepted),
            m.Scoring == MeasureScoring.Ratio ? rows.Sum(r => r.Count) : rows.Count(r => r.Numerator));
        var cell = MeasureReportCell.Live(m, figure);
        report.Group.Add(new MeasureReport.GroupComponent
        {
            Population = Populations(m).Select(p => new MeasureReport.PopulationComponent { Code = new CodeableConcept(PopulationSystem, p.Code), Count = Count(figure, p.Code) }).ToList(),
            MeasureScore = Score(cell),
        });
        return report;
    }

    private static MeasureReport Report(MeasureDefinition m, MeasurePeriod period, MeasureReport.MeasureReportType type, DateTimeOffset date) => new()
    {
        Status = MeasureReport.MeasureReportStatus.Complete,
        Type = type,
        Measure = Canonical(m),
        DateElement = new FhirDateTime(date),
        Period = new Period { Start = Day(period.Start), End = Day(period.End) },
        ImprovementNotation = new CodeableConcept(ImprovementSystem, Code(m.Improvement)),
    };

    private static Quantity? Score(MeasureReportCell cell)
    {
        if (cell.Rate is not { } rate) return null;
        var score = new Quantity { Value = rate };
        if (cell.CiLow is { } low && cell.CiHigh is { } high)
        {
            score.Extension.Add(new Extension(ScoreIntervalExtension, new Hl7.Fhir.Model.Range
            {
                Low = new Quantity { Value = Math.Round((decimal)low, 6, MidpointRounding.AwayFromZero) },
                High = new Quantity { Value = Math.Round((decimal)high, 6, MidpointRounding.AwayFromZero) },
            }));
        }
        return score;
    }

    private static int Count(MeasureFigure f, string code) => checked((int)(code switch
    {
        "initial-population" => f.InitialPopulation,
        "denominator" => f.Denominator,
        "denominator-exclusion" => f.Excluded,
        "denominator-exception" => f.Excepted,
        _ => f.Numerator,
    }));

    private static CodeableConcept Level(MeasureLevel level) => new(LevelSystem, level.ToString().ToLowerInvariant(), level.ToString());

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Code(MeasureScoring s) => s == MeasureScoring.Ratio ? "ratio" : "proportion";

    private static string Code(Improvement i) => i == Improvement.Decrease ? "decrease" : "increase";

    private static string SubjectResourceType(SubjectType t) => t switch
    {
        SubjectType.Patient => "Patient",
        SubjectType.Referral or SubjectType.Route => "ServiceRequest",
        SubjectType.Episode => "EpisodeOfCare",
        SubjectType.Task => "Task",
        _ => "QuestionnaireResponse",
    };
}
