using JoinedUp.Directory;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Record;

/// <summary>Counts of what the database holds: by table, by network and by practice. Aggregates only, never patient details.</summary>
public sealed record BoroughStatistics(
    IReadOnlyList<(string Table, long Count)> Tables,
    IReadOnlyList<NetworkCount> Networks,
    IReadOnlyList<PracticeCount> Practices,
    long WithoutNhsNumber,
    int Services,
    int SensitiveServices)
{
    public long Count(string table) => Tables.FirstOrDefault(t => t.Table == table).Count;

    public static async Task<BoroughStatistics> ReadAsync(JoinedUpDbContext db, CancellationToken ct)
    {
        var tables = new List<(string, long)>
        {
            ("network", await db.Networks.LongCountAsync(ct).ConfigureAwait(false)),
            ("organisation", await db.Organisations.LongCountAsync(ct).ConfigureAwait(false)),
            ("service", await db.Services.LongCountAsync(ct).ConfigureAwait(false)),
            ("team", await db.Teams.LongCountAsync(ct).ConfigureAwait(false)),
            ("staff_member", await db.Staff.LongCountAsync(ct).ConfigureAwait(false)),
            ("patient", await db.Patients.LongCountAsync(ct).ConfigureAwait(false)),
            ("carer", await db.Carers.LongCountAsync(ct).ConfigureAwait(false)),
            ("condition", await db.Conditions.LongCountAsync(ct).ConfigureAwait(false)),
            ("observation", await db.Observations.LongCountAsync(ct).ConfigureAwait(false)),
            ("encounter", await db.Encounters.LongCountAsync(ct).ConfigureAwait(false)),
            ("immunisation", await db.Immunisations.LongCountAsync(ct).ConfigureAwait(false)),
            ("medication_statement", await db.MedicationStatements.LongCountAsync(ct).ConfigureAwait(false)),
        };

        var byPractice = await db.Patients
            .GroupBy(p => p.RegisteredPracticeId)
            .Select(g => new { PracticeId = g.Key, Count = g.LongCount() })
            .ToDictionaryAsync(x => x.PracticeId ?? 0, x => x.Count, ct).ConfigureAwait(false);
        var practices = await db.Organisations
            .Where(o => o.Kind == OrganisationKind.GpPractice)
            .OrderBy(o => o.OdsCode)
            .Select(o => new { o.Id, o.OdsCode, o.Name, Network = o.Network != null ? o.Network.Name : "" })
            .ToListAsync(ct).ConfigureAwait(false);
        var practiceCounts = practices.Select(p => new PracticeCount(p.OdsCode, p.Name, p.Network, byPractice.GetValueOrDefault(p.Id))).ToList();
        var networks = practiceCounts.GroupBy(p => p.Network)
            .Select(g => new NetworkCount(g.Key, g.Count(), g.Sum(p => p.Patients)))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .ToList();
        var withoutNhs = await db.Patients.LongCountAsync(p => p.NhsNumber == null, ct).ConfigureAwait(false);
        var services = await db.Services.CountAsync(ct).ConfigureAwait(false);
        var sensitive = await db.Services.CountAsync(s => s.IsSensitive, ct).ConfigureAwait(false);
        return new BoroughStatistics(tables, networks, practiceCounts, withoutNhs, services, sensitive);
    }
}

public sealed record NetworkCount(string Name, int Practices, long Patients);

public sealed record PracticeCount(string OdsCode, string Name, string Network, long Patients);
