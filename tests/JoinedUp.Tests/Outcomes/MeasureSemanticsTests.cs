using JoinedUp.Access;
using JoinedUp.Care;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Record;
using JoinedUp.Storage;
using static JoinedUp.Tests.Outcomes.MeasureWorld;

namespace JoinedUp.Tests.Outcomes;

/// <summary>
/// Measure semantics on small built worlds where the answer is known by hand: boundaries of age, dates and thresholds,
/// the latest reading, exclusions against exceptions, the register, service clocks and working days. Every test runs on
/// SQLite and PostgreSQL with the same expected counts, so the two providers agree.
/// </summary>
public class MeasureSemanticsTests
{
    private const string HbA1c = "999791000000106";
    private const string Type2 = "44054006";
    private const string Resolved = "315051004";
    private const string Mild = "925791000000100";
    private const string Moderate = "925831000000107";

    // 2026/27 Q1: April to June 2026. The 12-month window is [30 June 2025, 30 June 2026] in UK days; both ends are in BST.
    private static readonly FinancialQuarter Q1 = new(2026, 1);

    private static DateTime U(int y, int mo, int d, int h = 12, int mi = 0, int s = 0, int ms = 0) => new(y, mo, d, h, mi, s, ms, DateTimeKind.Utc);

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Diabetes_HbA1c_58_follows_the_QOF_rules_at_every_boundary(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        var born = new DateOnly(1960, 1, 1);
        Task<long> Diabetic(Action<List<object>, long>? more = null, int? practice = -1, DateOnly? birth = null) =>
            w.PersonAsync(birth ?? born, practice == -1 ? w.PracticeA : practice, (rows, id) =>
            {
                rows.Add(Diagnosis(id, Type2, new DateOnly(2015, 3, 1)));
                more?.Invoke(rows, id);
            });

        var at58 = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 6, 30, 22, 59), 58, "mmol/mol")));   // 23:59 BST on the last day: in
        var at59 = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 59, "mmol/mol")));           // over the threshold
        var nextDay = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 6, 30, 23, 0), 40, "mmol/mol"))); // 00:00 BST on 1 July: out
        var firstDay = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2025, 6, 29, 23, 0), 50, "mmol/mol"))); // 00:00 BST on 30 June 2025: in
        var dayBefore = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2025, 6, 29, 22, 59), 50, "mmol/mol"))); // 23:59 on 29 June 2025: out
        var goodThenBad = await Diabetic((r, id) =>
        {
            r.Add(Reading(id, HbA1c, U(2026, 1, 1), 50, "mmol/mol"));
            r.Add(Reading(id, HbA1c, U(2026, 5, 1), 70, "mmol/mol"));
        });
        var tieHigherIdWins = await Diabetic((r, id) =>
        {
            r.Add(Reading(id, HbA1c, U(2026, 5, 1), 70, "mmol/mol"));
            r.Add(Reading(id, HbA1c, U(2026, 5, 1), 50, "mmol/mol"));
        });
        var wrongUnit = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 5.8, "%")));
        var seventeenToday = await Diabetic(birth: new DateOnly(2009, 6, 30));
        var sixteen = await Diabetic(birth: new DateOnly(2009, 7, 1));
        var resolved = await w.PersonAsync(born, w.PracticeA, (r, id) =>
        {
            r.Add(Diagnosis(id, Type2, new DateOnly(2015, 3, 1)));
            r.Add(Diagnosis(id, Resolved, new DateOnly(2018, 3, 1)));
            r.Add(Reading(id, HbA1c, U(2026, 5, 1), 40, "mmol/mol"));
        });
        var diagnosedAgain = await w.PersonAsync(born, w.PracticeA, (r, id) =>
        {
            r.Add(Diagnosis(id, Type2, new DateOnly(2015, 3, 1)));
            r.Add(Diagnosis(id, Resolved, new DateOnly(2018, 3, 1)));
            r.Add(Diagnosis(id, Type2, new DateOnly(2020, 3, 1)));
        });
        var moderatelyFrailMeetsTarget = await Diabetic((r, id) =>
        {
            r.Add(Diagnosis(id, Mild, new DateOnly(2019, 1, 1)));
            r.Add(Diagnosis(id, Moderate, new DateOnly(2021, 1, 1)));
            r.Add(Reading(id, HbA1c, U(2026, 5, 1), 50, "mmol/mol"));
        });
        var latestFrailtyMild = await Diabetic((r, id) =>
        {
            r.Add(Diagnosis(id, Moderate, new DateOnly(2019, 1, 1)));
            r.Add(Diagnosis(id, Mild, new DateOnly(2021, 1, 1)));
            r.Add(Reading(id, HbA1c, U(2026, 5, 1), 50, "mmol/mol"));
        });
        var newlyDiagnosedMisses = await w.PersonAsync(born, w.PracticeA, (r, id) =>
        {
            r.Add(Diagnosis(id, Type2, new DateOnly(2026, 5, 1)));
            r.Add(Reading(id, HbA1c, U(2026, 5, 2), 70, "mmol/mol"));
        });
        var newlyDiagnosedMeets = await w.PersonAsync(born, w.PracticeA, (r, id) =>
        {
            r.Add(Diagnosis(id, Type2, new DateOnly(2026, 5, 1)));
            r.Add(Reading(id, HbA1c, U(2026, 5, 2), 50, "mmol/mol"));
        });
        var unregistered = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 40, "mmol/mol")), practice: null);
        var otherPractice = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 40, "mmol/mol")), practice: w.PracticeB);
        var notDiabetic = await w.PersonAsync(born, w.PracticeA, (r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 40, "mmol/mol")));

        var (figures, subjects) = await w.EvaluateAsync(BuiltIn("diabetes-hba1c"), Q1);

        foreach (var outside in new[] { sixteen, resolved, unregistered, notDiabetic })
        {
            Assert.False(subjects.ContainsKey(outside), $"person {outside} should not be in the population");
        }
        long[] inNumerator = [at58, firstDay, tieHigherIdWins, latestFrailtyMild, newlyDiagnosedMeets, otherPractice];
        long[] notInNumerator = [at59, nextDay, dayBefore, goodThenBad, wrongUnit, seventeenToday, diagnosedAgain];
        foreach (var id in inNumerator) Assert.True(subjects[id].Numerator, $"person {id} should meet the target");
        foreach (var id in notInNumerator)
        {
            Assert.True(subjects[id].Denominator && !subjects[id].Numerator && !subjects[id].Excluded && !subjects[id].Excepted, $"person {id} should miss the target, neither excluded nor excepted");
        }
        Assert.True(subjects[moderatelyFrailMeetsTarget].Excluded && !subjects[moderatelyFrailMeetsTarget].Numerator);
        Assert.True(subjects[newlyDiagnosedMisses].Excepted && !subjects[newlyDiagnosedMisses].Numerator);
        Assert.False(subjects[newlyDiagnosedMeets].Excepted);

        var borough = figures.Borough;
        Assert.Equal((15L, 15L, 1L, 1L, 6L), (borough.InitialPopulation, borough.Denominator, borough.Excluded, borough.Excepted, borough.Numerator));
        Assert.Equal(6m / 13m, borough.Rate(figures.Definition)!.Value, 5);
        Assert.Equal((1L, 1L), (figures.Find(MeasureLevel.Practice, "B00002")!.Denominator, figures.Find(MeasureLevel.Practice, "B00002")!.Numerator));
        Assert.Equal(14L, figures.Find(MeasureLevel.Practice, "A00001")!.Denominator);
        Assert.Equal(15L, figures.Find(MeasureLevel.Network, "N-TEST")!.Denominator);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task No_reading_counts_as_poor_control_with_orNone_and_units_are_never_mixed(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        var born = new DateOnly(1970, 1, 1);
        Task<long> Diabetic(Action<List<object>, long>? more = null) =>
            w.PersonAsync(born, w.PracticeA, (rows, id) => { rows.Add(Diagnosis(id, Type2, new DateOnly(2015, 3, 1))); more?.Invoke(rows, id); });
        var none = await Diabetic();
        var poorPercent = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 9.5, "%")));
        var goodPercent = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 9.0, "%")));
        var poorMmol = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 75, "mmol/mol")));
        var goodMmol = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 74, "mmol/mol")));
        var otherUnit = await Diabetic((r, id) => r.Add(Reading(id, HbA1c, U(2026, 5, 1), 99, "mg/dL")));
        const string poorControl = """
        { "id": "poor-control", "version": "1", "title": "t", "domain": "quality", "subject": { "type": "patient" },
          "period": { "length": "P12M", "endsAt": "quarterEnd" }, "levels": ["borough"],
          "population": [ { "kind": "condition", "valueSet": "qof-dm-cod" } ],
          "numerator": [ { "kind": "observation", "valueSet": "qof-ifcchbam-cod", "within": "[periodStart, periodEnd]", "orNone": true,
                           "values": [ { "op": ">", "value": 9.0, "unit": "%" }, { "op": ">", "value": 74.86, "unit": "mmol/mol" } ] } ] }
        """;
        var (figures, s) = await w.EvaluateAsync(poorControl, Q1);
        Assert.True(s[none].Numerator);
        Assert.True(s[poorPercent].Numerator);
        Assert.False(s[goodPercent].Numerator);
        Assert.True(s[poorMmol].Numerator);
        Assert.False(s[goodMmol].Numerator);
        Assert.False(s[otherUnit].Numerator); // a reading exists, in a unit the measure does not name: not "none", never compared
        Assert.Equal(3L, figures.Borough.Numerator);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Ages_and_second_birthdays_are_exact_including_29_February(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        const string Mmr = "38598009";
        // Children turning 2 in the quarter (1 April to 30 June 2026) are the cohort.
        var turnsTwoFirstDay = await w.PersonAsync(new DateOnly(2024, 4, 1), w.PracticeA, (r, id) => r.Add(Vaccine(id, Mmr, new DateOnly(2026, 4, 1))));
        var turnsTwoLastDay = await w.PersonAsync(new DateOnly(2024, 6, 30), w.PracticeA, (r, id) => r.Add(Vaccine(id, Mmr, new DateOnly(2026, 7, 1))));
        var turnedTwoBefore = await w.PersonAsync(new DateOnly(2024, 3, 31), w.PracticeA);
        var turnsTwoAfter = await w.PersonAsync(new DateOnly(2024, 7, 1), w.PracticeA);
        var leapBaby = await w.PersonAsync(new DateOnly(2024, 2, 29), w.PracticeA);
        var onTime = await w.PersonAsync(new DateOnly(2024, 5, 15), w.PracticeB, (r, id) => r.Add(Vaccine(id, Mmr, new DateOnly(2025, 5, 20))));

        var (figures, s) = await w.EvaluateAsync(BuiltIn("child-imms"), Q1);
        Assert.True(s[turnsTwoFirstDay].Numerator);      // the dose on the birthday counts
        Assert.False(s[turnsTwoLastDay].Numerator);      // the day after the birthday is late
        Assert.True(s[onTime].Numerator);
        Assert.False(s.ContainsKey(turnedTwoBefore));
        Assert.False(s.ContainsKey(turnsTwoAfter));
        Assert.False(s.ContainsKey(leapBaby));           // 2 on 28 February 2026 (DateOnly.AddYears), before the quarter
        Assert.Equal((3L, 2L), (figures.Borough.Denominator, figures.Borough.Numerator));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Service_clocks_count_to_the_millisecond_and_late_subjects_wait_for_the_next_quarter(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        var p = await w.PersonAsync(new DateOnly(1950, 1, 1), w.PracticeA);
        var exactly2h = await w.ReferralAsync(p, Urgency.Within2Hours, U(2026, 5, 1, 10), U(2026, 5, 1, 10, 10), U(2026, 5, 1, 12));
        var over = await w.ReferralAsync(p, Urgency.Within2Hours, U(2026, 5, 1, 10), U(2026, 5, 1, 10, 10), U(2026, 5, 1, 12, 0, 0, 1));
        var never = await w.ReferralAsync(p, Urgency.Within2Hours, U(2026, 5, 2, 10), U(2026, 5, 2, 10, 10), null);
        var lastHour = await w.ReferralAsync(p, Urgency.Within2Hours, U(2026, 6, 30, 22), null, null); // 23:00 BST, 1 hour before the quarter ends
        var routine = await w.ReferralAsync(p, Urgency.Routine, U(2026, 5, 1, 10), U(2026, 5, 1, 11), U(2026, 5, 20));
        var declined = await w.ReferralAsync(p, Urgency.Within2Hours, U(2026, 5, 1, 10), U(2026, 5, 1, 10, 5), null, ReferralStatus.Declined);

        var (figures, s) = await w.EvaluateAsync(BuiltIn("urgent-2h"), Q1);
        Assert.True(s[exactly2h].Numerator);
        Assert.False(s[over].Numerator);
        Assert.False(s[never].Numerator);
        Assert.False(s.ContainsKey(lastHour));
        Assert.False(s.ContainsKey(routine));
        Assert.False(s.ContainsKey(declined));
        Assert.Equal((3L, 1L), (figures.Borough.Denominator, figures.Borough.Numerator));
        Assert.Equal(3L, figures.Find(MeasureLevel.Service, MeasureEvaluator.NoService)!.Denominator);

        var (next, nextSubjects) = await w.EvaluateAsync(BuiltIn("urgent-2h"), new FinancialQuarter(2026, 2));
        Assert.True(nextSubjects.ContainsKey(lastHour));
        Assert.Equal(1L, next.Borough.Denominator);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task One_working_day_is_the_same_local_time_on_the_next_weekday_across_the_clock_change(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        var p = await w.PersonAsync(new DateOnly(1950, 1, 1), w.PracticeA);
        // Friday 1 May 2026 16:00 BST: due Monday 4 May 16:00 BST.
        var mondayJustInTime = await w.ReferralAsync(p, Urgency.Routine, U(2026, 5, 1, 15), U(2026, 5, 4, 14, 59), null);
        var mondayOnTheMinute = await w.ReferralAsync(p, Urgency.Routine, U(2026, 5, 1, 15), U(2026, 5, 4, 15), null);
        var mondayLate = await w.ReferralAsync(p, Urgency.Routine, U(2026, 5, 1, 15), U(2026, 5, 4, 15, 1), null);
        // Saturday 2 May 10:00 BST: due Monday 4 May 10:00 BST.
        var saturdayByMonday = await w.ReferralAsync(p, Urgency.Within2Days, U(2026, 5, 2, 9), U(2026, 5, 4, 9), null);
        var saturdayTuesday = await w.ReferralAsync(p, Urgency.Within2Days, U(2026, 5, 2, 9), U(2026, 5, 5, 8), null);
        var notTriaged = await w.ReferralAsync(p, Urgency.Routine, U(2026, 5, 6, 9), null, null, ReferralStatus.Received);

        var (figures, s) = await w.EvaluateAsync(BuiltIn("triage-1day"), Q1);
        Assert.True(s[mondayJustInTime].Numerator);
        Assert.True(s[mondayOnTheMinute].Numerator);
        Assert.False(s[mondayLate].Numerator);
        Assert.True(s[saturdayByMonday].Numerator);
        Assert.False(s[saturdayTuesday].Numerator);
        Assert.False(s[notTriaged].Numerator);
        Assert.Equal((6L, 3L), (figures.Borough.Denominator, figures.Borough.Numerator));

        // The clocks go forward on Sunday 29 March 2026: Friday 27 March 10:00 GMT is due Monday 30 March 10:00 BST (09:00 UTC).
        var gmtInTime = await w.ReferralAsync(p, Urgency.Routine, U(2026, 3, 27, 10), U(2026, 3, 30, 9), null);
        var gmtLate = await w.ReferralAsync(p, Urgency.Routine, U(2026, 3, 27, 10), U(2026, 3, 30, 9, 1), null);
        var (_, q4) = await w.EvaluateAsync(BuiltIn("triage-1day"), new FinancialQuarter(2025, 4));
        Assert.True(q4[gmtInTime].Numerator);
        Assert.False(q4[gmtLate].Numerator);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Plans_hand_overs_and_assessments_are_counted_per_episode_and_task(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        var p = await w.PersonAsync(new DateOnly(1950, 1, 1), w.PracticeA);
        var opened = U(2026, 4, 10, 9);
        var agreed28 = await w.EpisodeAsync(p, opened, opened.AddDays(28), assessments: 1);
        var agreedLate = await w.EpisodeAsync(p, opened, opened.AddDays(28).AddSeconds(1), assessments: 2);
        var notAgreed = await w.EpisodeAsync(p, opened, null, assessments: 3);
        var tooRecent = await w.EpisodeAsync(p, U(2026, 6, 10), U(2026, 6, 11), assessments: 1);

        var (plans, ps) = await w.EvaluateAsync(BuiltIn("care-plan-28d"), Q1);
        Assert.True(ps[agreed28].Numerator);
        Assert.False(ps[agreedLate].Numerator);
        Assert.False(ps[notAgreed].Numerator);
        Assert.False(ps.ContainsKey(tooRecent));
        Assert.Equal((3L, 1L), (plans.Borough.Denominator, plans.Borough.Numerator));

        var (assessments, _) = await w.EvaluateAsync(BuiltIn("assessments-per-episode"), Q1);
        Assert.Equal((3L, 6L), (assessments.Borough.Denominator, assessments.Borough.Numerator));
        Assert.Equal(2m, assessments.Borough.Rate(assessments.Definition));

        var created = U(2026, 5, 5, 9);
        var in2Days = await w.TaskAsync(p, CareTaskKind.HandOver, CareTaskStatus.Accepted, created, created.AddDays(2), created.AddDays(2), null);
        var late = await w.TaskAsync(p, CareTaskKind.HandOver, CareTaskStatus.Accepted, created, created.AddDays(2), created.AddDays(2).AddSeconds(1), null);
        var cancelled = await w.TaskAsync(p, CareTaskKind.HandOver, CareTaskStatus.Cancelled, created, created.AddDays(2), null, null);
        var followUp = await w.TaskAsync(p, CareTaskKind.FollowUp, CareTaskStatus.Completed, created, created.AddDays(2), null, created.AddDays(1));
        var (handovers, hs) = await w.EvaluateAsync(BuiltIn("handover-2d"), Q1);
        Assert.True(hs[in2Days].Numerator);
        Assert.False(hs[late].Numerator);
        Assert.True(hs[cancelled].Excluded);
        Assert.False(hs.ContainsKey(followUp));
        Assert.Equal((3L, 1L, 1L), (handovers.Borough.Denominator, handovers.Borough.Excluded, handovers.Borough.Numerator));
        Assert.Equal(0.5m, handovers.Borough.Rate(handovers.Definition));
        Assert.Equal(3L, handovers.Find(MeasureLevel.Service, "test-nursing")!.Denominator);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Experience_measures_count_anonymous_answers_by_the_day_they_were_given(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        Dictionary<string, string> Fft(string answer) => new() { ["fft"] = answer };
        var firstDay = await w.ResponseAsync("fft", new DateOnly(2026, 4, 1), w.PracticeA, Fft("very-good"));
        var lastDay = await w.ResponseAsync("fft", new DateOnly(2026, 6, 30), w.PracticeA, Fft("good"));
        var dontKnow = await w.ResponseAsync("fft", new DateOnly(2026, 5, 1), w.PracticeB, Fft("dont-know"));
        var poor = await w.ResponseAsync("fft", new DateOnly(2026, 5, 1), null, Fft("poor"));
        var before = await w.ResponseAsync("fft", new DateOnly(2026, 3, 31), w.PracticeA, Fft("good"));
        var after = await w.ResponseAsync("fft", new DateOnly(2026, 7, 1), w.PracticeA, Fft("good"));
        var onlyWhy = await w.ResponseAsync("fft", new DateOnly(2026, 5, 1), w.PracticeA, new Dictionary<string, string>());
        var other = await w.ResponseAsync("experience", new DateOnly(2026, 5, 1), w.PracticeA, new Dictionary<string, string> { ["story-once"] = "agree" });

        var (fft, s) = await w.EvaluateAsync(BuiltIn("fft-positive"), Q1);
        Assert.True(s[firstDay].Numerator && s[lastDay].Numerator);
        Assert.True(s[dontKnow].Denominator && !s[dontKnow].Numerator); // "don't know" counts in the denominator
        Assert.False(s[poor].Numerator);
        foreach (var outside in new[] { before, after, onlyWhy, other }) Assert.False(s.ContainsKey(outside));
        Assert.Equal((4L, 2L), (fft.Borough.Denominator, fft.Borough.Numerator));
        Assert.Equal(1L, fft.Find(MeasureLevel.Practice, MeasureEvaluator.Unregistered)!.Denominator);
        Assert.Equal(4L, fft.Find(MeasureLevel.Service, "test-nursing")!.Denominator);

        Dictionary<string, string> Story(string answer) => new() { ["story-once"] = answer, ["followed-up"] = "agree" };
        await w.ResponseAsync("experience", new DateOnly(2026, 5, 2), w.PracticeA, Story("strongly-agree"));
        await w.ResponseAsync("experience", new DateOnly(2026, 5, 2), w.PracticeA, Story("disagree"));
        var notApplicable = await w.ResponseAsync("experience", new DateOnly(2026, 5, 2), w.PracticeA, Story("not-applicable"));
        var (story, ss) = await w.EvaluateAsync(BuiltIn("tell-story-once"), Q1);
        Assert.True(ss[notApplicable].Excluded);
        Assert.Equal((4L, 1L, 2L), (story.Borough.Denominator, story.Borough.Excluded, story.Borough.Numerator));
        Assert.Equal(2m / 3m, story.Borough.Rate(story.Definition)!.Value, 5);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task CMS122_counts_poor_control_or_no_test_among_18_to_75_year_olds_with_a_visit(StorageProvider provider)
    {
        await using var w = await CreateAsync(provider);
        const string CheckUp = "185349003";
        const string Hospice = "305336008";
        Observation A1c(long id, DateTime at, double percent)
        {
            var o = Reading(id, "4548-4", at, percent, "%");
            o.CodeSystem = "http://loinc.org";
            return o;
        }
        // 2026/27 Q3 ends on 31 December 2026: the period is the calendar year 2026.
        var quarter = new FinancialQuarter(2026, 3);
        Task<long> Diabetic(DateOnly born, Action<List<object>, long> more) =>
            w.PersonAsync(born, w.PracticeA, (rows, id) => { rows.Add(Diagnosis(id, Type2, new DateOnly(2010, 1, 1))); more(rows, id); });
        var born = new DateOnly(1970, 6, 1);
        var poor = await Diabetic(born, (r, id) => { r.Add(Visit(id, CheckUp, U(2026, 3, 1))); r.Add(A1c(id, U(2026, 2, 1), 7.0)); r.Add(A1c(id, U(2026, 9, 1), 9.1)); });
        var atNine = await Diabetic(born, (r, id) => { r.Add(Visit(id, CheckUp, U(2026, 3, 1))); r.Add(A1c(id, U(2026, 9, 1), 9.0)); });
        var noTest = await Diabetic(born, (r, id) => r.Add(Visit(id, CheckUp, U(2026, 3, 1))));
        var lastYearsTest = await Diabetic(born, (r, id) => { r.Add(Visit(id, CheckUp, U(2026, 3, 1))); r.Add(A1c(id, U(2025, 12, 31), 6.0)); });
        var noVisit = await Diabetic(born, (r, id) => r.Add(A1c(id, U(2026, 9, 1), 12.0)));
        var plannedVisitOnly = await Diabetic(born, (r, id) => r.Add(Visit(id, CheckUp, U(2026, 3, 1), EncounterStatus.Planned)));
        var seventyFive = await Diabetic(new DateOnly(1951, 12, 31), (r, id) => r.Add(Visit(id, CheckUp, U(2026, 3, 1))));
        var seventySix = await Diabetic(new DateOnly(1950, 12, 31), (r, id) => r.Add(Visit(id, CheckUp, U(2026, 3, 1))));
        var inHospice = await Diabetic(born, (r, id) => { r.Add(Visit(id, CheckUp, U(2026, 3, 1))); r.Add(Visit(id, Hospice, U(2026, 10, 1))); });
        var ukReadingOnly = await Diabetic(born, (r, id) => { r.Add(Visit(id, CheckUp, U(2026, 3, 1))); r.Add(Reading(id, HbA1c, U(2026, 9, 1), 48, "mmol/mol")); });

        var (figures, s) = await w.EvaluateAsync(BuiltIn("cms122"), quarter);
        Assert.True(s[poor].Numerator);           // the latest test, 9.1%, not the earlier 7.0%
        Assert.False(s[atNine].Numerator);        // 9.0% is not above 9%
        Assert.True(s[noTest].Numerator);         // no test in the period counts as poor control
        Assert.True(s[lastYearsTest].Numerator);  // a test before the period is no test in it
        Assert.True(s[seventyFive].Numerator);
        Assert.True(s[inHospice].Excluded && !s[inHospice].Numerator);
        Assert.True(s[ukReadingOnly].Numerator);  // an IFCC reading is not an eCQM HbA1c test
        foreach (var outside in new[] { noVisit, plannedVisitOnly, seventySix }) Assert.False(s.ContainsKey(outside));
        Assert.Equal((7L, 1L, 5L), (figures.Borough.Denominator, figures.Borough.Excluded, figures.Borough.Numerator));
        Assert.Equal(Improvement.Decrease, figures.Definition.Improvement);

        // The UK adaptation reads the IFCC reading (48 mmol/mol: controlled).
        var (_, uk) = await w.EvaluateAsync(BuiltIn("cms122-uk-adapted"), quarter);
        Assert.False(uk[ukReadingOnly].Numerator);
        Assert.True(uk[poor].Numerator);
    }
}
