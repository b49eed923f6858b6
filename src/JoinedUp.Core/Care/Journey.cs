using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>One step of a person's journey: when, which service, what happened and who did it.</summary>
public sealed record JourneyEvent(DateTime At, string Service, string What, string? Who);

/// <summary>
/// A person's journey across services as one timeline (issue 6): referrals and triage, each service taking them on
/// and its first contact, navigator assignments, hand-overs, follow-ups and their escalations, and the milestones of
/// the care plan. Read through the record rules like the plan itself, and audited.
/// </summary>
public sealed class JourneyService(JoinedUpDbContext db, RecordAccessService access, AccessDirectory directory)
{
    public const int MaxEvents = 500;

    /// <summary>The journey as the caller may see it; null when they may not open the person's record.</summary>
    public async Task<IReadOnlyList<JourneyEvent>?> ForAsync(AccessPrincipal who, long patientId, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.CarePlanRead), $"Patient/{patientId}/journey", ct).ConfigureAwait(false);
        if (opened.View is not { Level: AccessLevel.Full, Emergency: false }) return null;
        return await BuildAsync(patientId, ct).ConfigureAwait(false);
    }

    /// <summary>The timeline, oldest first, for a caller whose access was already decided and audited.</summary>
    internal async Task<IReadOnlyList<JourneyEvent>> BuildAsync(long patientId, CancellationToken ct)
    {
        var snapshot = await directory.GetAsync(db, ct).ConfigureAwait(false);
        var teams = await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Name }).ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        string Team(int? id) => id is { } t && teams.TryGetValue(t, out var name) ? name : "";
        string Service(int id) => snapshot.ById(id)?.Name ?? "";
        var events = new List<JourneyEvent>();

        var referrals = await db.Referrals.AsNoTracking().Where(r => r.PatientId == patientId).OrderBy(r => r.ReceivedAt).Take(100)
            .Select(r => new { r.Id, r.Reference, r.Source, r.ReceivedAt, r.TriagedAt, r.TriagedByName, r.Urgency }).ToListAsync(ct).ConfigureAwait(false);
        var referralIds = referrals.Select(r => r.Id).ToList();
        var routes = await db.ReferralRoutes.AsNoTracking().Where(r => referralIds.Contains(r.ReferralId)).ToListAsync(ct).ConfigureAwait(false);
        foreach (var r in referrals)
        {
            events.Add(new(r.ReceivedAt, "Single point of access", $"Referral {r.Reference} received ({Describe(r.Source)})", null));
            if (r.TriagedAt is { } triaged) events.Add(new(triaged, "Single point of access", $"Referral {r.Reference} triaged: {UrgencyText(r.Urgency)}", r.TriagedByName));
        }
        foreach (var route in routes)
        {
            var name = Service(route.ServiceId);
            events.Add(new(route.RoutedAt, name, route.IsBooking ? $"{name} booked" : $"Referred to {name}", null));
            if (route.AcceptedAt is { } accepted) events.Add(new(accepted, name, $"{name} took the referral on", route.AcceptedByName));
            if (route.FirstContactAt is { } contact) events.Add(new(contact, name, $"First contact from {name}", null));
        }

        var navigators = await db.CareRelationships.AsNoTracking().Where(r => r.PatientId == patientId && r.Kind == RelationshipKind.Navigator && r.StaffMemberId != null)
            .Join(db.Staff, r => r.StaffMemberId, s => s.Id, (r, s) => new { r.StartedAt, r.EndedAt, r.EndReason, s.GivenName, s.FamilyName })
            .ToListAsync(ct).ConfigureAwait(false);
        foreach (var n in navigators)
        {
            var name = $"{n.GivenName} {n.FamilyName}";
            events.Add(new(n.StartedAt, "Care navigation", $"{name} became the care navigator", null));
            if (n.EndedAt is { } ended) events.Add(new(ended, "Care navigation", $"{name} stopped being the care navigator{(n.EndReason is null ? "" : ": " + n.EndReason)}", null));
        }

        var tasks = await db.CareTasks.AsNoTracking().Where(t => t.PatientId == patientId).OrderByDescending(t => t.Id).Take(200).ToListAsync(ct).ConfigureAwait(false);
        foreach (var t in tasks)
        {
            var to = Team(t.ToTeamId);
            switch (t.Kind)
            {
                case CareTaskKind.HandOver:
                    events.Add(new(t.CreatedAt, Team(t.FromTeamId), $"Hand-over to {to} requested: {t.Description}", t.CreatedByName));
                    if (t.AcceptedAt is { } accepted) events.Add(new(accepted, to, $"{to} accepted the hand-over", t.AcceptedByName));
                    if (t.Status == CareTaskStatus.Rejected && t.CompletedAt is { } declined) events.Add(new(declined, to, $"{to} declined the hand-over: {t.RejectionReason}", t.CompletedByName));
                    break;
                case CareTaskKind.FollowUp:
                    events.Add(new(t.CreatedAt, to, $"Follow-up scheduled for {UkClock.ToLocal(t.DueAt):d MMM HH:mm}: {t.Description}", t.CreatedByName));
                    break;
                default:
                    events.Add(new(t.CreatedAt, to, $"Care plan review due {UkClock.ToLocal(t.DueAt):d MMM yyyy}", null));
                    break;
            }
            if (t.EscalatedAt is { } escalated) events.Add(new(escalated, to, t.EscalationLevel >= 2 ? "Overdue: escalated to the team lead" : "Overdue: escalated to the care navigator", null));
            if (t.Status == CareTaskStatus.Completed && t.CompletedAt is { } completed) events.Add(new(completed, to, t.Kind == CareTaskKind.FollowUp ? "Follow-up done" : "Task completed", t.CompletedByName));
        }

        var plans = await db.CarePlans.AsNoTracking().Where(p => p.PatientId == patientId).Select(p => p.Id).ToListAsync(ct).ConfigureAwait(false);
        var milestones = await db.CarePlanChanges.AsNoTracking()
            .Where(c => plans.Contains(c.CarePlanId) && (c.ItemKind == "plan" || c.Reason == "goal added"))
            .OrderByDescending(c => c.Id).Take(100).Select(c => new { c.At, c.Reason, c.ByName }).ToListAsync(ct).ConfigureAwait(false);
        foreach (var c in milestones) events.Add(new(c.At, "Care plan", Sentence(c.Reason ?? "plan changed"), c.ByName));

        return events.OrderBy(e => e.At).Take(MaxEvents).ToList();
    }

    private static string Sentence(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static string Describe(ReferralSource source) => source switch
    {
        ReferralSource.Gp => "from the GP practice",
        ReferralSource.HospitalDischarge => "hospital discharge",
        ReferralSource.SocialCare => "from social care",
        ReferralSource.CommunityService => "from a community service",
        ReferralSource.Self => "self-referral",
        _ => "from a carer",
    };

    private static string UrgencyText(Urgency urgency) => urgency switch
    {
        Urgency.Within2Hours => "to be seen within 2 hours",
        Urgency.Within2Days => "to be seen within 2 days",
        _ => "routine",
    };
}
