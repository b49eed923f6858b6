using System.Globalization;
using JoinedUp.Access;
using JoinedUp.Care;

namespace JoinedUp.Record.Synthetic;

/// <summary>What the activity step needs to know about a person the generator has just made.</summary>
internal sealed record ActivityPerson(
    long Id, DateOnly BirthDate, bool Female, string GivenName, string FamilyName, string? NhsNumber, string Postcode, bool Resident,
    string Language, bool InterpreterNeeded, PlannedPractice Practice, PersonConditions Conditions, int Frailty);

/// <summary>A service of the catalogue as stored: its id, its teams' ids and its name.</summary>
public sealed record GeneratedService(string Code, int Id, IReadOnlyList<int> TeamIds, string Name);

/// <summary>
/// The activity step of the borough generator (docs/adr/0006 section 8): three years of referrals through the single
/// point of access and the community care that followed: routes to services' teams, episodes, holistic and service
/// assessments, care plans and tasks (hand-overs, follow-ups, plan reviews). Older, frailer and multimorbid people are
/// referred more often. Each person draws from their own stream, so person N's activity is the same whatever the size
/// of the borough. Everything is history up to the as-of date: no task is left open (the care story and the care bench
/// add open work of their own), and no referral is left waiting for triage.
/// </summary>
internal sealed class ActivitySynthesizer
{
    /// <summary>The reference alphabet of <see cref="ReferralIntake.NewReference"/> (no look-alikes).</summary>
    private const string ReferenceAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    private const long ReferenceSpace = 852_891_037_441; // 31^8

    // Referrals a year by age band (0-4, 5-17, 18-44, 45-64, 65-74, 75-84, 85+), before the multipliers.
    private static readonly (int FromAge, double Rate)[] ReferralRate = [(0, 0.06), (5, 0.03), (18, 0.02), (45, 0.035), (65, 0.09), (75, 0.18), (85, 0.32)];

    private readonly long _seed;
    private readonly DateTime _asOfUtc;
    private readonly DateTime _windowStart;
    private readonly Dictionary<string, GeneratedService> _services;
    private readonly long _referenceOffset;
    private long _episodeId, _referralId, _routeId, _assessmentId, _planId, _taskId;

    public ActivitySynthesizer(long seed, DateOnly asOf, IEnumerable<GeneratedService> services)
    {
        _seed = seed;
        _asOfUtc = asOf.ToDateTime(new TimeOnly(0, 0), DateTimeKind.Utc);
        _windowStart = _asOfUtc.AddDays(-3 * 365);
        // Only services that exist and have a team are ever routed to.
        _services = services.Where(s => s.TeamIds.Count > 0).ToDictionary(s => s.Code, StringComparer.Ordinal);
        _referenceOffset = (long)(Rng.ForStream(seed, 13, 0).NextULong() % ReferenceSpace);
    }

    /// <summary>A reference in the intake's format ("R-" and 8 characters), unique per referral id and fixed by the seed.</summary>
    internal string Reference(long referralId)
    {
        // 2,654,435,761 is prime, so multiplying by it permutes the 31^8 references: distinct ids, distinct references.
        var n = (long)(((UInt128)(ulong)referralId * 2_654_435_761UL + (ulong)_referenceOffset) % ReferenceSpace);
        Span<char> chars = stackalloc char[10];
        chars[0] = 'R';
        chars[1] = '-';
        for (var i = 9; i >= 2; i--)
        {
            chars[i] = ReferenceAlphabet[(int)(n % 31)];
            n /= 31;
        }
        return new string(chars);
    }

