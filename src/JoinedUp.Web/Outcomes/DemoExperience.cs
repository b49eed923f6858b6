using JoinedUp.Outcomes.Experience;
using JoinedUp.Record;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Outcomes;

/// <summary>
/// Demo mode only: patient experience data. With the care story, the demo patient had a community nursing visit
/// yesterday and the person in stroke rehabilitation a physiotherapy visit, and the invitation job invites both (the
/// patient sees a "Tell us how it went" card; staff can issue a link for the other). Across the borough,
/// <see cref="ExperienceSeeder"/> adds anonymous responses, once, when there are none.
/// </summary>
internal static class DemoExperience
{
    public static async Task SeedAsync(IServiceProvider services, StorageOptions storage, DemoOptions demo, CancellationToken ct)
    {
        var db = services.GetRequiredService<JoinedUpDbContext>();
        var clock = services.GetRequiredService<TimeProvider>();
        var now = clock.GetUtcNow().UtcDateTime;
        if (demo.CareStory && !await db.ExperienceInvitations.AnyAsync(ct).ConfigureAwait(false))
        {
            // The people on the nursing and stroke rehabilitation caseloads of the demo story, with a visit yesterday.
            var visits = await db.CareRelationships.AsNoTracking()
                .Where(r => r.Kind == JoinedUp.Security.RelationshipKind.Caseload && r.EndedAt == null && r.TeamId != null)
                .Join(db.Teams, r => r.TeamId, t => t.Id, (r, t) => new { r.PatientId, t.ServiceId, Code = t.Service!.Code })
                .Where(x => x.Code == "adult-community-nursing" || x.Code == "stroke-rehab")
                .Distinct().ToListAsync(ct).ConfigureAwait(false);
            foreach (var v in visits)
            {
                db.Encounters.Add(new Encounter
                {
                    PatientId = v.PatientId, ServiceId = v.ServiceId, RecordedByServiceId = v.ServiceId, Class = EncounterClass.Home, Status = EncounterStatus.Finished,
                    TypeCode = "11429006", StartAt = now.AddDays(-1), EndAt = now.AddDays(-1).AddMinutes(45), LastUpdated = now,
                });
            }
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            await services.GetRequiredService<ExperienceInvitationService>().RunAsync(ct).ConfigureAwait(false);
        }
        if (!await db.ExperienceResponses.AnyAsync(ct).ConfigureAwait(false))
        {
            await ExperienceSeeder.SeedAsync(storage, new ExperienceSeedOptions(demo.Seed, DateOnly.FromDateTime(JoinedUp.Access.UkClock.ToLocal(now)), IncludePracticeContacts: true), ct).ConfigureAwait(false);
        }
    }
}
