namespace JoinedUp.Record;

/// <summary>Code systems, as their FHIR URIs. Codes from other systems are stored as given.</summary>
public static class CodeSystems
{
    public const string Snomed = "http://snomed.info/sct";
    public const string Loinc = "http://loinc.org";
    public const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
}

/// <summary>
/// An entry in a patient's record. It may carry a security label: the service that recorded it (an entry from a
/// sensitive service, such as termination of pregnancy or safeguarding, is visible only to that service's team and the
/// patient) and a confidential flag with the same effect for any service. See docs/security.md.
/// </summary>
public abstract class ClinicalEntry : RecordEntry
{
    public long PatientId { get; set; }

    /// <summary>The service whose team recorded the entry, when known.</summary>
    public int? RecordedByServiceId { get; set; }

    /// <summary>Labelled confidential: only the recording service's team and the patient may see it.</summary>
    public bool Confidential { get; set; }
}

public enum ConditionStatus
{
    Active = 1,
    Resolved = 2,
    Inactive = 3,
}

/// <summary>A diagnosis or problem on the record.</summary>
public sealed class Condition : ClinicalEntry
{
    public string CodeSystem { get; set; } = CodeSystems.Snomed;

    public required string Code { get; set; }

    public string? Display { get; set; }

    public ConditionStatus Status { get; set; } = ConditionStatus.Active;

    public DateOnly? OnsetDate { get; set; }

    /// <summary>Organisation that recorded it.</summary>
    public int? RecordedByOrganisationId { get; set; }
}

public enum ObservationStatus
{
    Final = 1,
    Amended = 2,
    EnteredInError = 3,
}

/// <summary>
/// A measurement or finding. <see cref="Value"/> is the main value; <see cref="SecondaryValue"/> holds the second
/// component of a two-part reading (the diastolic of a blood pressure, whose <see cref="Value"/> is the systolic).
/// </summary>
public sealed class Observation : ClinicalEntry
{
    public long? EncounterId { get; set; }

    public string CodeSystem { get; set; } = CodeSystems.Snomed;

    public required string Code { get; set; }

    public string? Display { get; set; }

    public ObservationStatus Status { get; set; } = ObservationStatus.Final;

    /// <summary>When the observation was made (UTC).</summary>
    public DateTime EffectiveAt { get; set; }

    public double? Value { get; set; }

    public double? SecondaryValue { get; set; }

    /// <summary>UCUM unit, e.g. "mmol/mol", "mm[Hg]".</summary>
    public string? Unit { get; set; }
}

public enum EncounterClass
{
    Ambulatory = 1,
    Home = 2,
    Virtual = 3,
    Inpatient = 4,
    Emergency = 5,
}

public enum EncounterStatus
{
    Planned = 1,
    InProgress = 2,
    Finished = 3,
    Cancelled = 4,
}

/// <summary>A contact between the person and a service or practice.</summary>
public sealed class Encounter : ClinicalEntry
{
    public int? OrganisationId { get; set; }

    public int? ServiceId { get; set; }

    public EncounterClass Class { get; set; }

    public EncounterStatus Status { get; set; } = EncounterStatus.Finished;

    /// <summary>SNOMED CT code of the kind of contact, e.g. a review.</summary>
    public string? TypeCode { get; set; }

    public DateTime StartAt { get; set; }

    public DateTime? EndAt { get; set; }

    /// <summary>SNOMED CT code of why the encounter happened (FHIR Encounter.reasonCode), e.g. the condition a person was admitted with.</summary>
    public string? ReasonCode { get; set; }
}

public enum ImmunisationStatus
{
    Completed = 1,
    NotDone = 2,
    EnteredInError = 3,
}

/// <summary>A vaccination given (or recorded as not done).</summary>
public sealed class Immunisation : ClinicalEntry
{
    public string CodeSystem { get; set; } = CodeSystems.Snomed;

    public required string VaccineCode { get; set; }

    public string? Display { get; set; }

    public ImmunisationStatus Status { get; set; } = ImmunisationStatus.Completed;

    public DateOnly OccurredOn { get; set; }

    public int? DoseNumber { get; set; }

    public int? OrganisationId { get; set; }
}

public enum MedicationStatus
{
    Active = 1,
    Completed = 2,
    Stopped = 3,
}

/// <summary>A medicine the person takes or took.</summary>
public sealed class MedicationStatement : ClinicalEntry
{
    public string CodeSystem { get; set; } = CodeSystems.Snomed;

    public required string Code { get; set; }

    public string? Display { get; set; }

    public MedicationStatus Status { get; set; } = MedicationStatus.Active;

    public DateOnly StartedOn { get; set; }

    public DateOnly? EndedOn { get; set; }

    public string? Dosage { get; set; }
}

public enum AllergyStatus
{
    Active = 1,
    Inactive = 2,
    Resolved = 3,
}

/// <summary>An allergy or intolerance: the substance (or the allergy's own code), its status and how severe a reaction could be.</summary>
public sealed class AllergyIntolerance : ClinicalEntry
{
    public string CodeSystem { get; set; } = CodeSystems.Snomed;

    public required string Code { get; set; }

    public string? Display { get; set; }

    public AllergyStatus Status { get; set; } = AllergyStatus.Active;

    /// <summary>FHIR criticality as given: "low", "high" or "unable-to-assess".</summary>
    public string? Criticality { get; set; }

    /// <summary>FHIR category as given: "food", "medication", "environment" or "biologic".</summary>
    public string? Category { get; set; }

    public DateOnly? RecordedOn { get; set; }
}

public enum ProcedureStatus
{
    Completed = 1,
    InProgress = 2,
    NotDone = 3,
    Stopped = 4,
    EnteredInError = 5,
    Unknown = 6,
}

/// <summary>Something done to or for the person: an operation, a dressing, a review, an assessment.</summary>
public sealed class Procedure : ClinicalEntry
{
    public long? EncounterId { get; set; }

    public string CodeSystem { get; set; } = CodeSystems.Snomed;

    public required string Code { get; set; }

    public string? Display { get; set; }

    public ProcedureStatus Status { get; set; } = ProcedureStatus.Completed;

    /// <summary>When it was done (the start of the period when a period was given), UTC.</summary>
    public DateTime? PerformedAt { get; set; }
}