    public void Add(int index, ActivityPerson person, RowChunk chunk)
    {
        // People living outside the borough are not eligible for its resident-only community services.
        if (!person.Resident) return;
        var rng = Rng.ForStream(_seed, purpose: 11, index);
        var ageNow = AgeOn(person.BirthDate, _asOfUtc);
        var rate = 0.0;
        foreach (var (from, r) in ReferralRate) if (ageNow >= from) rate = r;
        rate *= 1 + 0.35 * person.Conditions.Count;
        rate *= person.Frailty switch { 1 => 1.4, 2 => 2.0, 3 => 2.6, _ => 1 };
        var count = Math.Min(4, PatientSynthesizer.Poisson(ref rng, 3 * rate));
        if (count == 0) return;

        // The three years are cut into one slot per referral; each episode ends before the next referral arrives.
        var slotDays = 3 * 365.0 / count;
        for (var k = 0; k < count; k++)
        {
            var slotStart = _windowStart.AddDays(k * slotDays);
            var slotEnd = k == count - 1 ? _asOfUtc : _windowStart.AddDays((k + 1) * slotDays);
            // Early in the slot, so the episode can end before the next one; the last referral can come any time, so
            // episodes are still open at the as-of date.
            var receivedLocalDay = UkClock.ToLocal(slotStart).Date.AddDays(rng.Next(0, (int)(slotDays * (k == count - 1 ? 1.0 : 0.4))));
            var received = ReceivedAt(ref rng, receivedLocalDay);
            if (received >= _asOfUtc.AddHours(-6) || DateOnly.FromDateTime(received) <= person.BirthDate) continue;
            AddReferral(ref rng, person, chunk, received, slotEnd);
        }
    }

    /// <summary>Most referrals arrive in working hours on weekdays; some in the evening, at night or at the weekend.</summary>
    private static DateTime ReceivedAt(ref Rng rng, DateTime localDay)
    {
        // Half of the referrals that would fall at a weekend come on the Monday instead (practices are shut).
        if (localDay.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday && rng.Chance(0.5))
        {
            localDay = localDay.AddDays(localDay.DayOfWeek == DayOfWeek.Saturday ? 2 : 1);
        }
        var roll = rng.NextDouble();
        // Hour 1 is never used: it does not exist on the night the clocks go forward.
        var hour = roll < 0.76 ? rng.Next(8, 18) : roll < 0.95 ? rng.Next(18, 24) : rng.Pick(NightHours);
        return UkClock.ToUtc(localDay.AddHours(hour).AddMinutes(rng.Next(0, 60)));
    }

    private static readonly int[] NightHours = [0, 2, 3, 4, 5, 6, 7];

