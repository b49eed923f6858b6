using JoinedUp.Storage;

namespace JoinedUp.Record.Synthetic;

/// <summary>The record tables the borough generator fills, with their columns in the order the generator writes them.</summary>
public static class BoroughTables
{
    public static readonly BulkTable Patient = new("patient",
        ["id", "nhs_number", "local_identifier", "given_name", "family_name", "birth_date", "sex", "postcode", "registered_practice_id", "preferred_language", "interpreter_needed", "version_id", "last_updated"]);

    public static readonly BulkTable Carer = new("carer",
        ["id", "patient_id", "name", "relationship", "phone", "carer_patient_id"]);

    public static readonly BulkTable Encounter = new("encounter",
        ["id", "patient_id", "organisation_id", "service_id", "class", "status", "type_code", "start_at", "end_at", "version_id", "last_updated", "reason_code"]);

    public static readonly BulkTable Condition = new("condition",
        ["id", "patient_id", "code_system", "code", "display", "status", "onset_date", "recorded_by_organisation_id", "version_id", "last_updated"]);

    public static readonly BulkTable Observation = new("observation",
        ["id", "patient_id", "encounter_id", "code_system", "code", "display", "status", "effective_at", "value", "secondary_value", "unit", "version_id", "last_updated"]);

    public static readonly BulkTable Immunisation = new("immunisation",
        ["id", "patient_id", "code_system", "vaccine_code", "display", "status", "occurred_on", "dose_number", "organisation_id", "version_id", "last_updated"]);

    public static readonly BulkTable MedicationStatement = new("medication_statement",
        ["id", "patient_id", "code_system", "code", "display", "status", "started_on", "ended_on", "dosage", "version_id", "last_updated"]);

    // The activity step (ActivitySynthesizer): referrals through the single point of access and the care that followed.
    public static readonly BulkTable Episode = new("episode", ["id", "patient_id", "opened_at", "closed_at"]);

    public static readonly BulkTable Referral = new("referral",
        ["id", "reference", "patient_id", "episode_id", "source", "given_name", "family_name", "birth_date", "nhs_number", "postcode", "reason",
         "requested_urgency", "urgency", "status", "interpreter_needed", "language", "advocacy_requested", "received_at", "triaged_at", "first_contact_at",
         "referrer_name", "referrer_organisation_code", "triaged_by_name", "decline_reason", "version_id", "last_updated"]);

    public static readonly BulkTable ReferralRoute = new("referral_route",
        ["id", "referral_id", "service_id", "team_id", "urgency", "status", "is_booking", "reason", "routed_at", "accepted_at", "accepted_by_name",
         "first_contact_at", "decline_reason", "version_id"]);

    public static readonly BulkTable Assessment = new("assessment",
        ["id", "episode_id", "patient_id", "scope", "questionnaire", "response_json", "authored_at", "author_name", "version_id", "last_updated"]);

    public static readonly BulkTable CarePlan = new("care_plan",
        ["id", "patient_id", "episode_id", "status", "title", "agreed_at", "agreed_by", "agreed_by_name", "review_due", "created_at", "version_id",
         "last_updated", "last_updated_by"]);

    public static readonly BulkTable CareTask = new("care_task",
        ["id", "patient_id", "episode_id", "kind", "status", "from_team_id", "to_team_id", "description", "due_at", "created_at", "created_by_name",
         "accepted_at", "accepted_by_name", "rejection_reason", "completed_at", "completed_by_name", "escalation_level", "escalated_at", "version_id"]);

    /// <summary>In the order they must be written (parents first).</summary>
    public static readonly IReadOnlyList<BulkTable> All =
        [Patient, Carer, Encounter, Condition, Observation, Immunisation, MedicationStatement, Episode, Referral, ReferralRoute, Assessment, CarePlan, CareTask];
}

/// <summary>Rows for one chunk of patients, table by table; cleared and reused so memory stays flat however big the borough.</summary>
public sealed class RowChunk
{
    private readonly Dictionary<BulkTable, List<object?[]>> _rows = BoroughTables.All.ToDictionary(t => t, _ => new List<object?[]>());

    public void Add(BulkTable table, object?[] row) => _rows[table].Add(row);

    public IReadOnlyList<object?[]> Rows(BulkTable table) => _rows[table];

    public long Count => _rows.Values.Sum(r => (long)r.Count);

    public void Clear()
    {
        foreach (var list in _rows.Values) list.Clear();
    }
}
