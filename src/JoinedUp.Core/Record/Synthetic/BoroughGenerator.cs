using System.Data.Common;
using System.Diagnostics;
using JoinedUp.Directory;
using JoinedUp.Directory.Catalogue;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Record.Synthetic;

/// <summary>What to generate. The same <see cref="Seed"/>, <see cref="Patients"/> and <see cref="AsOf"/> give the same borough.</summary>
public sealed record BoroughSpec(int Patients, long Seed, DateOnly AsOf)
{
    public const int MaxPatients = 900_000;

    /// <summary>Patients generated and written per batch; memory is bounded by this, not by the borough size.</summary>
    public int ChunkSize { get; init; } = 5_000;

    /// <summary>Delete an existing record first (in the same transaction) instead of refusing.</summary>
    public bool Replace { get; init; }
}

/// <summary>Progress of a generate run.</summary>
public sealed record GenerateProgress(int PatientsDone, int PatientsTotal, long RowsWritten, TimeSpan Elapsed);

/// <summary>What a generate run stored.</summary>
public sealed record GenerateResult(int Patients, int Practices, int Networks, int Staff, IReadOnlyDictionary<string, long> RowsByTable, TimeSpan Elapsed)
{
    public long TotalRows => RowsByTable.Values.Sum();
}

/// <summary>A generate run refused to start; the message says why and what to do.</summary>
public sealed class GenerateRefusedException(string message) : Exception(message);