    private void AddReferral(ref Rng rng, ActivityPerson person, RowChunk chunk, DateTime received, DateTime slotEnd)
    {
        var age = AgeOn(person.BirthDate, received);
        var child = age < 18;
        var source = (ReferralSource)(rng.NextDouble() switch
        {
            < 0.48 => 1, < 0.63 => 2, < 0.71 => 3, < 0.83 => 4, < 0.93 => 5, _ => 6,
        });
        if (child && source is ReferralSource.Self) source = ReferralSource.Carer; // a parent refers a child
        var urgencyRoll = rng.NextDouble() - (source == ReferralSource.HospitalDischarge ? 0.15 : 0) - (person.Frailty >= 2 ? 0.05 : 0);
        var urgency = urgencyRoll switch { < 0.07 => Urgency.Within2Hours, < 0.25 => Urgency.Within2Days, _ => Urgency.Routine };

        // Triage: urgent ones within minutes, the rest mostly within one working day; some breach.
        DateTime triaged;
        if (urgency == Urgency.Within2Hours)
        {
            triaged = received.AddMinutes(rng.Chance(0.95) ? rng.Next(5, 40) : rng.Next(120, 360));
        }
        else
        {
            var oneWorkingDay = UkClock.AddWorkingDay(received);
            triaged = rng.Chance(0.88)
                ? received.AddMinutes(rng.NextDouble() * (oneWorkingDay - received).TotalMinutes)
                : oneWorkingDay.AddHours(1 + rng.NextDouble() * 48);
        }
        if (triaged >= _asOfUtc) triaged = received.AddMinutes((_asOfUtc - received).TotalMinutes * 0.5);

        var services = PickServices(ref rng, person, age, urgency);
        var declined = services.Count == 0 || rng.Chance(0.05);
        var referralId = ++_referralId;
        var reasonService = services.Count > 0 ? services[0].Code : "";
        var reason = ReasonFor(ref rng, reasonService, child);
        var triagedBy = TriagedBy(ref rng);
        if (declined)
        {
            chunk.Add(BoroughTables.Referral,
            [
                referralId, Reference(referralId), person.Id, null, (int)source, person.GivenName, person.FamilyName, person.BirthDate, person.NhsNumber, person.Postcode, reason,
                (int)urgency, (int)urgency, (int)ReferralStatus.Declined, person.InterpreterNeeded, person.Language == "en" ? null : person.Language, false, received, triaged, null,
                ReferrerName(source, person), source == ReferralSource.Gp ? person.Practice.OdsCode : null, triagedBy,
                rng.Pick(DeclineReasons), 2, triaged,
            ]);
            return;
        }

        // The episode opens at triage and ends before the next referral's slot (or stays open at the as-of date).
        var episodeId = ++_episodeId;
        var opened = triaged;
        var routes = new List<(GeneratedService Service, int Team, bool Declined, DateTime? Accepted, DateTime? Contact)>();
        foreach (var service in services)
        {
            var team = service.TeamIds[rng.Next(0, service.TeamIds.Count)];
            var declinedByService = routes.Count > 0 && rng.Chance(0.04);
            if (declinedByService)
            {
                routes.Add((service, team, true, null, null));
                continue;
            }
            var (accepted, contact) = Clocks(ref rng, urgency, received, triaged);
            routes.Add((service, team, false, accepted, contact));
        }
        var firstContact = routes.Where(r => r.Contact is not null).Select(r => r.Contact).Min();
        var lastEvent = routes.Select(r => r.Contact ?? r.Accepted ?? opened).Max();
        DateTime? closed = lastEvent.AddDays(rng.Next(14, 150)).AddHours(rng.Next(0, 9));
        if (closed >= slotEnd.AddDays(-1)) closed = slotEnd == _asOfUtc ? null : slotEnd.AddDays(-1);
        if (closed <= lastEvent) closed = lastEvent.AddHours(2);
        if (closed >= _asOfUtc) closed = null;
        var end = closed ?? _asOfUtc;

        chunk.Add(BoroughTables.Episode, [episodeId, person.Id, opened, closed]);
        var anyAccepted = routes.Any(r => r.Accepted is not null);
        var status = closed is not null ? ReferralStatus.Closed : anyAccepted ? ReferralStatus.Accepted : ReferralStatus.Routed;
        chunk.Add(BoroughTables.Referral,
        [
            referralId, Reference(referralId), person.Id, episodeId, (int)source, person.GivenName, person.FamilyName, person.BirthDate, person.NhsNumber, person.Postcode, reason,
            (int)urgency, (int)urgency, (int)status, person.InterpreterNeeded, person.Language == "en" ? null : person.Language, false, received, triaged, firstContact,
            ReferrerName(source, person), source == ReferralSource.Gp ? person.Practice.OdsCode : null, triagedBy, null, 3, end == _asOfUtc ? (firstContact ?? triaged) : end,
        ]);
        foreach (var (service, team, declinedByService, accepted, contact) in routes)
        {
            var routeStatus = declinedByService ? RouteStatus.Declined : accepted is null ? RouteStatus.Waiting : closed is not null ? RouteStatus.Completed : RouteStatus.Accepted;
            chunk.Add(BoroughTables.ReferralRoute,
            [
                ++_routeId, referralId, service.Id, team, (int)urgency, (int)routeStatus, false, $"Triage: {service.Name}", triaged, accepted,
                accepted is null ? null : $"{service.Name} team", contact, declinedByService ? "Another service is better placed to help." : null, accepted is null ? 2 : 3,
            ]);
        }
        // An interpreter booked for the first contact, for half of the people who need one.
        if (person.InterpreterNeeded && _services.TryGetValue("interpreting", out var interpreting) && !services.Any(s => s.Code == "interpreting") && rng.Chance(0.5))
        {
            var team = interpreting.TeamIds[0];
            var booked = triaged.AddHours(rng.Next(1, 8));
            if (booked >= end) booked = triaged;
            chunk.Add(BoroughTables.ReferralRoute,
            [
                ++_routeId, referralId, interpreting.Id, team, (int)urgency, (int)(closed is not null ? RouteStatus.Completed : RouteStatus.Accepted), true,
                $"Interpreter ({person.Language}) for the first contact", triaged, booked, "Interpreting team", null, null, 3,
            ]);
        }

        if (firstContact is not { } contactAt) return;
        var withContact = routes.Where(r => r.Contact is not null).ToList();

        // Assessments: the holistic one once per episode ("tell us once"), and sometimes services' own sections.
        if (rng.Chance(0.93))
        {
            AddAssessment(ref rng, chunk, person, episodeId, Assessment.HolisticScope, HolisticAssessment.Url, contactAt, end, withContact[0].Service.Name);
        }
        foreach (var (service, _, _, _, contact) in withContact)
        {
            if (rng.Chance(withContact.Count > 1 ? 0.35 : 0.15))
            {
                AddAssessment(ref rng, chunk, person, episodeId, service.Code, HolisticAssessment.ServiceSectionUrl, contact!.Value, end, service.Name);
            }
        }

        // The care plan: written after the first contact, agreed mostly within 28 days of the episode opening.
        var lead = withContact[0];
        var leadName = $"{lead.Service.Name} team";
        if (rng.Chance(0.82))
        {
            var created = contactAt.AddHours(rng.Next(1, 6 * 24));
            if (created < end)
            {
                DateTime? agreed = null;
                var roll = rng.NextDouble();
                var target = opened.AddDays(28);
                if (roll < 0.74 && created < target) agreed = created.AddMinutes(rng.NextDouble() * (target - created).TotalMinutes);
                else if (roll < 0.88) agreed = Later(created, target).AddDays(rng.Next(1, 40)).AddHours(rng.Next(0, 8));
                if (agreed >= end) agreed = null;
                var agreedBy = rng.NextDouble() switch { < 0.8 => AgreedBy.Patient, < 0.92 => AgreedBy.Carer, _ => AgreedBy.StaffOnBehalf };
                var planId = ++_planId;
                var reviewDue = agreed is { } a ? DateOnly.FromDateTime(UkClock.ToLocal(a)).AddDays(90) : (DateOnly?)null;
                var lastUpdated = agreed ?? created;
                // Plan reviews every 90 days while the episode lasts, done on or before the review date or late.
                while (reviewDue is { } due && PlanReviewReminderService.DueAt(due) <= end)
                {
                    var dueAt = PlanReviewReminderService.DueAt(due);
                    var taskCreated = dueAt.AddDays(-PlanReviewReminderService.HorizonDays - 1).AddHours(rng.Next(0, 12));
                    var late = rng.Chance(0.28);
                    var done = late ? dueAt.AddHours(rng.Next(2, 20 * 24)) : dueAt.AddHours(-rng.Next(1, 6 * 24));
                    if (done > end) done = late ? Later(dueAt, end.AddMinutes(-1)) : end.AddMinutes(-1);
                    if (done < taskCreated) done = taskCreated.AddHours(1);
                    AddTask(chunk, person.Id, episodeId, CareTaskKind.PlanReview, CareTaskStatus.Completed, lead.Team, lead.Team, "Review the care plan with the person",
                        dueAt, taskCreated, PlanReviewReminderService.CreatedBy, taskCreated, leadName, null, done, leadName);
                    lastUpdated = Later(lastUpdated, done);
                    reviewDue = due.AddDays(90);
                }
                var planStatus = agreed is null ? CarePlanStatus.Draft : closed is not null ? CarePlanStatus.Completed : CarePlanStatus.Active;
                chunk.Add(BoroughTables.CarePlan,
                [
                    planId, person.Id, episodeId, (int)planStatus, "My care plan", agreed, agreed is null ? null : (int)agreedBy,
                    agreed is null ? null : agreedBy switch { AgreedBy.Patient => $"{person.GivenName} {person.FamilyName}", AgreedBy.Carer => "Their carer", _ => leadName },
                    reviewDue, created, 1, lastUpdated, leadName,
                ]);
            }
        }

        // Hand-overs between the episode's services: accepted mostly within 2 days.
        for (var i = 1; i < withContact.Count; i++)
        {
            if (!rng.Chance(0.6)) continue;
            var (from, to) = (withContact[i - 1], withContact[i]);
            var created = Later(opened, to.Accepted!.Value.AddHours(-rng.Next(1, 24)));
            var due = created.AddDays(2);
            var roll = rng.NextDouble();
            if (roll < 0.05)
            {
                var rejectedAt = created.AddHours(rng.Next(1, 30));
                if (rejectedAt >= end) continue;
                AddTask(chunk, person.Id, episodeId, CareTaskKind.HandOver, CareTaskStatus.Rejected, from.Team, to.Team, HandOverText(to.Service), due, created, $"{from.Service.Name} team",
                    null, null, "The person is already known to us under another referral.", null, null);
                continue;
            }
            var acceptedAt = roll < 0.86 ? created.AddMinutes(rng.Next(20, 47 * 60)) : created.AddHours(rng.Next(49, 6 * 24));
            if (acceptedAt >= end) continue;
            AddTask(chunk, person.Id, episodeId, CareTaskKind.HandOver, CareTaskStatus.Accepted, from.Team, to.Team, HandOverText(to.Service), due, created, $"{from.Service.Name} team",
                acceptedAt, $"{to.Service.Name} team", null, null, null);
        }

        // Follow-ups: one to three calls or visits, almost all done by their due time.
        var followUps = rng.Next(1, 4);
        for (var i = 0; i < followUps; i++)
        {
            var (service, team, _, _, contact) = withContact[rng.Next(0, withContact.Count)];
            var span = (end - contact!.Value).TotalHours;
            if (span < 48) continue;
            var created = contact.Value.AddHours(rng.NextDouble() * (span - 24 * 14));
            if (created < contact.Value) created = contact.Value.AddHours(1);
            var due = created.AddHours(rng.Next(24, 14 * 24));
            if (due >= end) continue;
            var name = $"{service.Name} team";
            if (rng.Chance(0.05))
            {
                AddTask(chunk, person.Id, episodeId, CareTaskKind.FollowUp, CareTaskStatus.Cancelled, team, team, rng.Pick(FollowUpTexts), due, created, name, created, name, null, null, null);
                continue;
            }
            var done = rng.Chance(0.9) ? created.AddMinutes(rng.NextDouble() * (due - created).TotalMinutes) : due.AddHours(rng.Next(1, 72));
            if (done >= end) done = Later(created, end.AddMinutes(-1));
            AddTask(chunk, person.Id, episodeId, CareTaskKind.FollowUp, CareTaskStatus.Completed, team, team, rng.Pick(FollowUpTexts), due, created, name, created, name, null, done, name);
        }
    }

