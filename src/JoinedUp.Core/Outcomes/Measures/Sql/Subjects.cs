using JoinedUp.Access;
using JoinedUp.Care;

namespace JoinedUp.Outcomes.Measures.Sql;

/// <summary>A value a subject's field may take, and the integer stored for it.</summary>
public sealed record FieldValue(string Name, int Stored);

/// <summary>
/// An attribute of a subject row that a <c>field</c> criterion tests, with the values it may name. A text field stores
/// the value's name itself (e.g. a questionnaire id); an enum field stores its integer.
/// </summary>
public sealed record SubjectField(string Name, string Column, IReadOnlyList<FieldValue> Values, bool IsText = false);

/// <summary>
/// What one kind of subject row is in SQL (ADR 0006 2.3): its table and joins, its patient, practice and service, the
/// times a definition may name and the fields it may test. This catalogue is the only part of the measure language that
/// needs a recompile: a new kind of row.
/// </summary>
public sealed record Subject(
    SubjectType Type,
    string From,
    string Where,
    string Id,
    string PatientId,
    string ServiceId,
    IReadOnlyDictionary<string, string> Times,
    IReadOnlyDictionary<string, SubjectField> Fields,
    IReadOnlyDictionary<string, string> Counts)
{
    public bool IsEvent => Type != SubjectType.Patient;

    /// <summary>The subject's practice (for the practice and network levels).</summary>
    public string Practice { get; init; } = "p.registered_practice_id";

    /// <summary>The subject's date of birth, for age criteria (none for anonymous subjects).</summary>
    public string BirthDate { get; init; } = "p.birth_date";

    /// <summary>False for anonymous subjects (experience responses): no criterion about a person's record applies.</summary>
    public bool HasPatient { get; init; } = true;

    /// <summary>Times stored as dates (whole UK days) rather than instants.</summary>
    public IReadOnlySet<string> DateTimes { get; init; } = new HashSet<string>();

    public static Subject For(SubjectType type, SqlDialect d) => type switch
    {
        SubjectType.Patient => new(type, "patient p", "1 = 1", "p.id", "p.id", "CAST(NULL AS integer)",
            new Dictionary<string, string>(), new Dictionary<string, SubjectField>(), new Dictionary<string, string>()),

        SubjectType.Referral => new(type, "referral r JOIN patient p ON p.id = r.patient_id", "r.linked_referral_id IS NULL", "r.id", "r.patient_id",
            $"(SELECT rr.service_id FROM referral_route rr WHERE rr.referral_id = r.id AND rr.is_booking = {d.False} ORDER BY rr.id LIMIT 1)",
            new Dictionary<string, string>
            {
                ["receivedAt"] = "r.received_at",
                ["triagedAt"] = "r.triaged_at",
                ["firstContactAt"] = "r.first_contact_at",
            },
            FieldsOf(
                Enum<Urgency>("urgency", "r.urgency"),
                Enum<ReferralStatus>("status", "r.status")),
            new Dictionary<string, string>()),

        SubjectType.Route => new(type, "referral_route rr JOIN referral r ON r.id = rr.referral_id JOIN patient p ON p.id = r.patient_id",
            $"rr.is_booking = {d.False}", "rr.id", "r.patient_id", "rr.service_id",
            new Dictionary<string, string>
            {
                ["routedAt"] = "rr.routed_at",
                ["acceptedAt"] = "rr.accepted_at",
                ["firstContactAt"] = "rr.first_contact_at",
                ["receivedAt"] = "r.received_at",
                ["triagedAt"] = "r.triaged_at",
            },
            FieldsOf(
                Enum<Urgency>("urgency", "rr.urgency"),
                Enum<RouteStatus>("status", "rr.status")),
            new Dictionary<string, string>()),

        SubjectType.Episode => new(type, "episode e JOIN patient p ON p.id = e.patient_id", "1 = 1", "e.id", "e.patient_id",
            $"(SELECT rr.service_id FROM referral r2 JOIN referral_route rr ON rr.referral_id = r2.id WHERE r2.episode_id = e.id AND rr.is_booking = {d.False} ORDER BY rr.id LIMIT 1)",
            new Dictionary<string, string>
            {
                ["openedAt"] = "e.opened_at",
                ["closedAt"] = "e.closed_at",
                ["carePlan.createdAt"] = "(SELECT cp.created_at FROM care_plan cp WHERE cp.episode_id = e.id)",
                ["carePlan.agreedAt"] = "(SELECT cp.agreed_at FROM care_plan cp WHERE cp.episode_id = e.id)",
            },
            new Dictionary<string, SubjectField>(),
            new Dictionary<string, string>
            {
                ["assessment"] = "(SELECT COUNT(*) FROM assessment a WHERE a.episode_id = e.id)",
            }),

        SubjectType.Task => new(type, "care_task t JOIN patient p ON p.id = t.patient_id", "1 = 1", "t.id", "t.patient_id",
            "(SELECT tm.service_id FROM team tm WHERE tm.id = t.to_team_id)",
            new Dictionary<string, string>
            {
                ["createdAt"] = "t.created_at",
                ["dueAt"] = "t.due_at",
                ["acceptedAt"] = "t.accepted_at",
                ["completedAt"] = "t.completed_at",
            },
            FieldsOf(
                Enum<CareTaskKind>("kind", "t.kind"),
                Enum<CareTaskStatus>("status", "t.status")),
            new Dictionary<string, string>()),

        // Anonymous: a response names no person (docs/adr/0006 section 5), only its service, practice and days.
        SubjectType.Experience => new(type, "experience_response er", "1 = 1", "er.id", "CAST(NULL AS bigint)", "er.service_id",
            new Dictionary<string, string>
            {
                ["authoredAt"] = "er.authored_date",
                ["contactAt"] = "er.contact_date",
            },
            FieldsOf(new SubjectField("questionnaire", "er.questionnaire", [new("fft", 0), new("experience", 0)], IsText: true)),
            new Dictionary<string, string>())
        {
            Practice = "er.practice_id",
            BirthDate = "CAST(NULL AS date)",
            HasPatient = false,
            DateTimes = new HashSet<string> { "authoredAt", "contactAt" },
        },

        _ => throw new NotSupportedException($"Subjects of type {type} are not in the catalogue yet."),
    };

    private static SubjectField Enum<T>(string name, string column) where T : struct, System.Enum =>
        new(name, column, System.Enum.GetValues<T>().Select(v => new FieldValue(v.ToString(), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture))).ToList());

    private static Dictionary<string, SubjectField> FieldsOf(params SubjectField[] fields) => fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
}
