using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Storage;

/// <summary>Applies pending migrations for the configured provider. EF Core runs them under a migration lock and in a transaction, so a failed migrate leaves the schema as it was.</summary>
public sealed class DatabaseMigrator(JoinedUpDbContext db, StorageOptions options)
{
    /// <summary>Migrates the database to the latest schema and returns the names of the migrations applied (empty when up to date).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct)
    {
        try
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(ct).ConfigureAwait(false)).ToList();
            if (pending.Count > 0)
            {
                await db.Database.MigrateAsync(ct).ConfigureAwait(false);
            }
            return pending;
        }
        catch (Exception ex) when (JoinedUpStorage.IsUnavailable(ex))
        {
            throw JoinedUpStorage.Unavailable(options, ex);
        }
    }

    /// <summary>Migrations not yet applied.</summary>
    public async Task<IReadOnlyList<string>> PendingAsync(CancellationToken ct)
    {
        try
        {
            return (await db.Database.GetPendingMigrationsAsync(ct).ConfigureAwait(false)).ToList();
        }
        catch (Exception ex) when (JoinedUpStorage.IsUnavailable(ex))
        {
            throw JoinedUpStorage.Unavailable(options, ex);
        }
    }
}