    /// <summary>When the service accepted the route and first saw the person: mostly within the urgency's target, some late.</summary>
    private (DateTime? Accepted, DateTime? Contact) Clocks(ref Rng rng, Urgency urgency, DateTime received, DateTime triaged)
    {
        DateTime contact;
        DateTime accepted;
        switch (urgency)
        {
            case Urgency.Within2Hours:
                accepted = triaged.AddMinutes(rng.Next(2, 25));
                contact = rng.Chance(0.88) ? received.AddMinutes(rng.Next(30, 118)) : received.AddMinutes(rng.Next(125, 600));
                break;
            case Urgency.Within2Days:
                accepted = triaged.AddMinutes(rng.Next(20, 20 * 60));
                contact = rng.Chance(0.86) ? received.AddMinutes(rng.Next(3 * 60, 47 * 60)) : received.AddHours(rng.Next(49, 120));
                break;
            default:
                accepted = triaged.AddHours(rng.Next(2, 4 * 24));
                contact = rng.Chance(0.82) ? received.AddHours(rng.Next(2 * 24, 27 * 24)) : received.AddHours(rng.Next(29 * 24, 75 * 24));
                break;
        }
        if (contact < accepted) contact = accepted.AddMinutes(rng.Next(5, 60));
        if (accepted >= _asOfUtc) return (null, null);
        return (accepted, contact >= _asOfUtc ? null : contact);
    }

