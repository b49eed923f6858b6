using JoinedUp.Record;
using JoinedUp.Record.Synthetic;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Storage;

/// <summary>Every storage rule, on SQLite and on PostgreSQL.</summary>
public class StorageTests
{
    private static readonly DateOnly AsOf = new(2026, 10, 31);

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Migrate_creates_the_schema_and_a_second_migrate_changes_nothing(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var ctx = JoinedUpStorage.CreateContext(db.Options);
        var migrator = new DatabaseMigrator(ctx, db.Options);
        Assert.NotEmpty(await migrator.MigrateAsync(default));
        Assert.Empty(await migrator.MigrateAsync(default));
        Assert.Equal(0, await ctx.Patients.CountAsync());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Generate_stores_the_borough_and_gives_the_same_rows_on_both_providers(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var result = await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(1200, 5, AsOf) { ChunkSize = 500 }, null, default);
        await using var ctx = JoinedUpStorage.CreateContext(db.Options);
        var stats = await BoroughStatistics.ReadAsync(ctx, default);
        Assert.Equal(1200, stats.Count("patient"));
        Assert.Equal(36, stats.Practices.Count);
        Assert.Equal(8, stats.Networks.Count);
        Assert.Equal(17, stats.Services);
        Assert.Equal(result.RowsByTable["observation"], stats.Count("observation"));

        // The same seed gives the same rows whichever database holds them.
        await using var sqlite = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await new BoroughGenerator(sqlite.Options).GenerateAsync(new BoroughSpec(1200, 5, AsOf), null, default);
        await using var sctx = JoinedUpStorage.CreateContext(sqlite.Options);
        Assert.Equal(
            await sctx.Observations.OrderBy(o => o.Id).Select(o => new { o.Id, o.Code, o.Value, o.SecondaryValue, o.EffectiveAt }).ToListAsync(),
            await ctx.Observations.OrderBy(o => o.Id).Select(o => new { o.Id, o.Code, o.Value, o.SecondaryValue, o.EffectiveAt }).ToListAsync());

        // Ids continue after the bulk load: EF can add a patient.
        ctx.Patients.Add(new Patient { LocalIdentifier = "JU-NEW", GivenName = "Test", FamilyName = "Person", BirthDate = new DateOnly(1980, 1, 1) });
        await ctx.SaveChangesAsync();
        Assert.Equal(1201, await ctx.Patients.CountAsync());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Generate_into_a_database_that_has_a_borough_is_refused_and_changes_nothing(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(300, 1, AsOf), null, default);
        var before = await JoinedUp.Tests.Record.BoroughGeneratorTests.Fingerprint(db.Options);

        var ex = await Assert.ThrowsAsync<GenerateRefusedException>(() => new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(500, 2, AsOf), null, default));
        Assert.Contains("--replace", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, await JoinedUp.Tests.Record.BoroughGeneratorTests.Fingerprint(db.Options));

        await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(500, 2, AsOf) { Replace = true }, null, default);
        await using var ctx = JoinedUpStorage.CreateContext(db.Options);
        Assert.Equal(500, await ctx.Patients.CountAsync());
        Assert.Equal(36, await ctx.Organisations.CountAsync(o => o.Kind == JoinedUp.Directory.OrganisationKind.GpPractice));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_cancelled_generate_leaves_the_database_as_it_was(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(300, 1, AsOf), null, default);
        var before = await JoinedUp.Tests.Record.BoroughGeneratorTests.Fingerprint(db.Options);

        using var cts = new CancellationTokenSource();
        var progress = new CancelAfterFirstChunk(cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new BoroughGenerator(db.Options).GenerateAsync(new BoroughSpec(3000, 9, AsOf) { Replace = true, ChunkSize = 500 }, progress, cts.Token));
        Assert.True(progress.Reports >= 1);
        Assert.Equal(before, await JoinedUp.Tests.Record.BoroughGeneratorTests.Fingerprint(db.Options));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Two_patients_cannot_share_an_nhs_number_but_many_may_have_none(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using var ctx = JoinedUpStorage.CreateContext(db.Options);
        await new DatabaseMigrator(ctx, db.Options).MigrateAsync(default);
        ctx.Patients.Add(new Patient { LocalIdentifier = "A", NhsNumber = "9434765919", GivenName = "A", FamilyName = "A", BirthDate = new(1990, 1, 1) });
        ctx.Patients.Add(new Patient { LocalIdentifier = "B", GivenName = "B", FamilyName = "B", BirthDate = new(1990, 1, 1) });
        ctx.Patients.Add(new Patient { LocalIdentifier = "C", GivenName = "C", FamilyName = "C", BirthDate = new(1990, 1, 1) });
        await ctx.SaveChangesAsync();

        await using var other = JoinedUpStorage.CreateContext(db.Options);
        other.Patients.Add(new Patient { LocalIdentifier = "D", NhsNumber = "9434765919", GivenName = "D", FamilyName = "D", BirthDate = new(1990, 1, 1) });
        await Assert.ThrowsAsync<DbUpdateException>(() => other.SaveChangesAsync());
        Assert.Equal(3, await ctx.Patients.CountAsync());
        Assert.True((await ctx.Patients.SingleAsync(p => p.LocalIdentifier == "B")).HasNoNhsNumber);
    }

    [Fact]
    public async Task An_unreachable_postgres_gives_a_message_naming_the_server_without_its_password()
    {
        var options = new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = "Host=127.0.0.1;Port=1;Database=nowhere;Username=u;Password=secret-pw;Timeout=3" };
        await using var ctx = JoinedUpStorage.CreateContext(options);
        var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => new DatabaseMigrator(ctx, options).MigrateAsync(default));
        Assert.Contains("127.0.0.1:1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Storage__ConnectionString", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_without_a_connection_string_is_a_configuration_error_that_says_what_to_set()
    {
        var ex = Assert.Throws<StorageConfigurationException>(() => new StorageOptions { Provider = StorageProvider.Postgres }.Validate());
        Assert.Contains("Storage__ConnectionString", ex.Message, StringComparison.Ordinal);
    }

    private sealed class CancelAfterFirstChunk(CancellationTokenSource cts) : IProgress<GenerateProgress>
    {
        public int Reports;

        public void Report(GenerateProgress value)
        {
            Reports++;
            cts.Cancel();
        }
    }
}
