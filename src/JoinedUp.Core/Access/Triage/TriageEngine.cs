using System.Globalization;
using JoinedUp.Directory;

namespace JoinedUp.Access;

/// <summary>A service as triage sees it: the catalogue's eligibility and hours, with its weekly capacity and how many referrals are waiting for it now.</summary>
public sealed record TriageService(string Code, string Name, int? MinAgeYears, int? MaxAgeYears, IReadOnlyList<string> EligibleConditionCodes,
    bool BoroughResidentsOnly, ServiceAvailability Availability, OpenDays OpenDays, TimeOnly OpensAt, TimeOnly ClosesAt,
    int WeeklyCapacity, int Waiting, bool Sensitive);

/// <summary>What is known about the referral and the person. AgeYears/BoroughResident null = not known yet (e.g. an unmatched self-referral).</summary>
public sealed record TriageCase(ReferralSource Source, string Reason, IReadOnlyList<string> ReasonCodes, string? RequestedServiceCode, Urgency? RequestedUrgency,
    int? AgeYears, bool? BoroughResident, IReadOnlyList<string> ConditionCodes, string? PreferredLanguage, bool InterpreterNeeded, bool AdvocacyRequested);

/// <summary>Whether a service can take the person. Reasons: why not, or what to check first (empty when eligible with nothing to check).</summary>
public sealed record ServiceCheck(string ServiceCode, string ServiceName, bool Eligible, IReadOnlyList<string> Reasons);

/// <summary>A suggested service, why, its expected wait in days (null: no capacity recorded) and whether it is open at the time of triage.</summary>
public sealed record RouteSuggestion(string ServiceCode, string ServiceName, string Reason, int? ExpectedWaitDays, bool OpenNow);

/// <summary>A booking to make alongside the routes. Kind is "interpreter" or "advocacy".</summary>
public sealed record Booking(string Kind, string ServiceCode, string Detail);

/// <summary>The engine's suggestion for one referral, with its reasons. Checks holds every service considered, eligible or not.</summary>
public sealed record TriageSuggestion(int RuleSetVersion, Urgency Urgency, string UrgencyReason, IReadOnlyList<RouteSuggestion> Routes,
    IReadOnlyList<ServiceCheck> Checks, IReadOnlyList<Booking> Bookings, bool OutOfHours, IReadOnlyList<string> Notes);

/// <summary>What the coordinator chose.</summary>
public sealed record TriageChoice(IReadOnlyList<string> ServiceCodes, Urgency Urgency, string? OverrideReason);

/// <summary>IsOverride: the choice differs from the suggestion. Differences: each difference in words. Problems: what to fix before it can be recorded (empty = OK).</summary>
public sealed record ChoiceReview(bool IsOverride, IReadOnlyList<string> Differences, IReadOnlyList<string> Problems);

/// <summary>
/// The single point of access's triage engine: evaluates a <see cref="TriageRuleSet"/> against one referral, the
/// services (with their current waiting lists) and the UK local time. Pure and deterministic: no I/O, no clock, no
/// shared state that changes a result.
/// </summary>
public static class TriageEngine
{
    /// <summary>Minimum override reason length, after trimming.</summary>
    public const int MinimumOverrideReasonLength = 10;

    [ThreadStatic]
    private static Range[]? wordBuffer;

    /// <summary>Suggests urgency, routes, bookings and notes for <paramref name="referral"/> at <paramref name="ukLocalNow"/>.</summary>
    public static TriageSuggestion Suggest(TriageRuleSet rules, TriageCase referral, IReadOnlyList<TriageService> services, DateTime ukLocalNow)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(referral);
        ArgumentNullException.ThrowIfNull(services);

        var words = wordBuffer ?? new Range[32];
        var reason = new ReasonWords(referral.Reason ?? "", words, TriageText.WordRanges(referral.Reason ?? "", ref words));
        wordBuffer = words;

        var (urgency, urgencyReason) = SuggestUrgency(rules, referral, reason);

        var checks = new List<ServiceCheck>();
        var routes = new List<RouteSuggestion>();
        var notes = new List<string>();