    private List<GeneratedService> PickServices(ref Rng rng, ActivityPerson person, int age, Urgency urgency)
    {
        var c = person.Conditions;
        var old = age >= 65;
        (string Code, double Weight)[] candidates = age < 18
            ?
            [
                ("children-community-nursing", age < 5 ? 3 : 2), ("children-salt", age is >= 1 and <= 12 ? 3 : 0.5), ("children-audiology", 1.5),
                ("children-safeguarding", 0.4),
            ]
            :
            [
                ("adult-community-nursing", old ? 8 : 3), ("foot-health", (c.Diabetes ? 3 : 1) * (old ? 1.5 : 1)), ("community-diabetes", c.Diabetes ? 3 : 0),
                ("adult-psychology", age < 65 ? 2.5 : 0.8), ("community-mental-health", age < 65 ? 1.5 : 0.5), ("stroke-rehab", c.Stroke ? 4 : 0),
                ("adult-audiology", old ? 2 : 0.4), ("inpatient-rehab-beds", old ? 0.8 : 0.1), ("out-of-hours", urgency == Urgency.Within2Hours ? 6 : 0),
            ];
        var n = rng.NextDouble() switch { < 0.65 => 1, < 0.93 => 2, _ => 3 };
        var chosen = new List<GeneratedService>(n);
        Span<double> weights = stackalloc double[candidates.Length];
        for (var i = 0; i < candidates.Length; i++) weights[i] = _services.ContainsKey(candidates[i].Code) ? candidates[i].Weight : 0;
        while (chosen.Count < n)
        {
            var total = 0.0;
            foreach (var w in weights) total += w;
            if (total <= 0) break;
            var pick = rng.NextDouble() * total;
            var i = 0;
            for (; i < weights.Length - 1; i++)
            {
                pick -= weights[i];
                if (pick < 0 && weights[i] > 0) break;
            }
            if (weights[i] <= 0) continue;
            chosen.Add(_services[candidates[i].Code]);
            weights[i] = 0;
        }
        return chosen;
    }

