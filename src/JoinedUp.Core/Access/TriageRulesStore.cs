using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Access;

public sealed record RuleVersionInfo(int Version, DateTime CreatedAt, string CreatedByName, string? Note, bool InForce);

/// <summary>
/// The versions of the triage rules. The built-in rules are version 1 until an administrator saves one; a save is
/// validated against the catalogue first and refused with every problem listed, so a bad edit never reaches triage.
/// Every version is kept, with who saved it, when and why.
/// </summary>
public sealed class TriageRulesStore(JoinedUpDbContext db, AccessDirectory directory, RecordAccessService access, TimeProvider clock)
{
    public const int MaxJsonLength = 256 * 1024;

    public async Task<IReadOnlyList<RuleVersionInfo>> VersionsAsync(CancellationToken ct)
    {
        var rows = await db.TriageRuleVersions.AsNoTracking().OrderByDescending(v => v.Id)
            .Select(v => new { v.Id, v.CreatedAt, v.CreatedByName, v.Note }).ToListAsync(ct).ConfigureAwait(false);
        if (rows.Count == 0) return [new RuleVersionInfo(1, DateTime.MinValue, "JoinedUp (built in)", "the rules JoinedUp ships with", true)];
        return rows.Select((v, i) => new RuleVersionInfo(v.Id, v.CreatedAt, v.CreatedByName, v.Note, i == 0)).ToList();
    }

    /// <summary>The rules in force as JSON, with their version.</summary>
    public async Task<(int Version, string Json)> CurrentAsync(CancellationToken ct)
    {
        var latest = await db.TriageRuleVersions.AsNoTracking().OrderByDescending(v => v.Id).Select(v => new { v.Id, v.Json }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return latest is null ? (1, TriageRuleSet.LoadDefault().ToJson()) : (latest.Id, latest.Json);
    }

    public async Task<(TriageRuleVersion? Version, IReadOnlyList<string> Problems)> SaveAsync(AccessPrincipal who, string? json, string? note, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(json)) return (null, ["Paste the rules as JSON: the editor starts with the rules in force."]);
        if (json.Length > MaxJsonLength) return (null, [$"The rules are limited to {MaxJsonLength / 1024} KiB ({json.Length / 1024} KiB given)."]);
        if (string.IsNullOrWhiteSpace(note) || note.Trim().Length < 5) return (null, ["Say what you changed and why (at least 5 characters): the note is kept with the version."]);
        var codes = await db.Services.AsNoTracking().Select(s => s.Code).ToListAsync(ct).ConfigureAwait(false);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var next = (await db.TriageRuleVersions.MaxAsync(v => (int?)v.Id, ct).ConfigureAwait(false) ?? 1) + 1;
            try
            {
                TriageRuleSet.Parse(json, codes, next, "your rules");
            }
            catch (TriageRulesException ex)
            {
                return (null, ex.Problems);
            }
            var version = new TriageRuleVersion
            {
                Id = next, Json = json, CreatedAt = clock.GetUtcNow().UtcDateTime, CreatedByName = who.DisplayName, CreatedByUserId = who.UserId, Note = note.Trim()[..Math.Min(note.Trim().Length, 1000)],
            };
            db.TriageRuleVersions.Add(version);
            try
            {
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear(); // another administrator saved the same version number first: take the next
                continue;
            }
            directory.Invalidate();
            await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.TriageRulesManage), $"TriageRules/{next}", null, "new version of the triage rules", version.Note, ct).ConfigureAwait(false);
            return (version, []);
        }
        return (null, ["Another administrator is saving rules at the same moment: try again."]);
    }
}