        if (!string.IsNullOrWhiteSpace(referral.RequestedServiceCode))
        {
            var code = referral.RequestedServiceCode.Trim();
            var check = Check(code, services, referral, checks);
            if (check.Eligible) AddRoute(routes, Find(services, code)!, "requested by the referrer", ukLocalNow);
        }

        foreach (var rule in rules.RouteRules)
        {
            if (ContainsRoute(routes, rule.Service) && rule.Alternatives.Count == 0) continue;
            var why = Match(rule.When, reason, referral);
            if (why is null) continue;
            RouteByRule(rule, why, services, referral, ukLocalNow, checks, routes);
        }

        var outOfHours = false;
        if (routes.Count > 0 && Contains(rules.OutOfHours.Urgencies, urgency))
        {
            outOfHours = CoverOutOfHours(rules.OutOfHours.Service, services, referral, ukLocalNow, checks, routes, notes);
        }

        if (routes.Count == 0)
        {
            notes.Add("No rule found an eligible service: choose services by hand and give a reason.");
        }

        var target = rules.TargetDays(urgency);
        foreach (var route in routes)
        {
            var check = FindCheck(checks, route.ServiceCode);
            if (check is { Reasons.Count: > 0 }) notes.Add($"{route.ServiceName}: {string.Join("; ", check.Reasons)}.");
            if (route.ExpectedWaitDays is null) notes.Add($"{route.ServiceName} has no weekly capacity recorded, so its wait cannot be estimated.");
            else if (route.ExpectedWaitDays > target)
            {
                var targetWords = target == 0 ? "same-day" : $"{target}-day";
                notes.Add($"{route.ServiceName} expects a {route.ExpectedWaitDays}-day wait, over the {targetWords} {Lower(urgency)} target.");
            }
            if (Find(services, route.ServiceCode) is { Sensitive: true }) notes.Add($"{route.ServiceName} is a sensitive service: its records are seen only by its own team and the person.");
        }

