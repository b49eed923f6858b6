using JoinedUp.Record;
using JoinedUp.Record.Codes;
using JoinedUp.Record.Synthetic;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Record;

/// <summary>The generator's activity step, frailty codes and hospital stays (docs/adr/0006 section 8), on both providers.</summary>
public class ActivityStepTests
{
    private static readonly DateOnly AsOf = new(2026, 10, 31);

    private static async Task<long> ScalarAsync(StorageOptions options, string sql)
    {
        await using var conn = await JoinedUpStorage.OpenConnectionAsync(options, default);
        await using var cmd = conn.CreateCommand();
#pragma warning disable CA2100 // fixed test SQL
        cmd.CommandText = sql;
#pragma warning restore CA2100
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Generated_activity_keeps_the_invariants_the_measures_rely_on(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var result = await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(4000, 21, AsOf) { ChunkSize = 1500 }, null, default);
        foreach (var table in new[] { "episode", "referral", "referral_route", "assessment", "care_plan", "care_task" })
        {
            Assert.True(result.RowsByTable[table] > 100, $"{table}: {result.RowsByTable[table]} rows");
        }
        var o = db.Options;
        Assert.Equal(0, await ScalarAsync(o, "SELECT COUNT(*) FROM referral_route r JOIN team t ON t.id = r.team_id WHERE t.service_id <> r.service_id"));
        Assert.Equal(0, await ScalarAsync(o, "SELECT COUNT(*) FROM referral_route rr JOIN referral r ON r.id = rr.referral_id WHERE rr.first_contact_at < r.received_at OR rr.accepted_at < rr.routed_at OR rr.first_contact_at < rr.accepted_at"));
        Assert.Equal(0, await ScalarAsync(o, "SELECT COUNT(*) FROM referral WHERE triaged_at < received_at OR first_contact_at < received_at"));
        Assert.Equal(0, await ScalarAsync(o, "SELECT COUNT(*) FROM care_plan WHERE agreed_at < created_at"));
        Assert.Equal(0, await ScalarAsync(o, "SELECT COUNT(*) FROM care_plan p JOIN episode e ON e.id = p.episode_id WHERE p.created_at < e.opened_at OR p.patient_id <> e.patient_id"));
        Assert.Equal(0, await ScalarAsync(o, "SELECT COUNT(*) FROM episode WHERE closed_at < opened_at"));
        Assert.Equal(0, await ScalarAsync(o, "SELECT COUNT(*) FROM care_task WHERE accepted_at < created_at OR completed_at < created_at OR status = 1"));
        // Children (under 18 when referred) go only to children's services (or get an interpreter booked).
        Assert.Equal(0, await ScalarAsync(o,
            "SELECT COUNT(*) FROM referral_route rr JOIN referral r ON r.id = rr.referral_id JOIN patient p ON p.id = r.patient_id JOIN service s ON s.id = rr.service_id " +
            "WHERE s.code NOT LIKE 'children-%' AND s.code <> 'interpreting' AND p.birth_date > " + (provider == StorageProvider.Sqlite ? "date(r.received_at, '-18 years')" : "(r.received_at - interval '18 years')::date")));
        Assert.Equal(0, await ScalarAsync(o,
            "SELECT COUNT(*) FROM referral_route rr JOIN referral r ON r.id = rr.referral_id JOIN patient p ON p.id = r.patient_id JOIN service s ON s.id = rr.service_id " +
            "WHERE s.code LIKE 'children-%' AND p.birth_date <= " + (provider == StorageProvider.Sqlite ? "date(r.received_at, '-18 years')" : "(r.received_at - interval '18 years')::date")));
        // Nothing happens after the as-of date.
        var asOf = provider == StorageProvider.Sqlite ? "'2026-10-31 00:00:00'" : "'2026-10-31T00:00:00Z'";
        Assert.Equal(0, await ScalarAsync(o, $"SELECT COUNT(*) FROM care_task WHERE created_at > {asOf} OR completed_at > {asOf} OR accepted_at > {asOf}"));
        Assert.Equal(0, await ScalarAsync(o, $"SELECT COUNT(*) FROM referral WHERE received_at > {asOf} OR first_contact_at > {asOf}"));
        Assert.Equal(0, await ScalarAsync(o, $"SELECT COUNT(*) FROM encounter WHERE start_at > {asOf} OR end_at > {asOf} OR end_at < start_at"));
        // The measures have something to separate: some on time, some late.
        Assert.InRange(await ScalarAsync(o, "SELECT COUNT(*) FROM care_plan WHERE agreed_at IS NULL"), 1, long.MaxValue);
        Assert.InRange(await ScalarAsync(o, "SELECT COUNT(*) FROM care_task WHERE escalation_level = 1"), 1, long.MaxValue);
        Assert.InRange(await ScalarAsync(o, "SELECT COUNT(*) FROM episode WHERE closed_at IS NULL"), 1, long.MaxValue);

        await using var ctx = JoinedUpStorage.CreateContext(o);
        // Hospital stays have a reason; emergency ones include reasons that are not ambulatory-care-sensitive.
        Assert.False(await ctx.Encounters.AnyAsync(e => (e.Class == EncounterClass.Emergency || e.Class == EncounterClass.Inpatient) && e.ReasonCode == null));
        Assert.True(await ctx.Encounters.AnyAsync(e => e.Class == EncounterClass.Emergency && e.ReasonCode == ClinicalCodes.ByKey("copd-exacerbation").Code));
        Assert.True(await ctx.Encounters.AnyAsync(e => e.Class == EncounterClass.Emergency && e.ReasonCode == ClinicalCodes.ByKey("appendicitis").Code));
        Assert.False(await ctx.Encounters.AnyAsync(e => e.Class == EncounterClass.Ambulatory && e.ReasonCode != null));
        // Frailty codes only for people aged 65 or more.
        var frailty = new[] { "frailty-mild", "frailty-moderate", "frailty-severe" }.Select(k => ClinicalCodes.ByKey(k).Code).ToList();
        var frail = await ctx.Observations.Where(x => frailty.Contains(x.Code)).Select(x => x.PatientId).Distinct().ToListAsync();
        Assert.NotEmpty(frail);
        Assert.False(await ctx.Patients.AnyAsync(p => frail.Contains(p.Id) && p.BirthDate > AsOf.AddYears(-65)));
        // References are in the intake's format and unique (a unique index holds them).
        Assert.All(await ctx.Referrals.Select(r => r.Reference).Take(200).ToListAsync(), r => Assert.Matches("^R-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$", r));
    }

