using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Tests.Cli;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Tests.Security;

/// <summary>The hash-chained, append-only audit trail on both databases, and `joinedup audit verify` as a process.</summary>
public class AuditTrailTests
{
    private static async Task<TestDatabase> MigratedAsync(StorageProvider provider)
    {
        var db = await TestDatabase.CreateAsync(provider);
        await using var context = JoinedUpStorage.CreateContext(db.Options);
        await new DatabaseMigrator(context, db.Options).MigrateAsync(CancellationToken.None);
        return db;
    }

    private static AuditEvent Event(int i) => new()
    {
        At = DateTime.UtcNow,
        UserId = $"user-{i % 7}",
        UserName = "Test user",
        Role = "clinician",
        OrganisationCode = "ZLP01",
        PatientId = 1000 + i,
        Action = "record.read",
        Resource = $"Patient/{1000 + i}",
        Outcome = AuditOutcome.Allowed,
        Basis = "on the team's caseload",
    };

    private static async Task WriteAsync(TestDatabase db, int count)
    {
        await using var trail = new AuditTrail(db.Options, NullLogger<AuditTrail>.Instance);
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => trail.RecordAsync(Event(i), CancellationToken.None)));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Concurrent_requests_are_audited_into_one_intact_chain(StorageProvider provider)
    {
        await using var db = await MigratedAsync(provider);
        // Two writers (as two app instances would be) at once.
        await Task.WhenAll(WriteAsync(db, 300), WriteAsync(db, 300));
        var result = await AuditVerifier.VerifyAsync(db.Options, null, CancellationToken.None);
        Assert.True(result.Intact, result.FirstProblem);
        Assert.Equal(600, result.RowsChecked);
        await using var context = JoinedUpStorage.CreateContext(db.Options);
        Assert.Equal(600, await context.AuditEntries.Select(e => e.PatientId).Distinct().CountAsync() * 2);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_database_refuses_to_edit_or_delete_audit_rows(StorageProvider provider)
    {
        await using var db = await MigratedAsync(provider);
        await WriteAsync(db, 5);
        await using var context = JoinedUpStorage.CreateContext(db.Options);
        var edit = await Xunit.Record.ExceptionAsync(() => context.Database.ExecuteSqlRawAsync("UPDATE audit_entry SET outcome = 'denied' WHERE id = 2"));
        var delete = await Xunit.Record.ExceptionAsync(() => context.Database.ExecuteSqlRawAsync("DELETE FROM audit_entry WHERE id = 3"));
        Assert.Contains("append-only", edit?.Message ?? "no error", StringComparison.Ordinal);
        Assert.Contains("append-only", delete?.Message ?? "no error", StringComparison.Ordinal);
        Assert.Equal(5, await context.AuditEntries.CountAsync());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Audit_verify_detects_an_edited_row_and_a_removed_row(StorageProvider provider)
    {
        await using var db = await MigratedAsync(provider);
        await WriteAsync(db, 20);
        var env = db.EnvironmentVariables();
        var intact = await CliTests.Run(env, "audit", "verify");
        Assert.Equal(0, intact.Exit);
        Assert.Contains("Audit trail intact: 20 rows", intact.Out, StringComparison.Ordinal);

        // Someone with database rights switches the guard off and rewrites history.
        await using (var context = JoinedUpStorage.CreateContext(db.Options))
        {
            var dropGuards = provider == StorageProvider.Postgres
                ? "ALTER TABLE audit_entry DISABLE TRIGGER USER"
                : "DROP TRIGGER audit_entry_no_update; DROP TRIGGER audit_entry_no_delete;";
            await context.Database.ExecuteSqlRawAsync(dropGuards);
            await context.Database.ExecuteSqlRawAsync("UPDATE audit_entry SET outcome = 'denied' WHERE id = 7");
        }
        var edited = await CliTests.Run(env, "audit", "verify");
        Assert.Equal(3, edited.Exit);
        Assert.Contains("row 7 was changed", edited.Err, StringComparison.Ordinal);

        await using (var context = JoinedUpStorage.CreateContext(db.Options))
        {
            // Put the edit back, then remove a row instead.
            await context.Database.ExecuteSqlRawAsync("UPDATE audit_entry SET outcome = 'allowed' WHERE id = 7");
            Assert.Equal(0, (await CliTests.Run(env, "audit", "verify")).Exit);
            await context.Database.ExecuteSqlRawAsync("DELETE FROM audit_entry WHERE id = 12");
        }
        var removed = await CliTests.Run(env, "audit", "verify");
        Assert.Equal(3, removed.Exit);
        Assert.Contains("row 13 does not follow the row before it", removed.Err, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_keyed_chain_cannot_be_rewritten_by_someone_who_has_the_database_but_not_the_key(StorageProvider provider)
    {
        await using var db = await MigratedAsync(provider);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await using (var trail = new AuditTrail(db.Options, NullLogger<AuditTrail>.Instance, key))
        {
            for (var i = 0; i < 10; i++) await trail.RecordAsync(Event(i), CancellationToken.None);
        }
        var good = await AuditVerifier.VerifyAsync(db.Options, key, null, CancellationToken.None);
        Assert.True(good.Intact);
        Assert.Equal(10, good.KeyedRows);
        var env = db.EnvironmentVariables();
        var noKey = await CliTests.Run(env, "audit", "verify");
        Assert.Equal(4, noKey.Exit);
        env["Security__AuditKey"] = Convert.ToBase64String(key);
        Assert.Equal(0, (await CliTests.Run(env, "audit", "verify")).Exit);

        // The attacker edits row 4 and recomputes every later hash, keeping the rows marked keyed...
        await RewriteFromAsync(db, provider, 4, stayKeyed: true);
        var rewritten = await CliTests.Run(env, "audit", "verify");
        Assert.Equal(3, rewritten.Exit);
        Assert.Contains("row 4 was changed", rewritten.Err, StringComparison.Ordinal);

        // ...or marks them unkeyed so that plain hashes would do.
        await RewriteFromAsync(db, provider, 4, stayKeyed: false);
        var downgraded = await CliTests.Run(env, "audit", "verify");
        Assert.Equal(3, downgraded.Exit);
        Assert.Contains("row 4 is not keyed but follows keyed rows", downgraded.Err, StringComparison.Ordinal);
    }

    /// <summary>What someone with database rights but no key could do: change row <paramref name="from"/> and recompute the chain after it.</summary>
    private static async Task RewriteFromAsync(TestDatabase db, StorageProvider provider, long from, bool stayKeyed)
    {
        await using var context = JoinedUpStorage.CreateContext(db.Options);
        await context.Database.ExecuteSqlRawAsync(provider == StorageProvider.Postgres
            ? "ALTER TABLE audit_entry DISABLE TRIGGER USER"
            : "DROP TRIGGER IF EXISTS audit_entry_no_update; DROP TRIGGER IF EXISTS audit_entry_no_delete;");
        var rows = await context.AuditEntries.OrderBy(e => e.Id).ToListAsync();
        var previous = AuditChain.Genesis;
        foreach (var row in rows)
        {
            if (row.Id >= from)
            {
                if (row.Id == from) row.Outcome = AuditOutcome.Denied;
                row.PreviousHash = previous;
                row.Keyed = stayKeyed;
                row.Hash = AuditChain.Compute(previous, row.At, row.UserId, row.UserName, row.Role, row.OrganisationCode, row.ClientId, row.PatientId, row.Action, row.Resource, row.Outcome, row.Basis, row.Detail);
            }
            previous = row.Hash;
        }
        await context.SaveChangesAsync();
    }

    [Fact]
    public async Task With_Security_AuditKey_set_the_app_writes_a_keyed_chain_and_a_bad_key_stops_start_up()
    {
        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using (var app = await SecureApp.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { ["Security:AuditKey"] = key }))
        {
            using var nurse = await app.SignInAsync(SecureApp.Email(JoinedUp.Security.Roles.Clinician));
            await nurse.GetAsync($"/api/record/patients/{await app.DemoPatientAsync()}");
            var entries = await app.AuditAsync(_ => true);
            Assert.NotEmpty(entries);
            Assert.All(entries, e => Assert.True(e.Keyed));
            Assert.True((await AuditVerifier.VerifyAsync(app.Db.Options, Convert.FromBase64String(key), null, CancellationToken.None)).Intact);
        }
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => SecureApp.StartAsync(StorageProvider.Sqlite, new Dictionary<string, string?> { ["Security:AuditKey"] = "c2hvcnQ=" }));
        Assert.Contains("needs at least 32", ex.ToString(), StringComparison.Ordinal);
    }
}
