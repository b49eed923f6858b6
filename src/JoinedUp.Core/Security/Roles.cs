namespace JoinedUp.Security;

/// <summary>
/// The roles of DESIGN.md "Who uses it", as the role names carried in sign-in cookies and tokens.
/// A user may hold several (a procurement lead who also sits on the panel).
/// </summary>
public static class Roles
{
    public const string SpaCoordinator = "spa-coordinator";
    public const string Clinician = "clinician";
    public const string CareNavigator = "care-navigator";
    public const string PracticeStaff = "practice-staff";
    public const string Patient = "patient";
    public const string Carer = "carer";
    public const string Commissioner = "commissioner";
    public const string NetworkLead = "network-lead";
    public const string ProcurementLead = "procurement-lead";
    public const string PanelMember = "panel-member";
    public const string InformationGovernance = "ig-officer";
    public const string Administrator = "administrator";

    /// <summary>A system integration signed in with client credentials (a GP system pushing data), acting for one organisation.</summary>
    public const string System = "system";

    /// <summary>Every role, in the order the permission matrix lists them.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        SpaCoordinator, Clinician, CareNavigator, PracticeStaff, Patient, Carer, Commissioner, NetworkLead,
        ProcurementLead, PanelMember, InformationGovernance, Administrator, System,
    ];

    /// <summary>Roles whose holders are staff of an organisation (and so may need a legitimate relationship to open a record).</summary>
    public static readonly IReadOnlySet<string> Staff = new HashSet<string>(StringComparer.Ordinal)
    {
        SpaCoordinator, Clinician, CareNavigator, PracticeStaff, Commissioner, NetworkLead, ProcurementLead, PanelMember,
        InformationGovernance, Administrator,
    };

    public static string Describe(string role) => role switch
    {
        SpaCoordinator => "Single point of access coordinator",
        Clinician => "Clinician",
        CareNavigator => "Care navigator",
        PracticeStaff => "GP practice staff",
        Patient => "Patient",
        Carer => "Carer",
        Commissioner => "Commissioner",
        NetworkLead => "Network lead",
        ProcurementLead => "Procurement lead",
        PanelMember => "Evaluation panel member",
        InformationGovernance => "Information governance officer",
        Administrator => "Administrator",
        System => "System integration",
        _ => role,
    };
}
