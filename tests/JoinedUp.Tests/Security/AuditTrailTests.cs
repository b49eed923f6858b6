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
}
