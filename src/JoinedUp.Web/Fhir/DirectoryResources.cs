using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Directory;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Organization (practices, trusts, the council, the lead provider) and HealthcareService (the service catalogue) over
/// FHIR. The directory is public information, as on /api/directory: no sign-in, nothing about patients.
/// </summary>
internal static class DirectoryResources
{
    public const string ServiceCodeSystem = "https://joinedup.example/Id/service-code";

    public static void MapDirectoryResources(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/Organization/{id}", async (string id, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var org = int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var key)
                    ? await db.Organisations.AsNoTracking().Include(o => o.Network).FirstOrDefaultAsync(o => o.Id == key, ct).ConfigureAwait(false)
                    : null;
                return org is null ? NotFound("Organization", id) : FhirResults.Resource(ToFhir(org));
            })
            .AllowAnonymous().WithName("FhirReadOrganization").WithSummary("One organisation from the directory.");

        fhir.MapGet("/Organization", async (string? identifier, string? name, int? _count, HttpContext http, JoinedUpDbContext db, CancellationToken ct) =>
            {
                IQueryable<Organisation> q = db.Organisations.AsNoTracking().Include(o => o.Network);
                if (identifier is not null)
                {
                    var bar = identifier.IndexOf('|', StringComparison.Ordinal);
                    if (bar >= 0 && identifier[..bar] != PatientMapping.OdsCodeSystem) return FhirResults.Resource(new Bundle { Type = Bundle.BundleType.Searchset, Total = 0 });
                    var code = identifier[(bar + 1)..];
                    q = q.Where(o => o.OdsCode == code);
                }
                if (!string.IsNullOrWhiteSpace(name))
                {
                    var n = FhirQuery.LikePattern(name, contains: true);
                    q = q.Where(o => EF.Functions.Like(o.Name.ToLower(), n, "\\"));
                }
                var list = await q.OrderBy(o => o.Id).Take(Math.Clamp(_count ?? 100, 1, 500)).ToListAsync(ct).ConfigureAwait(false);
                return FhirResults.Resource(Searchset(http, "Organization", list.Select(ToFhir)));
            })
            .AllowAnonymous().WithName("FhirSearchOrganization").WithSummary("Organisations by identifier (ODS code) or name.");

        fhir.MapGet("/HealthcareService/{id}", async (string id, JoinedUpDbContext db, CancellationToken ct) =>
            {
                var service = int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var key)
                    ? await db.Services.AsNoTracking().Include(s => s.Provider).FirstOrDefaultAsync(s => s.Id == key, ct).ConfigureAwait(false)
                    : null;
                return service is null ? NotFound("HealthcareService", id) : FhirResults.Resource(ToFhir(service));
            })
            .AllowAnonymous().WithName("FhirReadHealthcareService").WithSummary("One service from the catalogue.");

        fhir.MapGet("/HealthcareService", async (string? identifier, string? name, HttpContext http, JoinedUpDbContext db, CancellationToken ct) =>
            {
                IQueryable<Service> q = db.Services.AsNoTracking().Include(s => s.Provider);
                if (identifier is not null)
                {
                    var code = identifier[(identifier.IndexOf('|', StringComparison.Ordinal) + 1)..];
                    q = q.Where(s => s.Code == code);
                }
                if (!string.IsNullOrWhiteSpace(name))
                {
                    var n = FhirQuery.LikePattern(name, contains: true);
                    q = q.Where(s => EF.Functions.Like(s.Name.ToLower(), n, "\\"));
                }
                var list = await q.OrderBy(s => s.Id).ToListAsync(ct).ConfigureAwait(false);
                return FhirResults.Resource(Searchset(http, "HealthcareService", list.Select(ToFhir)));
            })
            .AllowAnonymous().WithName("FhirSearchHealthcareService").WithSummary("The service catalogue: by identifier (service code) or name.");
    }

    private static IResult NotFound(string type, string id) =>
        FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"There is no {type} with id '{id}'.");

    internal static Bundle Searchset(HttpContext http, string type, IEnumerable<Resource> resources)
    {
        var baseUrl = FhirEndpoints.BaseUrl(http);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = $"{baseUrl}/{type}{http.Request.QueryString}" });
        foreach (var r in resources)
        {
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{type}/{r.Id}", Resource = r, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        }
        bundle.Total = bundle.Entry.Count;
        return bundle;
    }

    internal static Organization ToFhir(Organisation o)
    {
        var org = new Organization
        {
            Id = o.Id.ToString(CultureInfo.InvariantCulture),
            Identifier = [new Identifier(PatientMapping.OdsCodeSystem, o.OdsCode)],
            Active = true,
            Name = o.Name,
            Type =
            [
                o.Kind switch
                {
                    OrganisationKind.GpPractice => new CodeableConcept("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider", "GP practice"),
                    OrganisationKind.NhsTrust or OrganisationKind.LeadProvider => new CodeableConcept("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider"),
                    OrganisationKind.Council => new CodeableConcept("http://terminology.hl7.org/CodeSystem/organization-type", "govt", "Government"),
                    OrganisationKind.Commissioner => new CodeableConcept("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer"),
                    _ => new CodeableConcept("http://terminology.hl7.org/CodeSystem/organization-type", "cg", "Community Group"),
                },
            ],
        };
        if (o.Postcode is { } postcode) org.Address.Add(new Address { PostalCode = postcode, Country = "GB" });
        if (o.Network is { } network) org.Alias = [network.Name];
        return org;
    }

    internal static HealthcareService ToFhir(Service s)
    {
        var service = new HealthcareService
        {
            Id = s.Id.ToString(CultureInfo.InvariantCulture),
            Identifier = [new Identifier(ServiceCodeSystem, s.Code)],
            Active = true,
            Name = s.Name,
            Comment = s.Description,
            ProvidedBy = new ResourceReference($"Organization/{s.ProviderOrganisationId.ToString(CultureInfo.InvariantCulture)}", s.Provider?.Name),
            Category = [new CodeableConcept("https://joinedup.example/CodeSystem/service-line", s.Line.ToString(), s.Line.ToString())],
            AppointmentRequired = false,
        };
        var days = Enum.GetValues<OpenDays>()
            .Where(d => d is not (OpenDays.None or OpenDays.Weekdays or OpenDays.Weekend) && System.Numerics.BitOperations.PopCount((uint)d) == 1 && s.OpenDays.HasFlag(d))
            .Select(d => d switch
            {
                OpenDays.Monday => DaysOfWeek.Mon,
                OpenDays.Tuesday => DaysOfWeek.Tue,
                OpenDays.Wednesday => DaysOfWeek.Wed,
                OpenDays.Thursday => DaysOfWeek.Thu,
                OpenDays.Friday => DaysOfWeek.Fri,
                OpenDays.Saturday => DaysOfWeek.Sat,
                _ => DaysOfWeek.Sun,
            }).Cast<DaysOfWeek?>().ToList();
        var allDay = s.OpensAt == TimeOnly.MinValue && s.ClosesAt == TimeOnly.MinValue;
        service.AvailableTime.Add(new HealthcareService.AvailableTimeComponent
        {
            DaysOfWeek = days,
            AllDay = allDay,
            AvailableStartTime = allDay ? null : s.OpensAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
            AvailableEndTime = allDay ? null : s.ClosesAt.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
        });
        var eligibility = new List<string>();
        if (s.MinAgeYears is { } min) eligibility.Add($"aged {min} or over");
        if (s.MaxAgeYears is { } max) eligibility.Add($"aged {max} or under");
        if (s.BoroughResidentsOnly) eligibility.Add("borough residents");
        if (s.EligibleConditionCodes.Count > 0) eligibility.Add("with " + string.Join(", ", s.EligibleConditionCodes.Select(c => "SNOMED " + c)));
        if (eligibility.Count > 0)
        {
            service.Eligibility.Add(new HealthcareService.EligibilityComponent { Comment = "For people " + string.Join("; ", eligibility) + "." });
        }
        return service;
    }
}