    [Fact]
    public async Task A_bigger_borough_has_the_same_first_people_with_the_same_activity_and_proportionally_more()
    {
        await using var small = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var big = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var s = await new BoroughGenerator(small.Options).GenerateAsync(new BoroughSpec(2000, 42, AsOf), null, default);
        var b = await new BoroughGenerator(big.Options).GenerateAsync(new BoroughSpec(6000, 42, AsOf) { ChunkSize = 700 }, null, default);
        foreach (var table in new[] { "episode", "referral", "referral_route", "assessment", "care_plan", "care_task", "encounter" })
        {
            var ratio = b.RowsByTable[table] / (double)s.RowsByTable[table];
            Assert.InRange(ratio, 2.5, 3.5);
        }
        await using var sc = JoinedUpStorage.CreateContext(small.Options);
        await using var bc = JoinedUpStorage.CreateContext(big.Options);
        Assert.Equal(
            await sc.Referrals.OrderBy(r => r.Id).Select(r => new { r.Id, r.Reference, r.PatientId, r.ReceivedAt, r.TriagedAt, r.FirstContactAt, r.Urgency }).ToListAsync(),
            await bc.Referrals.Where(r => r.PatientId <= 2000).OrderBy(r => r.Id).Select(r => new { r.Id, r.Reference, r.PatientId, r.ReceivedAt, r.TriagedAt, r.FirstContactAt, r.Urgency }).ToListAsync());
        Assert.Equal(
            await sc.CareTasks.OrderBy(t => t.Id).Select(t => new { t.Id, t.PatientId, t.Kind, t.Status, t.DueAt, t.CompletedAt }).ToListAsync(),
            await bc.CareTasks.Where(t => t.PatientId <= 2000).OrderBy(t => t.Id).Select(t => new { t.Id, t.PatientId, t.Kind, t.Status, t.DueAt, t.CompletedAt }).ToListAsync());
    }
}
