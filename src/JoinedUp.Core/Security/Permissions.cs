namespace JoinedUp.Security;

/// <summary>
/// What a caller may ask to do. Each is granted to roles by <see cref="PermissionMatrix"/>; docs/security.md prints the
/// same matrix. A permission is necessary but not sufficient for patient data: the record rules
/// (<see cref="RecordAccessService"/>) then decide which patient, and how much of the record.
/// </summary>
public enum Permission
{
    /// <summary>Open one patient's record (subject to a legitimate relationship).</summary>
    RecordRead = 1,

    /// <summary>Search for patients (results limited to those the caller has a relationship with).</summary>
    RecordSearch,

    /// <summary>Add to a patient's record (subject to a legitimate relationship).</summary>
    RecordWrite,

    /// <summary>Open a record without a relationship in an emergency, giving a reason.</summary>
    BreakGlass,

    /// <summary>Record a patient's sharing dissent or national data opt-out (the patient for themself, or staff on their behalf).</summary>
    ConsentManage,

    /// <summary>Grant or withdraw a carer's proxy access (the patient only).</summary>
    ProxyManage,

    /// <summary>Start or end a care relationship: caseload, navigator assignment, triage.</summary>
    RelationshipManage,

    /// <summary>See who accessed one's own record (patients).</summary>
    AuditOwn,

    /// <summary>Search the whole audit trail.</summary>
    AuditRead,

    /// <summary>Review emergency (break-glass) access.</summary>
    BreakGlassReview,

    /// <summary>List users and their roles.</summary>
    UsersManage,

    /// <summary>Refer a person to community health services (subject to who the caller may refer).</summary>
    ReferralCreate,

    /// <summary>See referrals: one's own as referrer or patient, one's team's incoming ones, or every one for the single point of access.</summary>
    ReferralRead,

    /// <summary>Triage a referral at the single point of access: route it, decline it, match a self-referral.</summary>
    ReferralTriage,

    /// <summary>Accept or decline a referral routed to one's own team, and record first contact.</summary>
    ReferralAccept,

    /// <summary>Edit the triage rules (every version kept).</summary>
    TriageRulesManage,

    /// <summary>Read care plans: of people one cares for, or one's own (patients), or of the person one has a proxy for (carers).</summary>
    CarePlanRead,

    /// <summary>Start and change care plans, goals and activities (subject to a relationship with a full view).</summary>
    CarePlanWrite,

    /// <summary>Comment on goals and mark a plan agreed: the patient, a carer with a proxy, and the staff caring for them.</summary>
    CarePlanComment,

    /// <summary>Hand people over between services, schedule follow-ups, accept and complete tasks; work from the care worklists.</summary>
    TaskManage,

    /// <summary>Assign or reassign a person's care navigator, giving a reason.</summary>
    NavigationManage,

    /// <summary>Read the outcomes framework, its results, and the anonymous patient experience responses (docs/adr/0006, 7).</summary>
    OutcomesRead,

    /// <summary>Answer a patient experience invitation in the patient view: the patient, or a carer with a proxy (docs/adr/0006, 5).</summary>
    ExperienceRespond,

    /// <summary>Run the outcomes framework for a quarter (official or ad hoc).</summary>
    OutcomesManage,

    /// <summary>Read a quarter's payment statement and try what-ifs on it (never stored).</summary>
    PaymentRead,

    /// <summary>See the people behind one figure of a measure, within the record rules (docs/adr/0006, 4.4); never commissioners.</summary>
    OutcomesPatientList,
}

/// <summary>The role x permission matrix, enforced for every endpoint and page by the web host's single policy.</summary>
public static class PermissionMatrix
{
    private static readonly Dictionary<string, HashSet<Permission>> Grants = new(StringComparer.Ordinal)
    {
        [Roles.SpaCoordinator] = [Permission.RecordRead, Permission.RecordSearch, Permission.RecordWrite, Permission.ConsentManage, Permission.RelationshipManage,
            Permission.ReferralCreate, Permission.ReferralRead, Permission.ReferralTriage, Permission.CarePlanRead, Permission.NavigationManage],
        [Roles.Clinician] = [Permission.RecordRead, Permission.RecordSearch, Permission.RecordWrite, Permission.BreakGlass,
            Permission.ReferralCreate, Permission.ReferralRead, Permission.ReferralAccept, Permission.CarePlanRead, Permission.CarePlanWrite, Permission.CarePlanComment, Permission.TaskManage, Permission.OutcomesPatientList],
        [Roles.CareNavigator] = [Permission.RecordRead, Permission.RecordSearch, Permission.RelationshipManage, Permission.ReferralCreate, Permission.ReferralRead,
            Permission.CarePlanRead, Permission.CarePlanWrite, Permission.CarePlanComment, Permission.TaskManage, Permission.NavigationManage],
        [Roles.PracticeStaff] = [Permission.RecordRead, Permission.RecordSearch, Permission.RecordWrite, Permission.ConsentManage, Permission.ReferralCreate, Permission.ReferralRead, Permission.CarePlanRead, Permission.OutcomesRead, Permission.OutcomesPatientList],
        [Roles.Patient] = [Permission.RecordRead, Permission.ConsentManage, Permission.ProxyManage, Permission.AuditOwn, Permission.ReferralRead, Permission.CarePlanRead, Permission.CarePlanComment, Permission.ExperienceRespond],
        [Roles.Carer] = [Permission.RecordRead, Permission.CarePlanRead, Permission.CarePlanComment, Permission.ExperienceRespond],
        [Roles.Commissioner] = [Permission.OutcomesRead, Permission.OutcomesManage, Permission.PaymentRead],
        [Roles.NetworkLead] = [Permission.OutcomesRead, Permission.OutcomesPatientList],
        [Roles.ProcurementLead] = [],
        [Roles.PanelMember] = [],
        [Roles.InformationGovernance] = [Permission.AuditRead, Permission.BreakGlassReview],
        [Roles.Administrator] = [Permission.UsersManage, Permission.TriageRulesManage, Permission.OutcomesRead, Permission.OutcomesManage],
        [Roles.System] = [Permission.RecordRead, Permission.RecordSearch, Permission.RecordWrite, Permission.ReferralCreate, Permission.ReferralRead, Permission.CarePlanRead, Permission.CarePlanWrite,
            // ADR 0006 4.5: population $evaluate-measure for reporting systems (aggregates; a subject report still needs the record rules).
            Permission.OutcomesRead],
    };

