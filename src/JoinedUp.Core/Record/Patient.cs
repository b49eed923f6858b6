namespace JoinedUp.Record;

/// <summary>Administrative sex as FHIR records it.</summary>
public enum Sex
{
    Unknown = 0,
    Female = 1,
    Male = 2,
    Other = 3,
}

/// <summary>Every row of the shared record carries a version and the time it last changed: the FHIR API exposes them as meta.versionId and ETag.</summary>
public abstract class RecordEntry
{
    public long Id { get; set; }

    /// <summary>Starts at 1 and goes up by one on every change.</summary>
    public int VersionId { get; set; } = 1;

    /// <summary>UTC time of the last change.</summary>
    public DateTime LastUpdated { get; set; }
}

/// <summary>A person in the shared care record.</summary>
public sealed class Patient : RecordEntry
{
    /// <summary>Ten digits with a valid check digit, or null when the person has no NHS number yet (see <see cref="LocalIdentifier"/>).</summary>
    public string? NhsNumber { get; set; }

    /// <summary>JoinedUp's own identifier, always present and unique, e.g. "JU-0000001".</summary>
    public required string LocalIdentifier { get; set; }

    /// <summary>True when the record has no NHS number: it is flagged so that someone traces one.</summary>
    public bool HasNoNhsNumber => NhsNumber is null;

    public required string GivenName { get; set; }

    public required string FamilyName { get; set; }

    public DateOnly BirthDate { get; set; }

    public Sex Sex { get; set; }

    public string? Postcode { get; set; }

    /// <summary>The GP practice the person is registered with.</summary>
    public int? RegisteredPracticeId { get; set; }

    public JoinedUp.Directory.Organisation? RegisteredPractice { get; set; }

    /// <summary>Preferred language as an ISO 639-1 code, e.g. "en", "bn" (Bengali), "so" (Somali).</summary>
    public string PreferredLanguage { get; set; } = "en";

    public bool InterpreterNeeded { get; set; }

    /// <summary>
    /// The patient dissents from sharing: organisations other than their registered practice see only what the single
    /// point of access needs. Changed only through <see cref="JoinedUp.Security.ConsentService"/>, which keeps the history.
    /// </summary>
    public bool SharingDissent { get; set; }

    /// <summary>National data opt-out: the patient is left out of every patient-level export and secondary-use dataset.</summary>
    public bool NationalOptOut { get; set; }

    public List<Carer> Carers { get; set; } = [];
}

/// <summary>Someone who cares for a patient; may be a patient in the record too.</summary>
public sealed class Carer
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public required string Name { get; set; }

    /// <summary>How the carer is related, e.g. "Daughter", "Husband", "Friend".</summary>
    public required string Relationship { get; set; }

    public string? Phone { get; set; }

    /// <summary>Set when the carer is also a person in the record.</summary>
    public long? CarerPatientId { get; set; }
}
