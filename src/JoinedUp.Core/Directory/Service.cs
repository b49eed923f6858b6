namespace JoinedUp.Directory;

/// <summary>The four service lines the seeds group community health services into.</summary>
public enum ServiceLine
{
    Coordination = 1,
    EarlyYearsAndChildren = 2,
    AdultRehabilitationAndTherapy = 3,
    AdultRecoveryAndPrevention = 4,
}

/// <summary>When a service takes work: office hours only, out of hours only, or around the clock.</summary>
public enum ServiceAvailability
{
    InHours = 1,
    OutOfHours = 2,
    InAndOutOfHours = 3,
}

/// <summary>Days of the week a service is open.</summary>
[Flags]
#pragma warning disable CA1714 // "Days" is a plural noun already
public enum OpenDays
#pragma warning restore CA1714
{
    None = 0,
    Monday = 1,
    Tuesday = 2,
    Wednesday = 4,
    Thursday = 8,
    Friday = 16,
    Saturday = 32,
    Sunday = 64,
    Weekdays = Monday | Tuesday | Wednesday | Thursday | Friday,
    Weekend = Saturday | Sunday,
    Everyday = Weekdays | Weekend,
}

/// <summary>A community health service in the catalogue: who provides it, who is eligible, when it is open and how much it can take.</summary>
public sealed class Service
{
    public int Id { get; set; }

    /// <summary>Stable short code from the catalogue file, e.g. "stroke-rehab".</summary>
    public required string Code { get; set; }

    public required string Name { get; set; }

    public string Description { get; set; } = "";

    public ServiceLine Line { get; set; }

    public int ProviderOrganisationId { get; set; }

    public Organisation? Provider { get; set; }

    /// <summary>Youngest age in whole years accepted (inclusive); null means no lower limit.</summary>
    public int? MinAgeYears { get; set; }

    /// <summary>Oldest age in whole years accepted (inclusive); null means no upper limit.</summary>
    public int? MaxAgeYears { get; set; }

    /// <summary>SNOMED CT condition codes of which the person must have at least one; empty means any condition.</summary>
    public List<string> EligibleConditionCodes { get; set; } = [];

    /// <summary>True when only people resident in, or registered with a practice in, the borough are eligible.</summary>
    public bool BoroughResidentsOnly { get; set; }

    public ServiceAvailability Availability { get; set; }

    public OpenDays OpenDays { get; set; }

    /// <summary>Opening time on open days (local time); with <see cref="ClosesAt"/> earlier than this, the service is open overnight.</summary>
    public TimeOnly OpensAt { get; set; }

    public TimeOnly ClosesAt { get; set; }

    /// <summary>New people the service can take on in a week.</summary>
    public int WeeklyCapacity { get; set; }

    /// <summary>Records made by a sensitive service (termination of pregnancy, safeguarding) are seen only by its own team and the patient.</summary>
    public bool IsSensitive { get; set; }
}
