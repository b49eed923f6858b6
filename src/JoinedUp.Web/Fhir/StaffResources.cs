using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Directory;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Practitioner (a member of staff) and PractitionerRole (their role in an organisation and teams). The staff
/// directory is for people and systems working in the borough: it needs a sign-in, but no patient relationship.
/// </summary>
internal static class StaffResources
{
    public const string StaffCodeSystem = "https://joinedup.example/Id/staff-code";

    public static void MapStaffResources(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Practitioner/{id}", async (string id, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var staff = int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var key)
                    ? await db.Staff.AsNoTracking().FirstOrDefaultAsync(s => s.Id == key, ct).ConfigureAwait(false)
                    : null;
                return staff is null
                    ? FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"There is no Practitioner with id '{id}'.")
                    : FhirResults.Resource(ToPractitioner(staff));
            })
            .RequireAuthorization().WithName("FhirReadPractitioner").WithSummary("A member of staff (sign-in needed).");

        fhir.MapGet("/PractitionerRole", async (string? practitioner, string? organization, HttpContext http, JoinedUpDbContext db, CancellationToken ct) =>
            {
                IQueryable<StaffMember> q = db.Staff.AsNoTracking().Include(s => s.Organisation).Include(s => s.Teams).ThenInclude(t => t.Team);
                if (practitioner is not null)
                {
                    if (!int.TryParse(practitioner.Replace("Practitioner/", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    {
                        return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{practitioner}' is not a Practitioner reference.", "practitioner");
                    }
                    q = q.Where(s => s.Id == pid);
                }
                if (organization is not null)
                {
                    if (!int.TryParse(organization.Replace("Organization/", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var oid))
                    {
                        return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"'{organization}' is not an Organization reference.", "organization");
                    }
                    q = q.Where(s => s.OrganisationId == oid);
                }
                var staff = await q.OrderBy(s => s.Id).Take(500).ToListAsync(ct).ConfigureAwait(false);
                var baseUrl = FhirEndpoints.BaseUrl(http);
                var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = staff.Count };
                foreach (var s in staff)
                {
                    var role = ToRole(s);
                    bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/PractitionerRole/{role.Id}", Resource = role, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
                }
                return FhirResults.Resource(bundle);
            })
            .RequireAuthorization().WithName("FhirSearchPractitionerRole").WithSummary("Staff roles by practitioner or organization (sign-in needed).");
    }

    internal static Practitioner ToPractitioner(StaffMember s) => new()
    {
        Id = s.Id.ToString(CultureInfo.InvariantCulture),
        Identifier = [new Identifier(StaffCodeSystem, s.StaffCode)],
        Active = true,
        Name = [new HumanName { Family = s.FamilyName, Given = [s.GivenName] }],
        Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, s.Email)],
    };

    /// <summary>One role per member of staff (JoinedUp gives each one role), id equal to the practitioner's.</summary>
    internal static PractitionerRole ToRole(StaffMember s)
    {
        var role = new PractitionerRole
        {
            Id = s.Id.ToString(CultureInfo.InvariantCulture),
            Active = true,
            Practitioner = new ResourceReference($"Practitioner/{s.Id.ToString(CultureInfo.InvariantCulture)}", $"{s.GivenName} {s.FamilyName}"),
            Organization = new ResourceReference($"Organization/{s.OrganisationId.ToString(CultureInfo.InvariantCulture)}", s.Organisation?.Name),
            Code = [new CodeableConcept("https://joinedup.example/CodeSystem/staff-role", s.Role.ToString(), s.Profession ?? s.Role.ToString())],
        };
        foreach (var membership in s.Teams.Where(t => t.Team is not null))
        {
            role.HealthcareService.Add(new ResourceReference($"HealthcareService/{membership.Team!.ServiceId.ToString(CultureInfo.InvariantCulture)}", membership.Team.Name));
        }
        return role;
    }
}