/// <summary>
/// Writes a deterministic synthetic borough (see <see cref="BoroughPlan"/> and <see cref="PatientSynthesizer"/>) into the
/// configured database. Everything happens in one transaction: a failed or cancelled run leaves the database as it was.
/// </summary>
public sealed class BoroughGenerator(StorageOptions storage)
{
    public async Task<GenerateResult> GenerateAsync(BoroughSpec spec, IProgress<GenerateProgress>? progress, CancellationToken ct)
    {
        if (spec.Patients is < 1 or > BoroughSpec.MaxPatients)
        {
            throw new GenerateRefusedException($"--patients must be between 1 and {BoroughSpec.MaxPatients:N0}; {spec.Patients:N0} was given.");
        }
        var clock = Stopwatch.StartNew();
        var catalogue = ServiceCatalogue.LoadDefault();

        await using (var migrateDb = JoinedUpStorage.CreateContext(storage))
        {
            await new DatabaseMigrator(migrateDb, storage).MigrateAsync(ct).ConfigureAwait(false);
        }

        var connection = await JoinedUpStorage.OpenConnectionAsync(storage, ct).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (connection is Microsoft.Data.Sqlite.SqliteConnection)
            {
                // A big page cache for this one connection: the secondary indexes take keys in random order, and with
                // SQLite's default 2 MiB cache every insert would re-read index pages from disk.
                var pragma = connection.CreateCommand();
                await using (pragma.ConfigureAwait(false))
                {
                    pragma.CommandText = "PRAGMA cache_size = -262144";
                    await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
            }
            var tx = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (tx.ConfigureAwait(false))
            {
                await using var db = JoinedUpStorage.CreateContext(storage, connection);
                await db.Database.UseTransactionAsync(tx, ct).ConfigureAwait(false);

                var existing = await db.Patients.LongCountAsync(ct).ConfigureAwait(false);
                if (existing > 0 && !spec.Replace)
                {
                    throw new GenerateRefusedException(
                        $"The {storage.Describe()} already holds {existing:N0} patients. generate writes a whole borough into an empty record; " +
                        "add --replace to delete the existing borough first (nothing is deleted if the run fails).");
                }
                if (spec.Replace)
                {
                    await DeleteBoroughAsync(db, ct).ConfigureAwait(false);
                }

                await new CatalogueImporter(db).ImportAsync(catalogue, ct).ConfigureAwait(false);
                var plan = new BoroughPlan(spec.Seed);
                var staffCount = await StoreDirectoryAsync(db, plan, ct).ConfigureAwait(false);

                // The activity step routes only to services and teams that exist in this database.
                var services = (await db.Services.AsNoTracking().OrderBy(s => s.Id).Select(s => new { s.Code, s.Id, s.Name }).ToListAsync(ct).ConfigureAwait(false))
                    .Select(s => new GeneratedService(s.Code, s.Id, [], s.Name)).ToList();
                var teamIds = await db.Teams.AsNoTracking().OrderBy(t => t.Id).Select(t => new { t.Id, t.ServiceId }).ToListAsync(ct).ConfigureAwait(false);
                services = services.Select(s => s with { TeamIds = teamIds.Where(t => t.ServiceId == s.Id).Select(t => t.Id).ToList() }).ToList();
                var hospitalId = await db.Organisations.AsNoTracking().Where(o => o.Kind == OrganisationKind.NhsTrust).OrderBy(o => o.OdsCode).Select(o => (int?)o.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                var activity = new ActivitySynthesizer(spec.Seed, spec.AsOf, services);
                var synthesizer = new PatientSynthesizer(plan, spec.Seed, spec.AsOf, catalogue.Borough.PostcodeDistricts, activity, hospitalId);
                var nhsNumbers = new NhsNumberSequence(spec.Seed);
                var rows = BoroughTables.All.ToDictionary(t => t.Name, _ => 0L);
                var writer = BulkWriter.Create(connection, tx);
                await using (writer.ConfigureAwait(false))
                {
                    var chunk = new RowChunk();
                    for (var start = 0; start < spec.Patients; start += spec.ChunkSize)
                    {
                        ct.ThrowIfCancellationRequested();
                        var end = Math.Min(spec.Patients, start + spec.ChunkSize);
                        chunk.Clear();
                        for (var i = start; i < end; i++)
                        {
                            // About 1 in 300 people have no NHS number yet (newly arrived); they are flagged for tracing.
                            var nhs = nhsNumbers.Next();
                            synthesizer.Add(i, i % 300 == 299 ? null : nhs, chunk);
                        }
                        foreach (var table in BoroughTables.All)
                        {
                            await writer.WriteAsync(table, chunk.Rows(table), ct).ConfigureAwait(false);
                            rows[table.Name] += chunk.Rows(table).Count;
                        }
                        progress?.Report(new GenerateProgress(end, spec.Patients, writer.RowsWritten, clock.Elapsed));
                    }
                    await writer.FinishAsync(BoroughTables.All, ct).ConfigureAwait(false);
                }
                await tx.CommitAsync(ct).ConfigureAwait(false);
                return new GenerateResult(spec.Patients, plan.Practices.Count, plan.Networks.Count, staffCount, rows, clock.Elapsed);
            }
        }
    }

    private static async Task<int> StoreDirectoryAsync(JoinedUpDbContext db, BoroughPlan plan, CancellationToken ct)
    {
        var networks = plan.Networks.Select((name, i) => new Network { Code = $"N{i + 1}", Name = $"{name} network" }).ToList();
        db.Networks.AddRange(networks);
        var practices = plan.Practices.Select(p => new Organisation
        {
            OdsCode = p.OdsCode,
            Name = p.Name,
            Kind = OrganisationKind.GpPractice,
            Network = networks[p.NetworkIndex],
            Postcode = p.Postcode,
        }).ToList();
        db.Organisations.AddRange(practices);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        for (var i = 0; i < practices.Count; i++) plan.Practices[i].Id = practices[i].Id;

        var orgs = await db.Organisations.ToDictionaryAsync(o => o.OdsCode, ct).ConfigureAwait(false);
        var teams = await db.Teams.Include(t => t.Service).Include(t => t.Organisation).ToListAsync(ct).ConfigureAwait(false);
        string CodeOf(OrganisationKind kind) => orgs.Values.Where(o => o.Kind == kind).OrderBy(o => o.Id).First().OdsCode;
        var planned = plan.Staff(
            teams.OrderBy(t => t.Id).Select(t => (t.Service!.Code, t.Code, t.Organisation!.OdsCode)),
            CodeOf(OrganisationKind.LeadProvider), CodeOf(OrganisationKind.Commissioner), CodeOf(OrganisationKind.Council));
        var teamByCode = teams.ToDictionary(t => t.Code);
        foreach (var s in planned)
        {
            var member = new StaffMember
            {
                StaffCode = s.StaffCode,
                GivenName = s.GivenName,
                FamilyName = s.FamilyName,
                Email = $"{s.StaffCode.ToLowerInvariant()}@joinedup.example",
                Role = s.Role,
                Profession = s.Profession,
                Organisation = orgs[s.OrganisationCode],
            };
            if (s.TeamCode is not null) member.Teams.Add(new TeamMembership { Team = teamByCode[s.TeamCode], IsLead = s.IsTeamLead });
            db.Staff.Add(member);
        }
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return planned.Count;
    }

    /// <summary>Removes the generated borough: the record, the practices and networks, and the staff.</summary>
    private static async Task DeleteBoroughAsync(JoinedUpDbContext db, CancellationToken ct)
    {
        // Security rows that point at patients and staff go first. The audit trail is kept: it never references rows by key.
        await db.CareTasks.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.CarePlanChanges.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.CarePlanActivities.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Goals.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.CarePlans.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Assessments.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.ReferralRoutes.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.ReferralAttachments.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Referrals.ExecuteUpdateAsync(s => s.SetProperty(r => r.LinkedReferralId, (long?)null), ct).ConfigureAwait(false);
        await db.Referrals.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Episodes.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.CareRelationships.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.ResourceVersions.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.ResourceIdentifiers.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.ImportCheckpoints.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.CarerProxies.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.BreakGlassAccesses.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.ConsentDecisions.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        // Demo sign-ins are recreated by the web app for the new borough; other users lose their links to the old one.
        await db.Users.Where(u => u.IsDemo).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Users.Where(u => u.PatientId != null || u.StaffMemberId != null)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.PatientId, (long?)null).SetProperty(u => u.StaffMemberId, (int?)null), ct).ConfigureAwait(false);
        await db.Observations.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Procedures.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Allergies.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Encounters.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Conditions.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Immunisations.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.MedicationStatements.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Carers.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Patients.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.TeamMemberships.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Staff.ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Organisations.Where(o => o.Kind == OrganisationKind.GpPractice).ExecuteDeleteAsync(ct).ConfigureAwait(false);
        await db.Networks.ExecuteDeleteAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>
/// NHS numbers in the 999 test range, in a scrambled but fixed order for a seed, skipping nine-digit bodies whose check
/// digit would be 10. There are about 909,000 such numbers, so up to <see cref="BoroughSpec.MaxPatients"/> people.
/// </summary>
internal sealed class NhsNumberSequence(long seed)
{
    private const long Range = 1_000_000; // six free digits after 999
    private readonly long _offset = (long)((ulong)Rng.ForStream(seed, 3, 0).NextULong() % Range);
    private long _step;

    public string Next()
    {
        while (_step < Range)
        {
            // 7,919 is prime and coprime with 10^6, so this visits every body exactly once.
            var six = (_offset + _step++ * 7_919) % Range;
            var number = NhsNumber.FromBody(999_000_000 + six);
            if (number is not null) return number.Value.Value;
        }
        throw new InvalidOperationException("The NHS number test range is exhausted.");
    }
}
