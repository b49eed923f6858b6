using JoinedUp.Access;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Outcomes.Experience;

/// <summary>What one invitation run did, per trigger.</summary>
public sealed record InvitationRun(int AfterFirstContact, int AfterEncounter);

/// <summary>
/// Invites people to answer the FFT after a first contact on a referral route or a finished encounter with a community
/// service (docs/adr/0006, 5). Set-based: one <c>INSERT … SELECT</c> per trigger, from each trigger's stored watermark,
/// with an overlap so that a row committed late is still seen; a unique index on (trigger, source) makes a second run,
/// or two at once, invite nobody twice. Nobody is invited for a sensitive service or a confidential contact, twice for
/// the same service within <see cref="RepeatDays"/> days, or, under 16, without a carer holding an active proxy (the
/// invitation names the child; the carer answers it in the patient view). The scheduler runs it every 15 minutes.
/// </summary>
public sealed class ExperienceInvitationService(JoinedUpDbContext db, TimeProvider clock)
{
    /// <summary>No second invitation for the same person and service within this many days.</summary>
    public const int RepeatDays = 30;

    /// <summary>An invitation (and any link issued for it) expires this many days after it was made.</summary>
    public const int ExpiryDays = 30;

    /// <summary>Under this age the invitation is for a carer with an active proxy.</summary>
    public const int ChildUnder = 16;

    /// <summary>How far back the first run looks, and how old a contact may be when it is found.</summary>
    public static readonly TimeSpan Lookback = TimeSpan.FromDays(7);

    /// <summary>Each run rescans this much before its watermark: a row written in a transaction that committed late is still seen.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(10);

    public async Task<InvitationRun> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var routes = await RunTriggerAsync(ExperienceTrigger.FirstContact, now, ct).ConfigureAwait(false);
        var encounters = await RunTriggerAsync(ExperienceTrigger.Encounter, now, ct).ConfigureAwait(false);
        return new InvitationRun(routes, encounters);
    }

    private async Task<int> RunTriggerAsync(ExperienceTrigger trigger, DateTime now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
        var mark = await db.ExperienceWatermarks.FirstOrDefaultAsync(w => w.Trigger == trigger, ct).ConfigureAwait(false);
        var from = mark is null ? now - Lookback : DateTime.SpecifyKind(mark.ScannedTo, DateTimeKind.Utc) - Overlap;
        var today = DateOnly.FromDateTime(UkClock.ToLocal(now));
        // Parameters: {0} from, {1} now, {2} expires, {3} repeat window start, {4} adults born on or before, {5} oldest contact.
        object[] args = [from, now, now.AddDays(ExpiryDays), now.AddDays(-RepeatDays), today.AddYears(-ChildUnder), now - Lookback];
        var inserted = await db.Database.ExecuteSqlRawAsync(trigger == ExperienceTrigger.FirstContact ? FirstContactSql : EncounterSql, args, ct).ConfigureAwait(false);
        if (mark is null) db.ExperienceWatermarks.Add(new ExperienceWatermark { Trigger = trigger, ScannedTo = now });
        else mark.ScannedTo = now;
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return inserted;
    }

    private const string Columns = """
        INSERT INTO experience_invitation (patient_id, questionnaire, service_id, practice_id, "trigger", source_id, contact_at, token_hash, sent_at, expires_at, answered_at)
        """;

    /// <summary>Who can answer: an adult, or a child whose carer holds an active proxy; and not invited for the service in the last 30 days.</summary>
    private const string Eligible = """
        AND NOT s.is_sensitive
        AND (p.birth_date <= {4} OR EXISTS (SELECT 1 FROM carer_proxy cp WHERE cp.patient_id = p.id AND cp.withdrawn_at IS NULL))
        AND NOT EXISTS (SELECT 1 FROM experience_invitation i WHERE i.patient_id = p.id AND i.service_id = s.id AND i.sent_at > {3})
        """;

    private const string FirstContactSql = Columns + """
        SELECT p.id, 'fft', s.id, p.registered_practice_id, 1, MIN(rt.id), MIN(rt.first_contact_at), NULL, {1}, {2}, NULL
        FROM referral_route rt
        JOIN referral r ON r.id = rt.referral_id
        JOIN patient p ON p.id = r.patient_id
        JOIN service s ON s.id = rt.service_id
        WHERE rt.first_contact_at > {0} AND rt.first_contact_at <= {1} AND rt.first_contact_at > {5}
        AND NOT rt.is_booking
        AND NOT EXISTS (SELECT 1 FROM experience_invitation x WHERE x."trigger" = 1 AND x.source_id = rt.id)
        """ + Eligible + """
        GROUP BY p.id, s.id, p.registered_practice_id
        """;

    private const string EncounterSql = Columns + """
        SELECT p.id, 'fft', s.id, p.registered_practice_id, 2, MIN(e.id), MIN(COALESCE(e.end_at, e.start_at)), NULL, {1}, {2}, NULL
        FROM encounter e
        JOIN patient p ON p.id = e.patient_id
        JOIN service s ON s.id = e.service_id
        WHERE e.service_id IS NOT NULL AND e.last_updated > {0} AND e.last_updated <= {1}
        AND e.status = 3 AND NOT e.confidential
        AND COALESCE(e.end_at, e.start_at) <= {1} AND COALESCE(e.end_at, e.start_at) > {5}
        AND NOT EXISTS (SELECT 1 FROM experience_invitation x WHERE x."trigger" = 2 AND x.source_id = e.id)
        """ + Eligible + """
        GROUP BY p.id, s.id, p.registered_practice_id
        """;
}
