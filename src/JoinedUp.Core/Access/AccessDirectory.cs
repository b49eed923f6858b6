using JoinedUp.Directory;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Access;

/// <summary>A service of the catalogue as the single point of access needs it, with the team that takes its referrals.</summary>
public sealed record AccessService(int Id, string Code, string Name, int? TeamId, string? TeamName, TriageService Triage);

/// <summary>
/// The catalogue and the triage rules in force, read once and kept briefly (intake runs a thousand times a second;
/// the catalogue changes on import, the rules when an administrator saves a version, which calls <see cref="Invalidate"/>).
/// Waiting counts are not cached here: triage reads them fresh (<see cref="WithWaitingAsync"/>).
/// </summary>
public sealed class AccessDirectory(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>Postcode districts of the demo borough, from the built-in catalogue.</summary>
    public static readonly IReadOnlyList<string> BoroughDistricts = JoinedUp.Directory.Catalogue.ServiceCatalogue.LoadDefault().Borough.PostcodeDistricts;

    private Snapshot? _current;

    public sealed record Snapshot(IReadOnlyList<AccessService> Services, TriageRuleSet Rules, int? SpaTeamId, string? SpaTeamLead, DateTimeOffset ReadAt)
    {
        public AccessService? ByCode(string? code) => code is null ? null : Services.FirstOrDefault(s => string.Equals(s.Code, code, StringComparison.Ordinal));

        public AccessService? ById(int? id) => id is null ? null : Services.FirstOrDefault(s => s.Id == id);
    }

    public async Task<Snapshot> GetAsync(JoinedUpDbContext db, CancellationToken ct)
    {
        var current = _current;
        if (current is not null && clock.GetUtcNow() - current.ReadAt < Lifetime) return current;
        var services = await db.Services.AsNoTracking().OrderBy(s => s.Name).ToListAsync(ct).ConfigureAwait(false);
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Id).Select(t => new { t.Id, t.ServiceId, t.Name }).ToListAsync(ct).ConfigureAwait(false);
        var list = services.Select(s =>
        {
            var team = teams.FirstOrDefault(t => t.ServiceId == s.Id);
            return new AccessService(s.Id, s.Code, s.Name, team?.Id, team?.Name, ToTriage(s, 0));
        }).ToList();
        var rules = await LoadRulesAsync(db, list.Select(s => s.Code).ToList(), ct).ConfigureAwait(false);
        var spaTeam = list.FirstOrDefault(s => s.Code == "spa")?.TeamId;
        var lead = spaTeam is null ? null : await db.TeamMemberships.AsNoTracking().Where(m => m.TeamId == spaTeam && m.IsLead)
            .Select(m => m.StaffMember!.GivenName + " " + m.StaffMember.FamilyName).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        current = new Snapshot(list, rules, spaTeam, lead, clock.GetUtcNow());
        _current = current;
        return current;
    }

    /// <summary>The services with how many referrals wait for each now (routes not yet accepted or declined).</summary>
    public static async Task<IReadOnlyList<TriageService>> WithWaitingAsync(JoinedUpDbContext db, Snapshot snapshot, CancellationToken ct)
    {
        var waiting = await db.ReferralRoutes.AsNoTracking().Where(r => r.Status == RouteStatus.Waiting && !r.IsBooking)
            .GroupBy(r => r.ServiceId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct).ConfigureAwait(false);
        return snapshot.Services.Select(s => s.Triage with { Waiting = waiting.GetValueOrDefault(s.Id) }).ToList();
    }

    public void Invalidate() => _current = null;

    private static async Task<TriageRuleSet> LoadRulesAsync(JoinedUpDbContext db, IReadOnlyCollection<string> codes, CancellationToken ct)
    {
        var latest = await db.TriageRuleVersions.AsNoTracking().OrderByDescending(v => v.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (latest is null) return TriageRuleSet.LoadDefault();
        return TriageRuleSet.Parse(latest.Json, codes, latest.Id, $"triage rules version {latest.Id}");
    }

    internal static TriageService ToTriage(Service s, int waiting) => new(
        s.Code, s.Name, s.MinAgeYears, s.MaxAgeYears, s.EligibleConditionCodes, s.BoroughResidentsOnly, s.Availability, s.OpenDays,
        s.OpensAt, s.ClosesAt, s.WeeklyCapacity, waiting, s.IsSensitive);

    /// <summary>True when the postcode's district is one of the borough's.</summary>
    public static bool InBorough(string? postcode)
    {
        if (string.IsNullOrWhiteSpace(postcode)) return false;
        var trimmed = postcode.Trim().ToUpperInvariant();
        var space = trimmed.IndexOf(' ', StringComparison.Ordinal);
        var district = space > 0 ? trimmed[..space] : trimmed.Length > 3 ? trimmed[..^3] : trimmed;
        return BoroughDistricts.Contains(district, StringComparer.Ordinal);
    }
}

/// <summary>UK local time for rules that depend on the clock (opening hours, working days).</summary>
public static class UkClock
{
    private static readonly TimeZoneInfo London = Find();

    private static TimeZoneInfo Find()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    public static DateTime ToLocal(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), London);

    public static DateTime ToUtc(DateTime local) => TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), London);

    /// <summary>Whole years of age on the UK date of <paramref name="nowUtc"/>.</summary>
    public static int AgeYears(DateOnly birthDate, DateTime nowUtc)
    {
        var today = DateOnly.FromDateTime(ToLocal(nowUtc));
        var age = today.Year - birthDate.Year;
        if (birthDate > today.AddYears(-age)) age--;
        return age;
    }

    /// <summary>The same local time one working day (Monday to Friday) later, in UTC.</summary>
    public static DateTime AddWorkingDay(DateTime utc)
    {
        var local = ToLocal(utc).AddDays(1);
        while (local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) local = local.AddDays(1);
        return ToUtc(local);
    }
}
