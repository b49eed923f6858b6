namespace JoinedUp.Directory;

/// <summary>What kind of organisation this is, as the seeds describe the partnership.</summary>
public enum OrganisationKind
{
    GpPractice = 1,
    NhsTrust = 2,
    Council = 3,
    LeadProvider = 4,
    Commissioner = 5,
    VoluntarySector = 6,
}

/// <summary>An organisation with an ODS-style code: a GP practice, a trust, the council, the lead provider or the commissioner.</summary>
public sealed class Organisation
{
    public int Id { get; set; }

    /// <summary>ODS-style organisation code, unique (e.g. "Z10001" for a synthetic practice).</summary>
    public required string OdsCode { get; set; }

    public required string Name { get; set; }

    public OrganisationKind Kind { get; set; }

    /// <summary>The network (PCN) a GP practice belongs to; null for every other kind.</summary>
    public int? NetworkId { get; set; }

    public Network? Network { get; set; }

    public string? Postcode { get; set; }
}

/// <summary>A managed network of GP practices (a primary care network).</summary>
public sealed class Network
{
    public int Id { get; set; }

    /// <summary>Short unique code, e.g. "N1".</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    public List<Organisation> Practices { get; set; } = [];
}