    private void AddAssessment(ref Rng rng, RowChunk chunk, ActivityPerson person, long episodeId, string scope, string questionnaire, DateTime after, DateTime end, string serviceName)
    {
        var authored = after.AddHours(rng.Next(0, 72));
        if (authored >= end) authored = Later(after, end.AddMinutes(-1));
        var json = string.Create(CultureInfo.InvariantCulture,
            $$"""{"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"{{questionnaire}}","subject":{"reference":"Patient/{{person.Id}}"},"authored":"{{authored:yyyy-MM-ddTHH:mm:ssZ}}"}""");
        chunk.Add(BoroughTables.Assessment, [++_assessmentId, episodeId, person.Id, scope, questionnaire, json, authored, $"{serviceName} team", 1, authored]);
    }

    private void AddTask(RowChunk chunk, long patientId, long episodeId, CareTaskKind kind, CareTaskStatus status, int from, int to, string description, DateTime due, DateTime created,
        string createdBy, DateTime? accepted, string? acceptedBy, string? rejection, DateTime? completed, string? completedBy)
    {
        // A task finished after its due time had been escalated to the navigator, as the escalation job does.
        var finished = completed ?? accepted ?? created;
        var escalated = finished > due.AddMinutes(1);
        chunk.Add(BoroughTables.CareTask,
        [
            ++_taskId, patientId, episodeId, (int)kind, (int)status, from, to, description, due, created, createdBy, accepted, acceptedBy, rejection, completed, completedBy,
            escalated ? 1 : 0, escalated ? due.AddMinutes(1) : null, 1,
        ]);
    }

