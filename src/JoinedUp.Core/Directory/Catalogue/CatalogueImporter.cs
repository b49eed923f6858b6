using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Directory.Catalogue;

/// <summary>What a catalogue load changed.</summary>
public sealed record CatalogueImportResult(int OrganisationsAdded, int OrganisationsUpdated, int ServicesAdded, int ServicesUpdated, int TeamsAdded);

/// <summary>
/// Writes a validated catalogue into the directory: organisations and services are matched by code and updated in place,
/// so loading the same file twice changes nothing, and every service gets a team at its provider.
/// Services missing from the file are left alone (they may have referrals); removing one is a deliberate act.
/// </summary>
public sealed class CatalogueImporter(JoinedUpDbContext db)
{
    public async Task<CatalogueImportResult> ImportAsync(ServiceCatalogue catalogue, CancellationToken ct)
    {
        var orgs = await db.Organisations.ToDictionaryAsync(o => o.OdsCode, StringComparer.OrdinalIgnoreCase, ct).ConfigureAwait(false);
        int orgAdded = 0, orgUpdated = 0, svcAdded = 0, svcUpdated = 0, teamsAdded = 0;
        foreach (var o in catalogue.Organisations)
        {
            if (orgs.TryGetValue(o.Code, out var existing))
            {
                if (existing.Name != o.Name || existing.Kind != o.Kind)
                {
                    existing.Name = o.Name;
                    existing.Kind = o.Kind;
                    orgUpdated++;
                }
            }
            else
            {
                var org = new Organisation { OdsCode = o.Code, Name = o.Name, Kind = o.Kind };
                db.Organisations.Add(org);
                orgs[o.Code] = org;
                orgAdded++;
            }
        }

        var services = await db.Services.ToDictionaryAsync(s => s.Code, StringComparer.OrdinalIgnoreCase, ct).ConfigureAwait(false);
        var teams = await db.Teams.Select(t => t.Code).ToListAsync(ct).ConfigureAwait(false);
        var teamCodes = new HashSet<string>(teams, StringComparer.OrdinalIgnoreCase);
        foreach (var s in catalogue.Services)
        {
            var provider = orgs[s.ProviderCode];
            if (!services.TryGetValue(s.Code, out var service))
            {
                service = new Service { Code = s.Code, Name = s.Name };
                db.Services.Add(service);
                services[s.Code] = service;
                svcAdded++;
            }
            else if (!SameAs(service, s, provider))
            {
                svcUpdated++;
            }
            service.Name = s.Name;
            service.Description = s.Description;
            service.Line = s.Line;
            service.Provider = provider;
            service.MinAgeYears = s.MinAgeYears;
            service.MaxAgeYears = s.MaxAgeYears;
            service.EligibleConditionCodes = [.. s.EligibleConditionCodes];
            service.BoroughResidentsOnly = s.BoroughResidentsOnly;
            service.Availability = s.Availability;
            service.OpenDays = s.OpenDays;
            service.OpensAt = s.OpensAt;
            service.ClosesAt = s.ClosesAt;
            service.WeeklyCapacity = s.WeeklyCapacity;
            service.IsSensitive = s.IsSensitive;

            var teamCode = $"{s.Code}-team";
            if (teamCodes.Add(teamCode))
            {
                db.Teams.Add(new Team { Code = teamCode, Name = $"{s.Name} team", Service = service, Organisation = provider });
                teamsAdded++;
            }
        }
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new CatalogueImportResult(orgAdded, orgUpdated, svcAdded, svcUpdated, teamsAdded);
    }

    private static bool SameAs(Service s, CatalogueService c, Organisation provider) =>
        s.Name == c.Name && s.Description == c.Description && s.Line == c.Line && s.ProviderOrganisationId == provider.Id
        && s.MinAgeYears == c.MinAgeYears && s.MaxAgeYears == c.MaxAgeYears
        && s.EligibleConditionCodes.SequenceEqual(c.EligibleConditionCodes) && s.BoroughResidentsOnly == c.BoroughResidentsOnly
        && s.Availability == c.Availability && s.OpenDays == c.OpenDays && s.OpensAt == c.OpensAt && s.ClosesAt == c.ClosesAt
        && s.WeeklyCapacity == c.WeeklyCapacity && s.IsSensitive == c.IsSensitive;
}
