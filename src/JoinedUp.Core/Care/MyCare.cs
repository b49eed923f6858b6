using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>A person whose care the caller may follow: themself (a patient) or someone who gave them a proxy (a carer).</summary>
public sealed record CaredForPerson(long PatientId, string Name);

/// <summary>Something coming up: a visit, a call, a review, or a service the person is waiting to hear from.</summary>
public sealed record UpcomingContact(DateOnly? Date, string What, string Who, bool Overdue);

/// <summary>The person's care navigator and how to reach them.</summary>
public sealed record NavigatorContact(string Name, string Email);

/// <summary>Everything the person (or their carer) sees about their care in one place.</summary>
public sealed record MyCareView(long PatientId, string Name, bool AsCarer, CarePlanView? Plan, IReadOnlyList<ReferralStatusView> Referrals,
    IReadOnlyList<UpcomingContact> Upcoming, NavigatorContact? Navigator, IReadOnlyList<JourneyEvent> Journey);

/// <summary>
/// The patient and carer view (issue 6): a patient sees their own plan, referrals, upcoming contacts and navigator; a
/// carer sees the same for each person who gave them a proxy, and nothing once it is withdrawn. The record rules decide
/// (<see cref="RecordAccessService"/>) and every view is audited.
/// </summary>
public sealed class MyCareService(JoinedUpDbContext db, RecordAccessService access, CarePlanService plans, ReferralQueries referrals, JourneyService journey, TimeProvider clock)
{
    /// <summary>The people the caller may follow: themself for a patient, those with an active proxy for a carer.</summary>
    public async Task<IReadOnlyList<CaredForPerson>> PeopleAsync(AccessPrincipal who, CancellationToken ct)
    {
        var people = new List<CaredForPerson>();
        if (who.Has(Roles.Patient) && who.PatientId is { } mine)
        {
            people.AddRange(await db.Patients.AsNoTracking().Where(p => p.Id == mine).Select(p => new CaredForPerson(p.Id, p.GivenName + " " + p.FamilyName)).ToListAsync(ct).ConfigureAwait(false));
        }
        if (who.Has(Roles.Carer))
        {
            var userId = who.UserId;
            people.AddRange(await db.CarerProxies.AsNoTracking().Where(x => x.CarerUserId == userId && x.WithdrawnAt == null)
                .Join(db.Patients, x => x.PatientId, p => p.Id, (x, p) => new CaredForPerson(p.Id, p.GivenName + " " + p.FamilyName))
                .Distinct().ToListAsync(ct).ConfigureAwait(false));
        }
        return people;
    }

    /// <summary>The person's care as the caller may see it, or the reason they may not (which never says whether the person exists).</summary>
    public async Task<(MyCareView? View, string? Refusal)> GetAsync(AccessPrincipal who, long patientId, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.CarePlanRead), $"Patient/{patientId}/my-care", ct).ConfigureAwait(false);
        var own = who.Has(Roles.Patient) && who.PatientId == patientId;
        if (opened.View is not { Level: AccessLevel.Full, Emergency: false } || !(own || who.Has(Roles.Carer)))
        {
            return (null, who.Has(Roles.Carer)
                ? "You cannot see this person's care: they have not given you access as their carer, or they have withdrawn it. Only they can give it, from \"My record\" > \"Carers who can see my record\", with the email address you sign in with."
                : "You can see only your own care plan.");
        }
        var name = await db.Patients.AsNoTracking().Where(p => p.Id == patientId).Select(p => p.GivenName + " " + p.FamilyName).FirstAsync(ct).ConfigureAwait(false);
        var planId = await db.CarePlans.AsNoTracking().Where(p => p.PatientId == patientId)
            .Join(db.Episodes, p => p.EpisodeId, e => e.Id, (p, e) => new { p.Id, Open = e.ClosedAt == null, p.CreatedAt })
            .OrderByDescending(p => p.Open).ThenByDescending(p => p.CreatedAt).Select(p => (long?)p.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var plan = planId is { } id ? await plans.LoadAsync(id, opened.View.Basis, ct).ConfigureAwait(false) : null;
        var referralViews = await referrals.ForPatientAsync(patientId, ct).ConfigureAwait(false);
        var navigator = await db.CareRelationships.AsNoTracking().Where(r => r.PatientId == patientId && r.Kind == RelationshipKind.Navigator && r.EndedAt == null)
            .Join(db.Staff, r => r.StaffMemberId, s => s.Id, (r, s) => new NavigatorContact(s.GivenName + " " + s.FamilyName, s.Email)).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        var upcoming = await UpcomingAsync(patientId, plan, referralViews, asCarer: !own, ct).ConfigureAwait(false);
        var steps = await journey.BuildAsync(patientId, ct).ConfigureAwait(false);
        return (new MyCareView(patientId, name, !own, plan, referralViews, upcoming, navigator, steps), null);
    }

    /// <summary>What is coming up, worded for whoever reads it: "you" is the patient, or the carer when a carer reads it.</summary>
    private async Task<IReadOnlyList<UpcomingContact>> UpcomingAsync(long patientId, CarePlanView? plan, IReadOnlyList<ReferralStatusView> referralViews, bool asCarer, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(UkClock.ToLocal(now));
        var teams = await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Name }).ToDictionaryAsync(t => t.Id, t => t.Name, ct).ConfigureAwait(false);
        var items = new List<UpcomingContact>();
        if (plan is not null)
        {
            foreach (var a in plan.Activities.Where(a => a.Status is ActivityStatus.NotStarted or ActivityStatus.Scheduled or ActivityStatus.InProgress))
            {
                var whoDoes = a.OwnerKind switch
                {
                    ActivityOwnerKind.Team when a.OwnerTeamId is { } t && teams.TryGetValue(t, out var n) => n,
                    ActivityOwnerKind.Patient => asCarer ? "Them" : "You",
                    ActivityOwnerKind.Carer => asCarer ? "You" : "Your carer",
                    _ => "The care team",
                };
                items.Add(new(a.Due, a.Description, whoDoes, a.Due < today));
            }
            if (plan.Plan.ReviewDue is { } review) items.Add(new(review, asCarer ? "Review of their care plan" : "Review of your care plan", "The care team", review < today));
        }
        var followUps = await db.CareTasks.AsNoTracking().Where(t => t.PatientId == patientId && t.Kind == CareTaskKind.FollowUp && t.Status == CareTaskStatus.Accepted)
            .Select(t => new { t.DueAt, t.Description, t.ToTeamId }).ToListAsync(ct).ConfigureAwait(false);
        foreach (var f in followUps)
        {
            items.Add(new(DateOnly.FromDateTime(UkClock.ToLocal(f.DueAt)), f.Description, f.ToTeamId is { } t && teams.TryGetValue(t, out var n) ? n : "The care team", f.DueAt < now));
        }
        foreach (var route in referralViews.SelectMany(r => r.Routes).Where(r => r.FirstContactAt is null && !r.IsBooking && r.Status is RouteStatus.Waiting or RouteStatus.Accepted))
        {
            items.Add(new(null, route.ExpectedWaitDays is { } wait ? $"First contact: usually within {wait} days" : "First contact", route.ServiceName, false));
        }
        return items.OrderBy(i => i.Date is null).ThenBy(i => i.Date).ToList();
    }
}
