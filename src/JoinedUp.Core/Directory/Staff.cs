namespace JoinedUp.Directory;

/// <summary>What a person does in JoinedUp (see DESIGN.md "Who uses it").</summary>
public enum StaffRole
{
    SpaCoordinator = 1,
    Clinician = 2,
    CareNavigator = 3,
    PracticeStaff = 4,
    Commissioner = 5,
    NetworkLead = 6,
    ProcurementLead = 7,
    PanelMember = 8,
    InformationGovernanceOfficer = 9,
    Administrator = 10,
}

/// <summary>A team that delivers one service for one organisation.</summary>
public sealed class Team
{
    public int Id { get; set; }

    public required string Code { get; set; }

    public required string Name { get; set; }

    public int ServiceId { get; set; }

    public Service? Service { get; set; }

    public int OrganisationId { get; set; }

    public Organisation? Organisation { get; set; }

    public List<TeamMembership> Members { get; set; } = [];
}

/// <summary>A member of staff employed by one organisation, in one role.</summary>
public sealed class StaffMember
{
    public int Id { get; set; }

    /// <summary>Stable staff code, unique (e.g. "STF-0001").</summary>
    public required string StaffCode { get; set; }

    public required string GivenName { get; set; }

    public required string FamilyName { get; set; }

    public required string Email { get; set; }

    public StaffRole Role { get; set; }

    /// <summary>Profession for clinicians, e.g. "Community nurse", "Podiatrist".</summary>
    public string? Profession { get; set; }

    public int OrganisationId { get; set; }

    public Organisation? Organisation { get; set; }

    public List<TeamMembership> Teams { get; set; } = [];
}

/// <summary>Membership of a member of staff in a team; a clinician may belong to several teams.</summary>
public sealed class TeamMembership
{
    public int TeamId { get; set; }

    public Team? Team { get; set; }

    public int StaffMemberId { get; set; }

    public StaffMember? StaffMember { get; set; }

    public bool IsLead { get; set; }
}