    /// <summary>Every permission, in declaration order.</summary>
    public static readonly IReadOnlyList<Permission> AllPermissions = Enum.GetValues<Permission>();

    /// <summary>True when the role grants the permission.</summary>
    public static bool Allows(string role, Permission permission) =>
        Grants.TryGetValue(role, out var set) && set.Contains(permission);

    /// <summary>True when any of the roles grants the permission.</summary>
    public static bool Allows(IEnumerable<string> roles, Permission permission) => roles.Any(r => Allows(r, permission));

    /// <summary>The kebab-case name used in docs, policies and audit ("record.read").</summary>
    public static string Name(Permission permission) => permission switch
    {
        Permission.RecordRead => "record.read",
        Permission.RecordSearch => "record.search",
        Permission.RecordWrite => "record.write",
        Permission.BreakGlass => "record.break-glass",
        Permission.ConsentManage => "consent.manage",
        Permission.ProxyManage => "proxy.manage",
        Permission.RelationshipManage => "relationship.manage",
        Permission.AuditOwn => "audit.own",
        Permission.AuditRead => "audit.read",
        Permission.BreakGlassReview => "break-glass.review",
        Permission.UsersManage => "users.manage",
        Permission.ReferralCreate => "referral.create",
        Permission.ReferralRead => "referral.read",
        Permission.ReferralTriage => "referral.triage",
        Permission.ReferralAccept => "referral.accept",
        Permission.TriageRulesManage => "triage-rules.manage",
        Permission.CarePlanRead => "careplan.read",
        Permission.CarePlanWrite => "careplan.write",
        Permission.CarePlanComment => "careplan.comment",
        Permission.TaskManage => "task.manage",
        Permission.NavigationManage => "navigation.manage",
        Permission.OutcomesRead => "outcomes.read",
        Permission.ExperienceRespond => "experience.respond",
        Permission.OutcomesManage => "outcomes.manage",
        Permission.PaymentRead => "payment.read",
        Permission.OutcomesPatientList => "outcomes.patient-list",
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };

    /// <summary>
    /// The SMART-on-FHIR resource and interaction a bearer token's scope must cover for this permission
    /// (c create, r read, u update, d delete, s search).
    /// </summary>
    public static (string Resource, char Interaction) Scope(Permission permission) => permission switch
    {
        Permission.RecordRead => ("Patient", 'r'),
        Permission.RecordSearch => ("Patient", 's'),
        Permission.RecordWrite => ("Observation", 'c'),
        Permission.BreakGlass => ("Patient", 'r'),
        Permission.ConsentManage => ("Consent", 'u'),
        Permission.ProxyManage => ("RelatedPerson", 'u'),
        Permission.RelationshipManage => ("CareTeam", 'u'),
        Permission.AuditOwn => ("AuditEvent", 'r'),
        Permission.AuditRead => ("AuditEvent", 's'),
        Permission.BreakGlassReview => ("AuditEvent", 'u'),
        Permission.UsersManage => ("Practitioner", 's'),
        Permission.ReferralCreate => ("ServiceRequest", 'c'),
        Permission.ReferralRead => ("ServiceRequest", 'r'),
        Permission.ReferralTriage => ("Task", 'u'),
        Permission.ReferralAccept => ("Task", 'u'),
        Permission.TriageRulesManage => ("PlanDefinition", 'u'),
        Permission.CarePlanRead => ("CarePlan", 'r'),
        Permission.CarePlanWrite => ("CarePlan", 'u'),
        Permission.CarePlanComment => ("Goal", 'u'),
        Permission.TaskManage => ("Task", 'u'),
        Permission.NavigationManage => ("CareTeam", 'u'),
        Permission.OutcomesRead => ("Measure", 'r'),
        Permission.OutcomesManage => ("MeasureReport", 'c'),
        Permission.PaymentRead => ("Contract", 'r'),
        Permission.ExperienceRespond => ("QuestionnaireResponse", 'c'),
        // A list of identifiable people: a token must be allowed to search patients, not only to read measures.
        Permission.OutcomesPatientList => ("Patient", 's'),
        _ => throw new ArgumentOutOfRangeException(nameof(permission)),
    };
}
