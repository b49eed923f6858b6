using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using JoinedUp.Record;
using JoinedUp.Record.Codes;
using JoinedUp.Record.Synthetic;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Record;

public class BoroughGeneratorTests
{
    private static readonly DateOnly AsOf = new(2026, 10, 31);

    [Fact]
    public async Task The_same_seed_gives_the_same_borough_and_another_seed_a_different_one()
    {
        await using var a = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var b = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await using var c = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await new BoroughGenerator(a.Options).GenerateAsync(new BoroughSpec(1500, 7, AsOf), null, default);
        await new BoroughGenerator(b.Options).GenerateAsync(new BoroughSpec(1500, 7, AsOf) { ChunkSize = 333 }, null, default);
        await new BoroughGenerator(c.Options).GenerateAsync(new BoroughSpec(1500, 8, AsOf), null, default);

        var fa = await Fingerprint(a.Options);
        Assert.Equal(fa, await Fingerprint(b.Options));
        Assert.NotEqual(fa, await Fingerprint(c.Options));
    }

    [Fact]
    public async Task Prevalence_is_realistic_and_varies_between_practices()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        const int n = 30_000;
        await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(n, 42, AsOf), null, default);
        await using var ctx = JoinedUpStorage.CreateContext(db.Options);

        async Task<double> Prevalence(params string[] codes) =>
            await ctx.Conditions.Where(x => codes.Contains(x.Code)).Select(x => x.PatientId).Distinct().CountAsync() / (double)n;

        Assert.InRange(await Prevalence([.. ClinicalCodes.Diabetes]), 0.06, 0.08);
        Assert.InRange(await Prevalence(ClinicalCodes.EssentialHypertension), 0.095, 0.125);
        Assert.InRange(await Prevalence(ClinicalCodes.Copd), 0.011, 0.019);
        Assert.InRange(await Prevalence(ClinicalCodes.CoronaryHeartDisease), 0.016, 0.026);

        // Practices differ: the highest diabetes prevalence is well above the lowest.
        var byPractice = await ctx.Patients
            .GroupBy(p => p.RegisteredPracticeId)
            .Select(g => new { Total = g.Count(), Diabetic = g.Count(p => ctx.Conditions.Any(c => c.PatientId == p.Id && ClinicalCodes.Diabetes.Contains(c.Code))) })
            .ToListAsync();
        var rates = byPractice.Where(p => p.Total > 300).Select(p => p.Diabetic / (double)p.Total).ToList();
        Assert.True(rates.Max() > rates.Min() * 1.4, $"diabetes prevalence by practice ranges only {rates.Min():P1} to {rates.Max():P1}");

        // Inner-London age structure: about a quarter aged 25-34, few over 75.
        var born25to34 = await ctx.Patients.CountAsync(p => p.BirthDate <= AsOf.AddYears(-25) && p.BirthDate > AsOf.AddYears(-35));
        Assert.InRange(born25to34 / (double)n, 0.21, 0.27);
    }

    [Fact]
    public async Task Nhs_numbers_are_unique_valid_and_in_the_999_test_range_and_a_few_people_have_none()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(3000, 3, AsOf), null, default);
        await using var ctx = JoinedUpStorage.CreateContext(db.Options);
        var numbers = await ctx.Patients.Select(p => p.NhsNumber).ToListAsync();
        var present = numbers.Where(x => x is not null).ToList();
        Assert.All(present, x =>
        {
            Assert.StartsWith("999", x, StringComparison.Ordinal);
            Assert.True(NhsNumber.IsValid(x), x);
        });
        Assert.Equal(present.Count, present.Distinct().Count());
        Assert.Equal(10, numbers.Count(x => x is null)); // 1 in 300, flagged for tracing
    }

    [Fact]
    public async Task Children_have_immunisations_with_coverage_that_differs_by_practice_and_nothing_is_dated_after_the_as_of_date()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(8000, 11, AsOf), null, default);
        await using var ctx = JoinedUpStorage.CreateContext(db.Options);
        var mmr1 = ClinicalCodes.ByKey("mmr-1").Code;
        var children = await ctx.Patients.Where(p => p.BirthDate <= AsOf.AddYears(-2) && p.BirthDate > AsOf.AddYears(-5)).Select(p => p.Id).ToListAsync();
        var withMmr = await ctx.Immunisations.Where(i => i.VaccineCode == mmr1 && children.Contains(i.PatientId)).Select(i => i.PatientId).Distinct().CountAsync();
        Assert.InRange(withMmr / (double)children.Count, 0.6, 0.97);
        Assert.False(await ctx.Immunisations.AnyAsync(i => i.OccurredOn > AsOf));
        Assert.False(await ctx.Observations.AnyAsync(o => o.EffectiveAt > AsOf.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)));
        Assert.True(await ctx.Observations.AnyAsync(o => o.EffectiveAt < AsOf.AddYears(-2).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)), "three years of observations");
    }

    [Fact]
    public void Bulk_columns_match_the_storage_model()
    {
        using var ctx = JoinedUpStorage.CreateContext(new StorageOptions { SqlitePath = Path.Combine(Path.GetTempPath(), "joinedup-model-check.db") });
        foreach (var table in BoroughTables.All)
        {
            var entity = ctx.Model.GetEntityTypes().Single(e => e.GetTableName() == table.Name);
            var columns = entity.GetProperties().Select(p => p.GetColumnName()).ToHashSet(StringComparer.Ordinal);
            Assert.True(columns.IsSupersetOf(table.Columns), $"{table.Name}: bulk writes columns the model does not have: [{string.Join(", ", table.Columns.Except(columns).Order())}]");
            // Columns the generator leaves out must take a database default or be nullable (e.g. the security labels: "not restricted").
            var leftOut = entity.GetProperties().Where(p => !table.Columns.Contains(p.GetColumnName()) && !p.IsNullable && p.GetDefaultValue() is null && p.GetDefaultValueSql() is null)
                .Select(p => p.GetColumnName()).ToList();
            Assert.True(leftOut.Count == 0, $"{table.Name}: bulk writes leave out required columns without a default: [{string.Join(", ", leftOut)}]");
        }
    }

    /// <summary>SHA-256 over every generated row of every table, in id order.</summary>
    internal static async Task<string> Fingerprint(StorageOptions options)
    {
        await using var conn = await JoinedUpStorage.OpenConnectionAsync(options, default);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var table in BoroughTables.All)
        {
            await using var cmd = conn.CreateCommand();
#pragma warning disable CA2100
            cmd.CommandText = $"SELECT {string.Join(", ", table.Columns)} FROM {table.Name} ORDER BY id";
#pragma warning restore CA2100
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    sha.AppendData(Encoding.UTF8.GetBytes(Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture) + "|"));
                }
            }
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }
}