    private static DateTime Later(DateTime a, DateTime b) => a > b ? a : b;

    private static int AgeOn(DateOnly birth, DateTime utc)
    {
        var day = DateOnly.FromDateTime(utc);
        var age = day.Year - birth.Year;
        if (birth > day.AddYears(-age)) age--;
        return age;
    }

    private static string TriagedBy(ref Rng rng) => rng.Pick(Coordinators);

    private static readonly string[] Coordinators = ["SPA coordinator (morning)", "SPA coordinator (afternoon)", "SPA coordinator (evening)", "SPA duty nurse"];

    private static string ReferrerName(ReferralSource source, ActivityPerson person) => source switch
    {
        ReferralSource.Gp => person.Practice.Name,
        ReferralSource.HospitalDischarge => "Discharge team, Riverside Hospital",
        ReferralSource.SocialCare => "Adult social care duty team",
        ReferralSource.CommunityService => "Community services",
        ReferralSource.Self => "Self-referral",
        _ => "Family carer (by phone)",
    };

    private static string HandOverText(GeneratedService to) => $"Hand over to {to.Name}: shared plan and assessment attached";

    private static readonly string[] DeclineReasons =
    [
        "No community service fits; signposted to the practice's social prescriber.",
        "Needs are met by the hospital outpatient clinic already involved.",
        "Not eligible for community services; advice given to the referrer.",
    ];

    private static readonly string[] FollowUpTexts =
    [
        "Phone call to check how things are going", "Visit to check the wound and dressings", "Check the equipment is in place and working",
        "Call after the hospital appointment", "Review medicines with the person",
    ];

    private static string ReasonFor(ref Rng rng, string serviceCode, bool child) => serviceCode switch
    {
        "adult-community-nursing" => rng.Pick(NursingReasons),
        "foot-health" => "Painful feet and thickened toenails; cannot cut them safely.",
        "community-diabetes" => "Diabetes not well controlled; needs education and a review of insulin.",
        "adult-psychology" => "Low mood and anxiety for several months, affecting work and sleep.",
        "community-mental-health" => "Worsening mental health; family worried, needs assessment.",
        "stroke-rehab" => "Home after a stroke; needs rehabilitation to walk and dress again.",
        "adult-audiology" => "Hearing getting worse; struggling with conversations.",
        "inpatient-rehab-beds" => "Not safe at home after a hospital stay; needs a rehabilitation bed.",
        "out-of-hours" => "Fell at home and could not get up; needs urgent assessment.",
        "children-salt" => "Speech delay; few words at nursery.",
        "children-audiology" => "Failed the hearing screen; parents worried.",
        "children-safeguarding" => "Concerns raised by school; needs safeguarding review.",
        "children-community-nursing" => "Complex needs at home after a hospital stay.",
        _ => child ? "Parents worried about the child's development." : "Struggling to manage at home.",
    };

    private static readonly string[] NursingReasons =
    [
        "Leg ulcer not healing; needs dressings and compression.", "Housebound and needs insulin injections.", "Pressure sore on the heel after a fall.",
        "Catheter care at home.", "End of life care at home; family need support.",
    ];
}