        var bookings = Bookings(rules, referral, services, notes);
        return new TriageSuggestion(rules.Version, urgency, urgencyReason, routes, checks, bookings, outOfHours, notes);
    }

    /// <summary>Checks age (inclusive bounds), conditions (one of the service's among the person's conditions or the reason codes) and residency.</summary>
    public static ServiceCheck CheckEligibility(TriageService service, TriageCase referral)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(referral);
        List<string>? reasons = null;
        var eligible = true;
        var ageLimited = service.MinAgeYears is > 0 || service.MaxAgeYears is not null;
        if (referral.AgeYears is { } age)
        {
            if ((service.MinAgeYears is { } min && age < min) || (service.MaxAgeYears is { } max && age > max))
            {
                eligible = false;
                (reasons ??= []).Add($"aged {age}; the service takes people aged {AgeBand(service.MinAgeYears, service.MaxAgeYears)}");
            }
        }
        else if (ageLimited)
        {
            (reasons ??= []).Add($"age not known yet: check before routing (the service takes people aged {AgeBand(service.MinAgeYears, service.MaxAgeYears)})");
        }

        if (service.EligibleConditionCodes.Count > 0 && !AnyShared(service.EligibleConditionCodes, referral.ConditionCodes) && !AnyShared(service.EligibleConditionCodes, referral.ReasonCodes))
        {
            eligible = false;
            (reasons ??= []).Add($"has none of the conditions the service takes (SNOMED {string.Join(", ", service.EligibleConditionCodes)})");
        }

        if (service.BoroughResidentsOnly)
        {
            if (referral.BoroughResident == false)
            {
                eligible = false;
                (reasons ??= []).Add("lives outside the borough; the service takes borough residents only");
            }
            else if (referral.BoroughResident is null)
            {
                (reasons ??= []).Add("residency not known yet: check before routing (the service takes borough residents only)");
            }
        }
        return new ServiceCheck(service.Code, service.Name, eligible, reasons ?? (IReadOnlyList<string>)[]);
    }

    /// <summary>
    /// Opening hours: a service is open on an open day from OpensAt (inclusive) to ClosesAt (exclusive); ClosesAt &lt;= OpensAt
    /// means it runs overnight into the next day (00:00-00:00 = 24 hours); an overnight span belongs to the day it opened
    /// (open Friday 18:30 → open Saturday 07:59 even if Saturday is not an open day).
    /// </summary>
    public static bool IsOpen(TriageService service, DateTime ukLocal)
    {
        ArgumentNullException.ThrowIfNull(service);
        var time = TimeOnly.FromDateTime(ukLocal);
        var today = OpensOn(service.OpenDays, ukLocal.DayOfWeek);
        if (service.OpensAt < service.ClosesAt)
        {
            return today && time >= service.OpensAt && time < service.ClosesAt;
        }
        if (today && time >= service.OpensAt) return true;
        var yesterday = OpensOn(service.OpenDays, ukLocal.DayOfWeek == DayOfWeek.Sunday ? DayOfWeek.Saturday : ukLocal.DayOfWeek - 1);
        return yesterday && time < service.ClosesAt;
    }

    /// <summary>ceil(Waiting * 7 / WeeklyCapacity) days; null when WeeklyCapacity &lt;= 0.</summary>
    public static int? ExpectedWaitDays(TriageService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.WeeklyCapacity <= 0) return null;
        var waiting = Math.Max(0L, service.Waiting);
        return (int)((waiting * 7 + service.WeeklyCapacity - 1) / service.WeeklyCapacity);
    }

    /// <summary>
    /// Compares the coordinator's choice with the suggestion. Any difference (urgency, a service added or removed, an
    /// ineligible service chosen) is an override and needs a reason of at least <see cref="MinimumOverrideReasonLength"/> characters.
    /// </summary>
    public static ChoiceReview ReviewChoice(TriageSuggestion suggestion, TriageChoice choice, IReadOnlyList<TriageService> services, TriageCase referral)
    {
        ArgumentNullException.ThrowIfNull(suggestion);
        ArgumentNullException.ThrowIfNull(choice);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(referral);
        var differences = new List<string>();
        var problems = new List<string>();

        var chosen = new List<TriageService>();
        foreach (var raw in choice.ServiceCodes ?? [])
        {
            var code = raw?.Trim() ?? "";
            if (code.Length == 0)
            {
                problems.Add("A blank service code was chosen: remove it or choose a service.");
                continue;
            }
            if (Find(services, code) is not { } service)
            {
                problems.Add($"'{code}' is not a known service: choose services from the catalogue.");
                continue;
            }
            if (!chosen.Contains(service)) chosen.Add(service);
        }
        if ((choice.ServiceCodes?.Count ?? 0) == 0) problems.Add("No service is chosen: choose at least one service.");

        if (choice.Urgency != suggestion.Urgency)
        {
            differences.Add($"urgency changed from {Display(suggestion.Urgency)} to {Display(choice.Urgency)}");
        }
        foreach (var service in chosen)
        {
            var suggested = ContainsRoute(suggestion.Routes, service.Code);
            var check = FindCheck(suggestion.Checks, service.Code) ?? CheckEligibility(service, referral);
            if (!check.Eligible)
            {
                differences.Add($"{(suggested ? "chose" : "added")} {service.Name}, which is not eligible: {string.Join("; ", check.Reasons)}");
            }
            else if (!suggested)
            {
                differences.Add($"added {service.Name}");
            }
        }
        foreach (var route in suggestion.Routes)
        {
            if (!chosen.Exists(s => string.Equals(s.Code, route.ServiceCode, StringComparison.Ordinal))) differences.Add($"removed {route.ServiceName}");
        }

        var isOverride = differences.Count > 0;
        if (isOverride && (choice.OverrideReason?.Trim().Length ?? 0) < MinimumOverrideReasonLength)
        {
            problems.Add($"The choice differs from the suggestion ({string.Join("; ", differences)}): give the reason for the override in at least {MinimumOverrideReasonLength} characters.");
        }
        return new ChoiceReview(isOverride, differences, problems);
    }

    private static (Urgency Urgency, string Reason) SuggestUrgency(TriageRuleSet rules, TriageCase referral, ReasonWords reason)
    {
        UrgencyRule? best = null;
        string? bestWhy = null;
        foreach (var rule in rules.UrgencyRules)
        {
            if (best is not null && rule.Urgency <= best.Urgency) continue;
            var why = Match(rule.When, reason, referral);
            if (why is null) continue;
            best = rule;
            bestWhy = why;
        }
        var urgency = best?.Urgency ?? Urgency.Routine;
        var text = best is null ? "No urgency rule matched: routine" : $"{best.Label} ({Lower(best.Urgency)}): {bestWhy}";
        if (referral.RequestedUrgency is { } requested && requested > urgency)
        {
            return (requested, $"the referrer asked for {Lower(requested)}; the rules alone suggest {Lower(urgency)} ({text})");
        }
        return (urgency, text);
    }

    private static void RouteByRule(RouteRule rule, string why, IReadOnlyList<TriageService> services, TriageCase referral, DateTime now,
        List<ServiceCheck> checks, List<RouteSuggestion> routes)
    {
        var reason = $"{rule.Label}: {why}";
        var main = Check(rule.Service, services, referral, checks);
        if (rule.Alternatives.Count == 0)
        {
            if (main.Eligible && !ContainsRoute(routes, rule.Service)) AddRoute(routes, Find(services, rule.Service)!, reason, now);
            return;
        }

        // The service and its alternatives do the same job: route to the eligible one with the shortest expected wait.
        TriageService? bestService = main.Eligible ? Find(services, rule.Service) : null;
        var eligibleCount = bestService is null ? 0 : 1;
        foreach (var code in rule.Alternatives)
        {
            if (!Check(code, services, referral, checks).Eligible) continue;
            var candidate = Find(services, code)!;
            eligibleCount++;
            if (bestService is null || WaitRank(candidate) < WaitRank(bestService)) bestService = candidate;
        }
        if (bestService is null) return;
        foreach (var code in (ReadOnlySpan<string>)[rule.Service, .. rule.Alternatives])
        {
            if (ContainsRoute(routes, code)) return; // one of the interchangeable services is already routed
        }

        if (eligibleCount > 1)
        {
            var compared = new List<string>(eligibleCount);
            var tied = false;
            foreach (var code in (ReadOnlySpan<string>)[rule.Service, .. rule.Alternatives])
            {
                if (FindCheck(checks, code) is not { Eligible: true } || Find(services, code) is not { } s) continue;
                compared.Add($"{s.Name} {WaitWords(ExpectedWaitDays(s))}");
                tied |= !ReferenceEquals(s, bestService) && WaitRank(s) == WaitRank(bestService);
            }
            reason += tied
                ? $"; {bestService.Name} comes first of equal expected waits ({string.Join(", ", compared)})"
                : $"; {bestService.Name} has the shortest expected wait ({string.Join(", ", compared)})";
        }
        else if (!string.Equals(bestService.Code, rule.Service, StringComparison.Ordinal))
        {
            reason += $"; {bestService.Name} instead of {main.ServiceName}, which is not eligible";
        }
        AddRoute(routes, bestService, reason, now);
    }

    private static bool CoverOutOfHours(string outOfHoursCode, IReadOnlyList<TriageService> services, TriageCase referral, DateTime now,
        List<ServiceCheck> checks, List<RouteSuggestion> routes, List<string> notes)
    {
        List<string>? closed = null;
        foreach (var route in routes)
        {
            if (route.OpenNow || string.Equals(route.ServiceCode, outOfHoursCode, StringComparison.Ordinal)) continue;
            (closed ??= []).Add($"{route.ServiceName} is closed now ({NextOpening(Find(services, route.ServiceCode)!, now)})");
        }
        if (closed is null) return false;
        var closedText = string.Join(" and ", closed);
        if (ContainsRoute(routes, outOfHoursCode)) return true;

        var check = Check(outOfHoursCode, services, referral, checks);
        var ooh = Find(services, outOfHoursCode);
        if (!check.Eligible || ooh is null)
        {
            notes.Add($"{closedText}, and {check.ServiceName} cannot take the person ({string.Join("; ", check.Reasons)}): arrange urgent cover by hand.");
        }
        else if (!IsOpen(ooh, now))
        {
            notes.Add($"{closedText}, and {ooh.Name} is closed too ({NextOpening(ooh, now)}): arrange urgent cover by hand.");
        }
        else
        {
            AddRoute(routes, ooh, $"{closedText}; {ooh.Name} is open", now);
        }
        return true;
    }

    private static List<Booking> Bookings(TriageRuleSet rules, TriageCase referral, IReadOnlyList<TriageService> services, List<string> notes)
    {
        var bookings = new List<Booking>();
        var language = string.IsNullOrWhiteSpace(referral.PreferredLanguage) ? null : referral.PreferredLanguage.Trim();
        var english = language is null || string.Equals(language, "en", StringComparison.OrdinalIgnoreCase) || language.StartsWith("en-", StringComparison.OrdinalIgnoreCase);
        if (referral.InterpreterNeeded || !english)
        {
            var detail = english ? "Interpreter (language not recorded: ask the person)" : $"{rules.Interpreter.LanguageName(language!)} interpreter";
            if (Find(services, rules.Interpreter.Service) is { } interpreting && CheckEligibility(interpreting, referral) is var check && !check.Eligible)
            {
                notes.Add($"An interpreter is needed but {interpreting.Name} cannot take the person ({string.Join("; ", check.Reasons)}): arrange one by hand.");
            }
            else
            {
                bookings.Add(new Booking("interpreter", rules.Interpreter.Service, detail));
            }
        }
        if (referral.AdvocacyRequested)
        {
            if (Find(services, rules.Advocacy.Service) is not { } advocacy)
            {
                notes.Add($"Advocacy was requested but the advocacy service '{rules.Advocacy.Service}' is not in the service list: arrange it by hand.");
            }
            else if (CheckEligibility(advocacy, referral) is { Eligible: false } check)
            {
                notes.Add($"Advocacy was requested but {advocacy.Name} cannot take the person ({string.Join("; ", check.Reasons)}): find another advocate.");
            }
            else
            {
                bookings.Add(new Booking("advocacy", advocacy.Code, "Independent advocate requested"));
            }
        }
        return bookings;
    }

    /// <summary>Why the condition applies, in words; null when it does not.</summary>
    private static string? Match(TriageCondition when, ReasonWords reason, TriageCase referral)
    {
        if (when.Sources.Count > 0 && !Contains(when.Sources, referral.Source)) return null;
        if (referral.AgeYears is { } age && ((when.MinAge is { } min && age < min) || (when.MaxAge is { } max && age > max))) return null;

        if (when.Keywords.Count > 0 || when.ReasonCodes.Count > 0 || when.ConditionCodes.Count > 0)
        {
            for (var k = 0; k < when.KeywordWords.Length; k++)
            {
                if (reason.Contains(when.KeywordWords[k])) return $"the reason mentions \"{when.Keywords[k]}\"";
            }
            foreach (var code in when.ReasonCodes)
            {
                if (Contains(referral.ReasonCodes, code)) return $"the referral is for SNOMED {code}";
            }
            foreach (var code in when.ConditionCodes)
            {
                if (Contains(referral.ConditionCodes, code)) return $"the person has condition SNOMED {code}";
                if (Contains(referral.ReasonCodes, code)) return $"the referral is for SNOMED {code}";
            }
            return null;
        }
        if (when.Sources.Count > 0) return $"the referral came from {SourceWords(referral.Source)}";
        return referral.AgeYears is { } known ? $"aged {known}" : "age not known yet";
    }

    private readonly struct ReasonWords(string text, Range[] words, int count)
    {
        public bool Contains(string[] phrase)
        {
            for (var i = 0; i + phrase.Length <= count; i++)
            {
                var j = 0;
                while (j < phrase.Length && text.AsSpan(words[i + j]).Equals(phrase[j], StringComparison.OrdinalIgnoreCase)) j++;
                if (j == phrase.Length) return true;
            }
            return false;
        }
    }

    private static ServiceCheck Check(string code, IReadOnlyList<TriageService> services, TriageCase referral, List<ServiceCheck> checks)
    {
        if (FindCheck(checks, code) is { } done) return done;
        var check = Find(services, code) is { } service
            ? CheckEligibility(service, referral)
            : new ServiceCheck(code, code, false, [$"'{code}' is not in the service list triage was given"]);
        checks.Add(check);
        return check;
    }

    private static void AddRoute(List<RouteSuggestion> routes, TriageService service, string reason, DateTime now) =>
        routes.Add(new RouteSuggestion(service.Code, service.Name, reason, ExpectedWaitDays(service), IsOpen(service, now)));

    private static TriageService? Find(IReadOnlyList<TriageService> services, string code)
    {
        for (var i = 0; i < services.Count; i++)
        {
            if (string.Equals(services[i].Code, code, StringComparison.Ordinal)) return services[i];
        }
        return null;
    }

    private static ServiceCheck? FindCheck(IReadOnlyList<ServiceCheck> checks, string code)
    {
        for (var i = 0; i < checks.Count; i++)
        {
            if (string.Equals(checks[i].ServiceCode, code, StringComparison.Ordinal)) return checks[i];
        }
        return null;
    }

    private static bool ContainsRoute(IReadOnlyList<RouteSuggestion> routes, string code)
    {
        for (var i = 0; i < routes.Count; i++)
        {
            if (string.Equals(routes[i].ServiceCode, code, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static bool Contains<T>(IReadOnlyList<T> list, T value) where T : struct, Enum
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], value)) return true;
        }
        return false;
    }

    private static bool AnyShared(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        for (var i = 0; i < a.Count; i++)
        {
            if (Contains(b, a[i])) return true;
        }
        return false;
    }

    private static bool OpensOn(OpenDays days, DayOfWeek day) => day switch
    {
        DayOfWeek.Monday => days.HasFlag(OpenDays.Monday),
        DayOfWeek.Tuesday => days.HasFlag(OpenDays.Tuesday),
        DayOfWeek.Wednesday => days.HasFlag(OpenDays.Wednesday),
        DayOfWeek.Thursday => days.HasFlag(OpenDays.Thursday),
        DayOfWeek.Friday => days.HasFlag(OpenDays.Friday),
        DayOfWeek.Saturday => days.HasFlag(OpenDays.Saturday),
        _ => days.HasFlag(OpenDays.Sunday),
    };

    /// <summary>"opens 08:00", "opens tomorrow 08:00", "opens Monday 09:00" or "no opening hours".</summary>
    private static string NextOpening(TriageService service, DateTime now)
    {
        for (var d = 0; d <= 7; d++)
        {
            var date = now.Date.AddDays(d);
            if (!OpensOn(service.OpenDays, date.DayOfWeek)) continue;
            var opens = date + service.OpensAt.ToTimeSpan();
            if (opens <= now) continue;
            var time = service.OpensAt.ToString("HH:mm", CultureInfo.InvariantCulture);
            return d switch
            {
                0 => $"opens {time}",
                1 => $"opens tomorrow {time}",
                _ => $"opens {date.DayOfWeek} {time}",
            };
        }
        return "no opening hours";
    }

    private static long WaitRank(TriageService service) => ExpectedWaitDays(service) ?? long.MaxValue;

    private static string WaitWords(int? days) => days switch
    {
        null => "no capacity recorded",
        1 => "1 day",
        _ => $"{days} days",
    };

    private static string AgeBand(int? min, int? max) => (min is > 0 ? min : null, max) switch
    {
        ({ } lo, { } hi) => $"{lo} to {hi}",
        ({ } lo, null) => $"{lo} and over",
        (null, { } hi) => $"{hi} and under",
        _ => "of any age",
    };

    /// <summary>"Routine", "Within 2 days", "Within 2 hours".</summary>
    private static string Display(Urgency urgency) => urgency switch
    {
        Urgency.Within2Hours => "Within 2 hours",
        Urgency.Within2Days => "Within 2 days",
        Urgency.Routine => "Routine",
        _ => urgency.ToString(),
    };

    private static string Lower(Urgency urgency) => urgency switch
    {
        Urgency.Within2Hours => "within 2 hours",
        Urgency.Within2Days => "within 2 days",
        Urgency.Routine => "routine",
        _ => urgency.ToString(),
    };

    private static string SourceWords(ReferralSource source) => source switch
    {
        ReferralSource.Gp => "a GP",
        ReferralSource.HospitalDischarge => "hospital discharge",
        ReferralSource.SocialCare => "social care",
        ReferralSource.CommunityService => "a community service",
        ReferralSource.Self => "the person themselves",
        ReferralSource.Carer => "a carer",
        _ => source.ToString(),
    };
}
