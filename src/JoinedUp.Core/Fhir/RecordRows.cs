using System.Data.Common;
using JoinedUp.Record;
using JoinedUp.Storage;
using Npgsql;

namespace JoinedUp.Fhir;

/// <summary>
/// The record's rows as the bulk writer takes them (every column, in table order), and blocks of ids reserved for
/// them, so that FHIR writes and imports insert with prepared statements (SQLite) or binary COPY (PostgreSQL) instead
/// of one tracked entity at a time.
/// </summary>
internal static class RecordRows
{
    public static readonly BulkTable Patient = new("patient",
        ["id", "nhs_number", "local_identifier", "given_name", "family_name", "birth_date", "sex", "postcode", "registered_practice_id", "preferred_language",
         "interpreter_needed", "sharing_dissent", "national_opt_out", "version_id", "last_updated"]);

    private static readonly string[] Clinical = ["patient_id", "recorded_by_service_id", "confidential", "version_id", "last_updated"];

    public static readonly BulkTable Encounter = new("encounter", ["id", .. Clinical, "organisation_id", "service_id", "class", "status", "type_code", "start_at", "end_at", "reason_code"]);

    public static readonly BulkTable Condition = new("condition", ["id", .. Clinical, "code_system", "code", "display", "status", "onset_date", "recorded_by_organisation_id"]);

    public static readonly BulkTable Observation = new("observation",
        ["id", .. Clinical, "encounter_id", "code_system", "code", "display", "status", "effective_at", "value", "secondary_value", "unit"]);

    public static readonly BulkTable Immunisation = new("immunisation",
        ["id", .. Clinical, "code_system", "vaccine_code", "display", "status", "occurred_on", "dose_number", "organisation_id"]);

    public static readonly BulkTable Medication = new("medication_statement",
        ["id", .. Clinical, "code_system", "code", "display", "status", "started_on", "ended_on", "dosage"]);

    public static readonly BulkTable Allergy = new("allergy_intolerance",
        ["id", .. Clinical, "code_system", "code", "display", "status", "criticality", "category", "recorded_on"]);

    public static readonly BulkTable Procedure = new("procedure",
        ["id", .. Clinical, "encounter_id", "code_system", "code", "display", "status", "performed_at"]);

    public static readonly BulkTable Version = new("resource_version", ["id", "resource_type", "resource_id", "version_id", "last_updated", "method", "json"]);

    public static readonly BulkTable Identifier = new("resource_identifier", ["id", "resource_type", "system", "value", "resource_id"]);

    public static BulkTable TableOf(ClinicalEntry row) => row switch
    {
        Record.Encounter => Encounter,
        Record.Condition => Condition,
        Record.Observation => Observation,
        Record.Immunisation => Immunisation,
        Record.MedicationStatement => Medication,
        Record.AllergyIntolerance => Allergy,
        Record.Procedure => Procedure,
        _ => throw new NotSupportedException(row.GetType().Name),
    };

    public static object?[] Values(Record.Patient p) =>
    [
        p.Id, p.NhsNumber, p.LocalIdentifier, p.GivenName, p.FamilyName, p.BirthDate, (int)p.Sex, p.Postcode, p.RegisteredPracticeId, p.PreferredLanguage,
        p.InterpreterNeeded, p.SharingDissent, p.NationalOptOut, p.VersionId, p.LastUpdated,
    ];

    public static object?[] Values(ClinicalEntry row)
    {
        object?[] common = [row.Id, row.PatientId, row.RecordedByServiceId, row.Confidential, row.VersionId, row.LastUpdated];
        object?[] rest = row switch
        {
            Record.Encounter e => [e.OrganisationId, e.ServiceId, (int)e.Class, (int)e.Status, e.TypeCode, e.StartAt, e.EndAt, e.ReasonCode],
            Record.Condition c => [c.CodeSystem, c.Code, c.Display, (int)c.Status, c.OnsetDate, c.RecordedByOrganisationId],
            Record.Observation o => [o.EncounterId, o.CodeSystem, o.Code, o.Display, (int)o.Status, o.EffectiveAt, o.Value, o.SecondaryValue, o.Unit],
            Record.Immunisation i => [i.CodeSystem, i.VaccineCode, i.Display, (int)i.Status, i.OccurredOn, i.DoseNumber, i.OrganisationId],
            Record.MedicationStatement m => [m.CodeSystem, m.Code, m.Display, (int)m.Status, m.StartedOn, m.EndedOn, m.Dosage],
            Record.AllergyIntolerance a => [a.CodeSystem, a.Code, a.Display, (int)a.Status, a.Criticality, a.Category, a.RecordedOn],
            Record.Procedure p => [p.EncounterId, p.CodeSystem, p.Code, p.Display, (int)p.Status, p.PerformedAt],
            _ => throw new NotSupportedException(row.GetType().Name),
        };
        return [.. common, .. rest];
    }

    /// <summary>
    /// <paramref name="count"/> new ids for a table, reserved inside the caller's write transaction: PostgreSQL takes
    /// them from the table's identity sequence (safe beside concurrent writers; not always consecutive); SQLite allows
    /// one writer at a time, so the ids after the highest ever used (its AUTOINCREMENT counter) are free.
    /// </summary>
    public static async Task<long[]> ReserveAsync(DbConnection connection, DbTransaction transaction, BulkTable table, int count, CancellationToken ct)
    {
        if (count == 0) return [];
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
#pragma warning disable CA2100 // table names come from the constants above; the count is a parameter
        if (connection is NpgsqlConnection)
        {
            cmd.CommandText = $"SELECT nextval(pg_get_serial_sequence('{table.Name}', 'id')) FROM generate_series(1, @n)";
            cmd.Parameters.Add(new NpgsqlParameter("n", count));
            var ids = new long[count];
            await using var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            for (var i = 0; await reader.ReadAsync(ct).ConfigureAwait(false); i++) ids[i] = reader.GetInt64(0);
            return ids;
        }
        cmd.CommandText = $"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{table.Name}'), 0), coalesce((SELECT max(id) FROM {table.Name}), 0)) + 1";
#pragma warning restore CA2100
        var first = Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        return Enumerable.Range(0, count).Select(i => first + i).ToArray();
    }
}
