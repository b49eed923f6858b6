using JoinedUp.Access;
using JoinedUp.Care;
using JoinedUp.Security;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Care;

/// <summary>
/// Demo mode only: care plans and a journey to show issue 6. The demo patient has a plan written with the community
/// nurses (not agreed yet, so they can agree it) and a follow-up call; a second person, recovering from a stroke, is on
/// the stroke rehabilitation caseload with an agreed plan and the demo navigator, ready to be handed over to community
/// nursing. Added once, when no care plan has a goal yet.
/// </summary>
internal static class DemoCare
{
    public static async Task SeedAsync(JoinedUpDbContext db, long patientId, long? rehabPatientId, int? nursingTeam, int? strokeTeam, int? navigator, DateTime now, CancellationToken ct)
    {
        // The generated borough's plans have no goals (Record/Synthetic/ActivitySynthesizer.cs): the story is added when no plan has one yet.
        if (nursingTeam is null || strokeTeam is null || await db.Goals.AnyAsync(ct).ConfigureAwait(false)) return;
        var services = await db.Teams.AsNoTracking().Where(t => t.Id == nursingTeam || t.Id == strokeTeam).ToDictionaryAsync(t => t.Id, t => t.ServiceId, ct).ConfigureAwait(false);
        var today = DateOnly.FromDateTime(UkClock.ToLocal(now));

        // The demo patient: community nursing for a leg ulcer, a plan in their own words, not agreed yet.
        var nurseName = "Adult community nursing team";
        var episode = new Episode { PatientId = patientId, OpenedAt = now.AddDays(-12) };
        db.Episodes.Add(episode);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        var plan = new CarePlan { PatientId = patientId, EpisodeId = episode.Id, Status = CarePlanStatus.Draft, Title = "My care plan", CreatedAt = now.AddDays(-10), LastUpdated = now.AddDays(-10), LastUpdatedBy = nurseName, ReviewDue = today.AddDays(18) };
        db.CarePlans.Add(plan);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        var walk = new Goal { CarePlanId = plan.Id, Description = "Walk to the park with my grandson without my leg hurting", Measure = "ulcer healed; walks 1 km", TargetDate = today.AddDays(60), Status = GoalStatus.Active, ServiceId = services[nursingTeam.Value], LastUpdated = now.AddDays(-10), LastUpdatedBy = nurseName };
        var shower = new Goal { CarePlanId = plan.Id, Description = "Have a shower on my own again", Measure = "showers without help twice a week", TargetDate = today.AddDays(30), Status = GoalStatus.Active, ServiceId = services[nursingTeam.Value], LastUpdated = now.AddDays(-10), LastUpdatedBy = nurseName };
        db.Goals.AddRange(walk, shower);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        db.CarePlanActivities.AddRange(
            new CarePlanActivity { CarePlanId = plan.Id, GoalId = walk.Id, Description = "Dress the leg ulcer and apply compression", OwnerKind = ActivityOwnerKind.Team, OwnerTeamId = nursingTeam, Due = today.AddDays(2), Status = ActivityStatus.Scheduled, LastUpdated = now.AddDays(-10), LastUpdatedBy = nurseName },
            new CarePlanActivity { CarePlanId = plan.Id, GoalId = walk.Id, Description = "Walk to the end of the road each morning", OwnerKind = ActivityOwnerKind.Patient, Due = today.AddDays(7), Status = ActivityStatus.InProgress, LastUpdated = now.AddDays(-10), LastUpdatedBy = nurseName },
            new CarePlanActivity { CarePlanId = plan.Id, GoalId = shower.Id, Description = "Fit a shower seat and grab rail", OwnerKind = ActivityOwnerKind.Carer, Due = today.AddDays(14), Status = ActivityStatus.NotStarted, LastUpdated = now.AddDays(-10), LastUpdatedBy = nurseName });
        db.CareTasks.Add(new CareTask
        {
            PatientId = patientId, EpisodeId = episode.Id, Kind = CareTaskKind.FollowUp, Status = CareTaskStatus.Accepted, FromTeamId = nursingTeam, ToTeamId = nursingTeam,
            Description = "Phone call: is the new dressing comfortable?", DueAt = now.AddDays(2), CreatedAt = now.AddDays(-1), CreatedByName = nurseName, AcceptedAt = now.AddDays(-1), AcceptedByName = nurseName,
        });

        if (rehabPatientId is { } rehab)
        {
            // A person home from hospital after a stroke: stroke rehabilitation, an agreed plan and a navigator.
            var person = await db.Patients.AsNoTracking().Where(p => p.Id == rehab).Select(p => new { p.GivenName, p.FamilyName, p.BirthDate, p.NhsNumber, p.Postcode }).FirstAsync(ct).ConfigureAwait(false);
            var received = now.AddDays(-21);
            var referral = new Referral
            {
                Reference = ReferralIntake.NewReference(), PatientId = rehab, Source = ReferralSource.HospitalDischarge, GivenName = person.GivenName, FamilyName = person.FamilyName,
                BirthDate = person.BirthDate, NhsNumber = person.NhsNumber, Postcode = person.Postcode, Reason = "Home after a stroke; weak left side, needs rehabilitation at home.",
                RequestedServiceId = services[strokeTeam.Value], Urgency = Urgency.Within2Days, RequestedUrgency = Urgency.Within2Days, Status = ReferralStatus.Accepted, ReceivedAt = received,
                TriagedAt = received.AddHours(3), TriagedByName = "Single point of access", FirstContactAt = received.AddDays(1), ReferrerName = "Ward 7, Riverside Hospital", LastUpdated = received.AddDays(1),
            };
            db.Referrals.Add(referral);
            var rehabEpisode = new Episode { PatientId = rehab, OpenedAt = received.AddHours(3) };
            db.Episodes.Add(rehabEpisode);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            db.ReferralRoutes.Add(new ReferralRoute
            {
                ReferralId = referral.Id, ServiceId = services[strokeTeam.Value], TeamId = strokeTeam.Value, Urgency = Urgency.Within2Days, Status = RouteStatus.Accepted, Reason = "requested by the hospital",
                RoutedAt = received.AddHours(3), AcceptedAt = received.AddHours(5), AcceptedByName = "Stroke rehabilitation team", FirstContactAt = received.AddDays(1),
            });
            db.CareRelationships.Add(new CareRelationship { PatientId = rehab, Kind = RelationshipKind.Caseload, TeamId = strokeTeam, StartedAt = received.AddHours(5), Source = "demo: early supported discharge after a stroke" });
            if (navigator is { } nav) db.CareRelationships.Add(new CareRelationship { PatientId = rehab, Kind = RelationshipKind.Navigator, StaffMemberId = nav, StartedAt = received.AddHours(5), Source = "demo: navigator assigned" });
            var rehabPlan = new CarePlan
            {
                PatientId = rehab, EpisodeId = rehabEpisode.Id, Status = CarePlanStatus.Active, Title = "Getting back on my feet", CreatedAt = received.AddDays(2), LastUpdated = received.AddDays(3),
                LastUpdatedBy = "Stroke rehabilitation team", AgreedAt = received.AddDays(3), AgreedBy = AgreedBy.Patient, AgreedByName = $"{person.GivenName} {person.FamilyName}", ReviewDue = today.AddDays(7),
            };
            db.CarePlans.Add(rehabPlan);
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            db.Goals.Add(new Goal
            {
                CarePlanId = rehabPlan.Id, Description = "Make my own cup of tea and carry it to my chair", Measure = "does it safely three days running", TargetDate = today.AddDays(21),
                Status = GoalStatus.Active, ServiceId = services[strokeTeam.Value], LastUpdated = received.AddDays(2), LastUpdatedBy = "Stroke rehabilitation team",
            });
            db.CarePlanChanges.Add(new CarePlanChange { CarePlanId = rehabPlan.Id, ItemKind = "plan", ItemId = rehabPlan.Id, ItemVersion = 1, At = received.AddDays(2), ByName = "Stroke rehabilitation team", Reason = "plan started", AfterJson = "{}" });
            db.CarePlanChanges.Add(new CarePlanChange { CarePlanId = rehabPlan.Id, ItemKind = "plan", ItemId = rehabPlan.Id, ItemVersion = 2, At = received.AddDays(3), ByName = $"{person.GivenName} {person.FamilyName}", Reason = "plan agreed", AfterJson = "{}" });
        }
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
    }
}
