using System.Globalization;
using JoinedUp.Access;
using JoinedUp.Directory;
using JoinedUp.Directory.Catalogue;

namespace JoinedUp.Tests.Access;

/// <summary>Table-driven tests of the triage rules and engine. June 2025: the 2nd is a Monday, the 6th a Friday, the 8th a Sunday.</summary>
public class TriageEngineTests
{
    private static readonly ServiceCatalogue Catalogue = ServiceCatalogue.LoadDefault();
    private static readonly TriageRuleSet Rules = TriageRuleSet.LoadDefault();
    private static readonly string[] ServiceCodes = Catalogue.Services.Select(s => s.Code).ToArray();

    private static DateTime At(string text) => DateTime.ParseExact(text, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The catalogue's services, with optional waiting lists by code.</summary>
    private static List<TriageService> Services(params (string Code, int Waiting)[] waiting) =>
        Catalogue.Services.Select(s => new TriageService(s.Code, s.Name, s.MinAgeYears, s.MaxAgeYears, s.EligibleConditionCodes, s.BoroughResidentsOnly,
            s.Availability, s.OpenDays, s.OpensAt, s.ClosesAt, s.WeeklyCapacity, waiting.FirstOrDefault(w => w.Code == s.Code).Waiting, s.IsSensitive)).ToList();

    private static TriageService Service(string code) => Services().Single(s => s.Code == code);

    private static TriageService Custom(OpenDays days, string opens, string closes) =>
        new("custom", "Custom", null, null, [], false, ServiceAvailability.OutOfHours, days,
            TimeOnly.Parse(opens, CultureInfo.InvariantCulture), TimeOnly.Parse(closes, CultureInfo.InvariantCulture), 10, 0, false);

    private static TriageCase Case(string reason, int? age = 70, ReferralSource source = ReferralSource.Gp, string? requested = null,
        Urgency? requestedUrgency = null, bool? resident = true, string[]? conditions = null, string[]? reasonCodes = null,
        string? language = null, bool interpreter = false, bool advocacy = false) =>
        new(source, reason, reasonCodes ?? [], requested, requestedUrgency, age, resident, conditions ?? [], language, interpreter, advocacy);

    private static readonly DateTime TuesdayMorning = At("2025-06-03 10:00");

    // ---------------------------------------------------------------- opening hours

    public static TheoryData<string, string, bool> OpeningHours => new()
    {
        // In hours, weekdays 09:00-17:00 (adult audiology): OpensAt inclusive, ClosesAt exclusive, closed at weekends.
        { "adult-audiology", "2025-06-03 09:00", true },
        { "adult-audiology", "2025-06-03 08:59", false },
        { "adult-audiology", "2025-06-03 16:59", true },
        { "adult-audiology", "2025-06-03 17:00", false },
        { "adult-audiology", "2025-06-07 10:00", false },
        { "adult-audiology", "2025-06-08 10:00", false },
        // In hours every day 08:00-18:00 (stroke rehabilitation): open on Saturday too.
        { "stroke-rehab", "2025-06-07 08:00", true },
        { "stroke-rehab", "2025-06-07 18:00", false },
        // Out of hours every day 18:30-08:00.
        { "out-of-hours", "2025-06-03 18:30", true },
        { "out-of-hours", "2025-06-04 07:59", true },
        { "out-of-hours", "2025-06-04 08:00", false },
        { "out-of-hours", "2025-06-03 18:29", false },
        { "out-of-hours", "2025-06-03 00:00", true },
        { "out-of-hours", "2025-06-03 12:00", false },
        // 00:00-00:00 is open around the clock.
        { "spa", "2025-06-03 00:00", true },
        { "spa", "2025-06-03 23:59", true },
        { "spa", "2025-06-08 12:00", true },
    };

    [Theory]
    [MemberData(nameof(OpeningHours))]
    public void A_service_is_open_from_OpensAt_inclusive_to_ClosesAt_exclusive_on_its_open_days(string code, string at, bool open) =>
        Assert.Equal(open, TriageEngine.IsOpen(Service(code), At(at)));

    public static TheoryData<OpenDays, string, string, string, bool> OvernightSpans => new()
    {
        // Weekdays 18:30-08:00: Friday's span runs into Saturday; Sunday has no span, so Monday early morning is closed.
        { OpenDays.Weekdays, "18:30", "08:00", "2025-06-06 18:30", true },
        { OpenDays.Weekdays, "18:30", "08:00", "2025-06-07 07:59", true },
        { OpenDays.Weekdays, "18:30", "08:00", "2025-06-07 08:00", false },
        { OpenDays.Weekdays, "18:30", "08:00", "2025-06-07 18:30", false },
        { OpenDays.Weekdays, "18:30", "08:00", "2025-06-09 07:59", false },
        { OpenDays.Weekdays, "18:30", "08:00", "2025-06-09 18:30", true },
        // Weekend 20:00-06:00: Sunday's span runs into Monday; Monday itself does not open.
        { OpenDays.Weekend, "20:00", "06:00", "2025-06-09 05:59", true },
        { OpenDays.Weekend, "20:00", "06:00", "2025-06-09 06:00", false },
        { OpenDays.Weekend, "20:00", "06:00", "2025-06-09 20:00", false },
        { OpenDays.Weekend, "20:00", "06:00", "2025-06-07 02:00", false },
        { OpenDays.Weekend, "20:00", "06:00", "2025-06-08 02:00", true },
        // 00:00-00:00 on weekdays: all day Monday to Friday, not on Saturday.
        { OpenDays.Weekdays, "00:00", "00:00", "2025-06-06 23:59", true },
        { OpenDays.Weekdays, "00:00", "00:00", "2025-06-07 00:00", false },
        { OpenDays.Everyday, "00:00", "00:00", "2025-06-07 00:00", true },
        { OpenDays.None, "00:00", "00:00", "2025-06-07 12:00", false },
    };

    [Theory]
    [MemberData(nameof(OvernightSpans))]
    public void An_overnight_span_belongs_to_the_day_it_opened(OpenDays days, string opens, string closes, string at, bool open) =>
        Assert.Equal(open, TriageEngine.IsOpen(Custom(days, opens, closes), At(at)));

    // ---------------------------------------------------------------- urgency

    public static TheoryData<string, ReferralSource, Urgency?, Urgency, string> UrgencyCases => new()
    {
        { "Fell at home this morning and unable to get up", ReferralSource.Carer, null, Urgency.Within2Hours,
            "Urgent community response (within 2 hours): the reason mentions \"fell\"" },
        { "Palliative patient, family report rapid change", ReferralSource.Gp, null, Urgency.Within2Hours,
            "Palliative or end of life crisis (within 2 hours): the reason mentions \"palliative\"" },
        { "Catheter blocked since last night", ReferralSource.Self, null, Urgency.Within2Hours, "the reason mentions \"catheter blocked\"" },
        { "Home after hip replacement, needs review", ReferralSource.HospitalDischarge, null, Urgency.Within2Days,
            "Hospital discharge follow-up (within 2 days): the referral came from hospital discharge" },
        { "Wound infection on left shin", ReferralSource.Gp, null, Urgency.Within2Days, "Wound infection (within 2 days)" },
        // The highest matching rule wins, whatever the order of the rules.
        { "Discharged yesterday; had a fall overnight", ReferralSource.HospitalDischarge, null, Urgency.Within2Hours, "the reason mentions \"fall\"" },
        // Whole words only: "waterfall" is not a fall.
        { "Photo of a waterfall in the waiting room upsets her", ReferralSource.Gp, null, Urgency.Routine, "No urgency rule matched" },
        { "Toenail cutting", ReferralSource.Gp, null, Urgency.Routine, "No urgency rule matched: routine" },
        // A referrer's higher request is kept; a lower one is not.
        { "Toenail cutting", ReferralSource.Gp, Urgency.Within2Days, Urgency.Within2Days, "the referrer asked for within 2 days" },
        { "Fallen in the garden", ReferralSource.Gp, Urgency.Routine, Urgency.Within2Hours, "the reason mentions \"fallen\"" },
        { "FALLS x3 THIS WEEK", ReferralSource.Gp, null, Urgency.Within2Hours, "the reason mentions \"falls\"" },
    };

    [Theory]
    [MemberData(nameof(UrgencyCases))]
    public void Urgency_is_the_highest_matching_rule_or_the_referrers_higher_request(string reason, ReferralSource source, Urgency? requested, Urgency expected, string because)
    {
        var s = TriageEngine.Suggest(Rules, Case(reason, source: source, requestedUrgency: requested), Services(), TuesdayMorning);
        Assert.Equal(expected, s.Urgency);
        Assert.Contains(because, s.UrgencyReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reason_code_matches_an_urgency_rule()
    {
        var s = TriageEngine.Suggest(Rules, Case("See letter", reasonCodes: ["1912002"]), Services(), TuesdayMorning);
        Assert.Equal(Urgency.Within2Hours, s.Urgency);
        Assert.Contains("SNOMED 1912002", s.UrgencyReason, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- routing and eligibility

    public static TheoryData<string, int?, bool?, string[], string, bool, string?> EligibilityCases => new()
    {
        // Age limits are inclusive at both ends.
        { "adult-audiology", 18, true, [], "adult-audiology", true, null },
        { "adult-audiology", 17, true, [], "adult-audiology", false, "aged 17; the service takes people aged 18 and over" },
        { "children-audiology", 17, true, [], "children-audiology", true, null },
        { "children-audiology", 18, true, [], "children-audiology", false, "aged 18; the service takes people aged 17 and under" },
        { "advocacy", 16, true, [], "advocacy", true, null },
        // A service that needs a condition.
        { "community-diabetes", 50, true, [], "community-diabetes", false, "has none of the conditions the service takes (SNOMED 73211009, 44054006, 46635009)" },
        { "community-diabetes", 50, true, ["44054006"], "community-diabetes", true, null },
        // Residency.
        { "foot-health", 50, false, [], "foot-health", false, "lives outside the borough" },
        { "interpreting", 50, false, [], "interpreting", true, null },
        { "foot-health", 50, null, [], "foot-health", true, "residency not known yet: check before routing" },
        // Unknown age is flagged but not refused.
        { "foot-health", null, true, [], "foot-health", true, "age not known yet: check before routing" },
    };

    [Theory]
    [MemberData(nameof(EligibilityCases))]
    public void The_requested_service_is_checked_for_age_condition_and_residency(string requested, int? age, bool? resident, string[] conditions,
        string code, bool eligible, string? reason)
    {
        var s = TriageEngine.Suggest(Rules, Case("Please assess", age: age, requested: requested, resident: resident, conditions: conditions), Services(), TuesdayMorning);
        var check = Assert.Single(s.Checks, c => c.ServiceCode == code);
        Assert.Equal(eligible, check.Eligible);
        Assert.Equal(eligible, s.Routes.Any(r => r.ServiceCode == code));
        if (reason is null) Assert.Empty(check.Reasons);
        else Assert.Contains(check.Reasons, r => r.Contains(reason, StringComparison.Ordinal));
        if (eligible && reason is not null) Assert.Contains(s.Notes, n => n.Contains(reason, StringComparison.Ordinal));
        if (eligible) Assert.Equal("requested by the referrer", s.Routes[0].Reason);
    }

    public static TheoryData<string, int?, string[], string[]> RouteCases => new()
    {
        { "Left-sided weakness after stroke", 72, ["230690007"], ["stroke-rehab"] },
        { "Diabetic foot check, callus on heel", 64, ["44054006"], ["community-diabetes", "foot-health"] },
        { "Housebound, needs B12 injection", 88, [], ["adult-community-nursing"] },
        { "Not talking at 3, speech delay", 3, [], ["children-salt"] },
        { "Hearing loss in both ears", 8, [], ["children-audiology"] },
        { "Hearing loss in both ears", 60, [], ["adult-audiology"] },
        { "Hearing voices, possible psychosis", 30, [], ["community-mental-health"] },
        { "Low mood since COPD diagnosis", 58, ["13645005"], ["adult-psychology"] },
        { "School nurse raises safeguarding concern, unexplained bruising", 9, [], ["children-safeguarding"] },
        // Unknown age: both age-banded services are candidates, each flagged.
        { "Hearing loss in both ears", null, [], ["children-audiology", "adult-audiology"] },
    };

    [Theory]
    [MemberData(nameof(RouteCases))]
    public void Route_rules_suggest_services_by_keyword_condition_and_age_band(string reason, int? age, string[] conditions, string[] expected)
    {
        var s = TriageEngine.Suggest(Rules, Case(reason, age: age, conditions: conditions), Services(), TuesdayMorning);
        Assert.Equal(expected, s.Routes.Select(r => r.ServiceCode));
        Assert.All(s.Routes, r => Assert.Contains(s.Checks, c => c.ServiceCode == r.ServiceCode && c.Eligible));
    }

    [Fact]
    public void A_stroke_without_the_stroke_condition_is_checked_but_not_routed()
    {
        var s = TriageEngine.Suggest(Rules, Case("Possible stroke last year", age: 70), Services(), TuesdayMorning);
        var check = Assert.Single(s.Checks, c => c.ServiceCode == "stroke-rehab");
        Assert.False(check.Eligible);
        Assert.Contains("230690007", check.Reasons[0], StringComparison.Ordinal);
        // Its alternative (rehabilitation beds) takes anyone 18 and over, so the rule routes there instead.
        Assert.Equal("inpatient-rehab-beds", Assert.Single(s.Routes).ServiceCode);
        Assert.Contains("not eligible", s.Routes[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void No_eligible_service_leaves_routes_empty_with_a_note()
    {
        var s = TriageEngine.Suggest(Rules, Case("Please see", requested: "adult-audiology", age: 12), Services(), TuesdayMorning);
        Assert.Empty(s.Routes);
        Assert.False(Assert.Single(s.Checks).Eligible);
        Assert.Contains("No rule found an eligible service: choose services by hand and give a reason.", s.Notes);
    }

    [Fact]
    public void The_requested_service_comes_first_and_is_not_repeated_by_a_rule()
    {
        var s = TriageEngine.Suggest(Rules, Case("Toenail cutting and diabetic foot check", requested: "foot-health", conditions: ["73211009"]), Services(), TuesdayMorning);
        Assert.Equal(["foot-health", "community-diabetes"], s.Routes.Select(r => r.ServiceCode));
        Assert.Equal("requested by the referrer", s.Routes[0].Reason);
        Assert.Equal(s.Checks.Count, s.Checks.Select(c => c.ServiceCode).Distinct().Count());
    }

    // ---------------------------------------------------------------- out of hours

    public static TheoryData<string, string, Urgency, bool, string[]> OutOfHoursCases => new()
    {
        // Urgent at 23:00 on a Tuesday: community nursing (08:00-22:00) is closed; the out-of-hours service is added.
        { "Fell at home, unable to get up", "2025-06-03 23:00", Urgency.Within2Hours, true, ["adult-community-nursing", "out-of-hours"] },
        { "Fell at home, unable to get up", "2025-06-04 07:59", Urgency.Within2Hours, true, ["adult-community-nursing", "out-of-hours"] },
        // 22:00 exactly: nursing (08:00-22:00) has just closed; the out-of-hours service (18:30-08:00) is open.
        { "Fell at home, unable to get up", "2025-06-03 22:00", Urgency.Within2Hours, true, ["adult-community-nursing", "out-of-hours"] },
        // In hours: no rerouting.
        { "Fell at home, unable to get up", "2025-06-03 10:00", Urgency.Within2Hours, false, ["adult-community-nursing"] },
        { "Wound infection on shin", "2025-06-07 23:30", Urgency.Within2Days, true, ["adult-community-nursing", "out-of-hours"] },
        // Routine referrals wait for the service to open.
        { "Leg ulcer dressings twice weekly", "2025-06-03 23:00", Urgency.Routine, false, ["adult-community-nursing"] },
    };

    [Theory]
    [MemberData(nameof(OutOfHoursCases))]
    public void Urgent_referrals_to_a_closed_service_add_the_out_of_hours_service(string reason, string at, Urgency urgency, bool outOfHours, string[] routes)
    {
        var s = TriageEngine.Suggest(Rules, Case(reason), Services(), At(at));
        Assert.Equal(urgency, s.Urgency);
        Assert.Equal(outOfHours, s.OutOfHours);
        Assert.Equal(routes, s.Routes.Select(r => r.ServiceCode));
        Assert.All(s.Routes, r => Assert.Equal(TriageEngine.IsOpen(Service(r.ServiceCode), At(at)), r.OpenNow));
    }

    [Fact]
    public void The_out_of_hours_route_says_what_is_closed_and_when_it_opens()
    {
        var s = TriageEngine.Suggest(Rules, Case("Left-sided weakness after stroke", source: ReferralSource.HospitalDischarge, conditions: ["230690007"]),
            Services(("inpatient-rehab-beds", 60)), At("2025-06-03 19:00"));
        Assert.Equal(Urgency.Within2Days, s.Urgency);
        Assert.True(s.OutOfHours);
        Assert.Equal(["stroke-rehab", "out-of-hours"], s.Routes.Select(r => r.ServiceCode));
        Assert.False(s.Routes[0].OpenNow);
        Assert.True(s.Routes[1].OpenNow);
        Assert.Equal("Stroke rehabilitation is closed now (opens tomorrow 08:00); Out of hours community service is open", s.Routes[1].Reason);
    }

    [Fact]
    public void A_non_resident_cannot_be_covered_out_of_hours_and_the_coordinator_is_told()
    {
        var s = TriageEngine.Suggest(Rules, Case("Fell at home", requested: "interpreting", resident: false), Services(), At("2025-06-03 23:30"));
        Assert.True(s.OutOfHours);
        Assert.DoesNotContain(s.Routes, r => r.ServiceCode == "out-of-hours");
        Assert.Contains(s.Notes, n => n.Contains("lives outside the borough", StringComparison.Ordinal) && n.Contains("arrange urgent cover by hand", StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- capacity

    [Theory]
    [InlineData(0, 15, 0)]
    [InlineData(1, 15, 1)]
    [InlineData(15, 15, 7)]
    [InlineData(16, 15, 8)]
    [InlineData(400, 80, 35)]
    [InlineData(10, 0, null)]
    [InlineData(10, -1, null)]
    public void Expected_wait_is_waiting_times_seven_over_weekly_capacity_rounded_up(int waiting, int capacity, int? days) =>
        Assert.Equal(days, TriageEngine.ExpectedWaitDays(Service("foot-health") with { Waiting = waiting, WeeklyCapacity = capacity }));

    [Theory]
    [InlineData(30, 3, "inpatient-rehab-beds", "Inpatient rehabilitation beds has the shortest expected wait (Stroke rehabilitation 14 days, Inpatient rehabilitation beds 2 days)")]
    [InlineData(0, 3, "stroke-rehab", "Stroke rehabilitation has the shortest expected wait (Stroke rehabilitation 0 days, Inpatient rehabilitation beds 2 days)")]
    [InlineData(15, 12, "stroke-rehab", "Stroke rehabilitation comes first of equal expected waits (Stroke rehabilitation 7 days, Inpatient rehabilitation beds 7 days)")]
    public void Alternatives_prefer_the_eligible_service_with_the_shortest_wait(int strokeWaiting, int bedsWaiting, string expected, string because)
    {
        var s = TriageEngine.Suggest(Rules, Case("After stroke, needs rehabilitation", conditions: ["230690007"]),
            Services(("stroke-rehab", strokeWaiting), ("inpatient-rehab-beds", bedsWaiting)), TuesdayMorning);
        var route = Assert.Single(s.Routes);
        Assert.Equal(expected, route.ServiceCode);
        Assert.EndsWith(because, route.Reason, StringComparison.Ordinal);
        Assert.Equal(2, s.Checks.Count);
    }

    [Theory]
    [InlineData("Toenail cutting", 400, Urgency.Routine, "Foot health (podiatry) expects a 35-day wait, over the 28-day routine target.")]
    [InlineData("Toenail cutting", 320, Urgency.Routine, null)]  // exactly 28 days is on target
    [InlineData("Toenail cutting, wound infection", 24, Urgency.Within2Days, "Foot health (podiatry) expects a 3-day wait, over the 2-day within 2 days target.")]
    [InlineData("Toenail cutting, fell yesterday", 1, Urgency.Within2Hours, "Foot health (podiatry) expects a 1-day wait, over the same-day within 2 hours target.")]
    [InlineData("Toenail cutting, wound infection", 12, Urgency.Within2Days, null)]  // 2 days is on target
    public void A_wait_over_the_urgency_target_is_noted(string reason, int waiting, Urgency urgency, string? note)
    {
        var s = TriageEngine.Suggest(Rules, Case(reason), Services(("foot-health", waiting)), TuesdayMorning);
        Assert.Equal(urgency, s.Urgency);
        var route = s.Routes.Single(r => r.ServiceCode == "foot-health");
        Assert.Equal(TriageEngine.ExpectedWaitDays(Service("foot-health") with { Waiting = waiting }), route.ExpectedWaitDays);
        if (note is null) Assert.DoesNotContain(s.Notes, n => n.StartsWith("Foot health (podiatry) expects", StringComparison.Ordinal));
        else Assert.Contains(note, s.Notes);
    }

    // ---------------------------------------------------------------- bookings

    [Theory]
    [InlineData("bn", false, "Bengali interpreter")]
    [InlineData("bn-BD", false, "Bengali interpreter")]
    [InlineData("so", false, "Somali interpreter")]
    [InlineData("sgn", true, "British Sign Language interpreter")]
    [InlineData("bfi", false, "British Sign Language interpreter")]
    [InlineData("xh", false, "xh interpreter")]
    [InlineData(null, true, "Interpreter (language not recorded: ask the person)")]
    [InlineData("en", false, null)]
    [InlineData("en-GB", false, null)]
    [InlineData(null, false, null)]
    public void An_interpreter_is_booked_for_a_language_other_than_english_or_when_needed(string? language, bool needed, string? detail)
    {
        var s = TriageEngine.Suggest(Rules, Case("Toenail cutting", language: language, interpreter: needed), Services(), TuesdayMorning);
        if (detail is null) Assert.Empty(s.Bookings);
        else Assert.Equal(new Booking("interpreter", "interpreting", detail), Assert.Single(s.Bookings));
    }

    [Theory]
    [InlineData(40, true, null)]
    [InlineData(16, true, null)]
    [InlineData(12, false, "aged 12; the service takes people aged 16 and over")]
    public void Advocacy_is_booked_only_when_the_advocacy_service_can_take_the_person(int age, bool booked, string? note)
    {
        var s = TriageEngine.Suggest(Rules, Case("Hearing loss", age: age, advocacy: true), Services(), TuesdayMorning);
        Assert.Equal(booked, s.Bookings.Any(b => b is { Kind: "advocacy", ServiceCode: "advocacy" }));
        if (note is not null) Assert.Contains(s.Notes, n => n.Contains("Advocacy was requested", StringComparison.Ordinal) && n.Contains(note, StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- review of the coordinator's choice

    private static readonly TriageCase FootCase = Case("Toenail cutting", age: 70);

    public static TheoryData<string[], Urgency, string?, bool, string[], string[]> ChoiceCases => new()
    {
        // Same as suggested: no override, reason optional.
        { ["foot-health"], Urgency.Routine, null, false, [], [] },
        // Urgency changed without a reason: the problem names the change.
        { ["foot-health"], Urgency.Within2Hours, null, true, ["urgency changed from Routine to Within 2 hours"], ["urgency changed from Routine to Within 2 hours"] },
        { ["foot-health"], Urgency.Within2Hours, "  too short ", true, ["urgency changed from Routine to Within 2 hours"], ["give the reason"] },
        { ["foot-health"], Urgency.Within2Hours, "Daughter reports a fall this morning", true, ["urgency changed from Routine to Within 2 hours"], [] },
        // Services added and removed.
        { ["adult-community-nursing"], Urgency.Routine, null, true, ["added Adult community (district) nursing", "removed Foot health (podiatry)"], ["added Adult community (district) nursing; removed Foot health (podiatry)"] },
        { ["adult-community-nursing"], Urgency.Routine, "Housebound, podiatry visits via nursing", true, ["added Adult community (district) nursing", "removed Foot health (podiatry)"], [] },
        // An ineligible service needs a reason and the difference says why it is ineligible.
        { ["foot-health", "community-diabetes"], Urgency.Routine, null, true, ["added Community diabetes and education, which is not eligible: has none of the conditions"], ["not eligible"] },
        { ["foot-health", "community-diabetes"], Urgency.Routine, "Diagnosed last week, not yet coded", true, ["added Community diabetes and education, which is not eligible: has none of the conditions"], [] },
        // Nothing chosen; unknown codes.
        { [], Urgency.Routine, null, true, ["removed Foot health (podiatry)"], ["No service is chosen", "give the reason"] },
        { ["foot-health", "nope"], Urgency.Routine, null, false, [], ["'nope' is not a known service"] },
        // Duplicates count once.
        { ["foot-health", "foot-health"], Urgency.Routine, null, false, [], [] },
    };

    [Theory]
    [MemberData(nameof(ChoiceCases))]
    public void A_choice_that_differs_from_the_suggestion_is_an_override_and_needs_a_reason(string[] codes, Urgency urgency, string? reason,
        bool isOverride, string[] differences, string[] problems)
    {
        var services = Services();
        var suggestion = TriageEngine.Suggest(Rules, FootCase, services, TuesdayMorning);
        Assert.Equal(["foot-health"], suggestion.Routes.Select(r => r.ServiceCode));
        var review = TriageEngine.ReviewChoice(suggestion, new TriageChoice(codes, urgency, reason), services, FootCase);
        Assert.Equal(isOverride, review.IsOverride);
        Assert.Equal(differences.Length, review.Differences.Count);
        foreach (var d in differences) Assert.Contains(review.Differences, x => x.StartsWith(d, StringComparison.Ordinal));
        Assert.Equal(problems.Length == 0, review.Problems.Count == 0);
        foreach (var p in problems) Assert.Contains(review.Problems, x => x.Contains(p, StringComparison.Ordinal));
    }

    // ---------------------------------------------------------------- the rule set

    [Fact]
    public void The_default_rules_load_and_name_only_catalogue_services()
    {
        var rules = TriageRuleSet.LoadDefault();
        Assert.Equal(1, rules.Version);
        Assert.NotEmpty(rules.UrgencyRules);
        Assert.NotEmpty(rules.RouteRules);
        var named = rules.RouteRules.SelectMany(r => r.Alternatives.Append(r.Service))
            .Append(rules.OutOfHours.Service).Append(rules.Interpreter.Service).Append(rules.Advocacy.Service);
        Assert.All(named, code => Assert.Contains(code, ServiceCodes));
        Assert.Equal([0, 2, 28], new[] { Urgency.Within2Hours, Urgency.Within2Days, Urgency.Routine }.Select(rules.TargetDays));
        Assert.Equal("out-of-hours", rules.OutOfHours.Service);
    }

    [Fact]
    public void The_rules_round_trip_through_json_with_the_stored_version()
    {
        var json = Rules.ToJson();
        var again = TriageRuleSet.Parse(json, ServiceCodes, 7, "round trip");
        Assert.Equal(7, again.Version);
        Assert.Equal(json.Replace("\"version\": 1", "\"version\": 7", StringComparison.Ordinal), again.ToJson());
        Assert.Equal(Rules.RouteRules.Count, again.RouteRules.Count);
    }

    public static TheoryData<string, string[]> BadRuleSets => new()
    {
        {
            """
            {
              "targetDays": { "Within2Hours": 0, "Within2Days": 2, "Routine": 28 },
              "urgencyRules": [
                { "id": "a", "label": "A", "urgency": "Soon", "when": { "keywords": ["fall", " "] } },
                { "id": "a", "label": "A again", "urgency": "Routine", "when": { "keywords": ["x"] } },
                { "id": "b", "label": "B", "urgency": "Routine", "when": { "keyword": ["x"], "sources": ["Postman"] } }
              ],
              "routeRules": [
                { "id": "c", "label": "C", "service": "chiropody", "alternatives": ["Foot-Health"], "when": { "conditionCodes": ["diabetes"] } },
                { "id": "d", "label": "D", "service": "foot-health", "when": {} }
              ],
              "outOfHours": { "service": "out-of-hours", "urgencies": ["Within2Hours", "Urgent"] },
              "interpreter": { "service": "interpreting", "languages": { "bn": "" } },
              "advocacy": { "service": "advocacy", "email": "x@example.org" }
            }
            """,
            [
                "urgency 'Soon' is not known",
                "keyword 2 (' ') is empty",
                "rule id 'a' appears more than once",
                "unknown property 'keyword'",
                "source 'Postman' is not known",
                "service 'chiropody' is not a service in the catalogue",
                "alternative 'Foot-Health' is not a service code; did you mean 'foot-health'?",
                "'diabetes' is not a SNOMED CT concept id",
                "routeRules[1] (d) 'when': says nothing",
                "urgency 'Urgent' is not known",
                "language 'bn' needs a name",
                "'advocacy': unknown property 'email'",
            ]
        },
        {
            """{ "targetDays": { "Within2Hours": 0, "Soon": 1 }, "urgencyRules": [], "routeRules": [], "outOfHours": { "service": "out-of-hours", "urgencies": ["Within2Hours"] }, "interpreter": { "service": "interpreting" } }""",
            ["'Soon' is not an urgency", "the target for 'Within2Days' is missing", "the target for 'Routine' is missing", "'advocacy' is missing"]
        },
        {
            "{\n  \"targetDays\": {},\n  \"urgencyRules\": [\n    { \"id\": \"a\" oops }\n  ]\n}",
            ["not valid JSON at line 4, column"]
        },
        { "[1, 2]", ["must be a JSON object"] },
    };

    [Theory]
    [MemberData(nameof(BadRuleSets))]
    public void A_bad_rule_set_is_refused_with_every_problem_listed(string json, string[] problems)
    {
        var ex = Assert.Throws<TriageRulesException>(() => TriageRuleSet.Parse(json, ServiceCodes, 2, "bad.json"));
        Assert.Contains("bad.json", ex.Message, StringComparison.Ordinal);
        foreach (var p in problems) Assert.Contains(ex.Problems, x => x.Contains(p, StringComparison.Ordinal));
        Assert.Equal(problems.Length, ex.Problems.Count);
    }

    [Fact]
    public void The_engine_gives_the_same_answer_twice()
    {
        var referral = Case("Fell at home, diabetic, foot ulcer", conditions: ["44054006"], language: "bn", advocacy: true);
        var services = Services(("foot-health", 90), ("community-diabetes", 10));
        var a = TriageEngine.Suggest(Rules, referral, services, At("2025-06-07 21:00"));
        var b = TriageEngine.Suggest(Rules, referral, services, At("2025-06-07 21:00"));
        Assert.Equal(a.Urgency, b.Urgency);
        Assert.Equal(a.UrgencyReason, b.UrgencyReason);
        Assert.Equal(a.Routes, b.Routes);
        Assert.Equal(a.Notes, b.Notes);
        Assert.Equal(a.Bookings, b.Bookings);
        Assert.Equal(a.Checks.Select(c => (c.ServiceCode, c.Eligible, string.Join("|", c.Reasons))), b.Checks.Select(c => (c.ServiceCode, c.Eligible, string.Join("|", c.Reasons))));
    }
}
