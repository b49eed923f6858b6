using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using FhirAllergy = Hl7.Fhir.Model.AllergyIntolerance;
using FhirCondition = Hl7.Fhir.Model.Condition;
using FhirEncounter = Hl7.Fhir.Model.Encounter;
using FhirMedicationStatement = Hl7.Fhir.Model.MedicationStatement;
using FhirObservation = Hl7.Fhir.Model.Observation;
using FhirProcedure = Hl7.Fhir.Model.Procedure;
using Row = JoinedUp.Record;

namespace JoinedUp.Fhir;

/// <summary>A problem with one element of a resource: the FHIRPath of the element and what to fix.</summary>
public sealed record FhirProblem(string Expression, string Message);

/// <summary>
/// Reads the relational row JoinedUp keeps from a FHIR resource (docs/adr/0003): the columns measures and searches
/// use. Everything else the client sent stays in resource_version. References are resolved by the caller (the patient
/// and encounter ids are passed in); every problem is named by its element so the client knows what to fix.
/// </summary>
public static class RecordMapping
{
    /// <summary>The resource types kept in the relational record, in the order a bundle is written (referenced types first).</summary>
    public static readonly IReadOnlyList<string> StoredTypes =
        ["Patient", "Encounter", "Condition", "Observation", "Immunization", "MedicationStatement", "AllergyIntolerance", "Procedure"];

    /// <summary>Clinical types: each belongs to one patient, named by subject or patient.</summary>
    public static bool IsClinical(string type) => type is "Encounter" or "Condition" or "Observation" or "Immunization" or "MedicationStatement" or "AllergyIntolerance" or "Procedure";

    /// <summary>The patient reference of a clinical resource (subject or patient), and the element's name.</summary>
    public static (ResourceReference? Reference, string Element) PatientReference(Resource resource) => resource switch
    {
        FhirObservation o => (o.Subject, "Observation.subject"),
        FhirCondition c => (c.Subject, "Condition.subject"),
        FhirEncounter e => (e.Subject, "Encounter.subject"),
        Immunization i => (i.Patient, "Immunization.patient"),
        FhirMedicationStatement m => (m.Subject, "MedicationStatement.subject"),
        FhirAllergy a => (a.Patient, "AllergyIntolerance.patient"),
        FhirProcedure p => (p.Subject, "Procedure.subject"),
        _ => (null, resource.TypeName),
    };

    /// <summary>The encounter reference of a clinical resource, when the type has one.</summary>
    public static (ResourceReference? Reference, string Element) EncounterReference(Resource resource) => resource switch
    {
        FhirObservation o => (o.Encounter, "Observation.encounter"),
        FhirProcedure p => (p.Encounter, "Procedure.encounter"),
        _ => (null, resource.TypeName),
    };

    /// <summary>Reads the row for a clinical resource. <paramref name="now"/> rejects times in the future.</summary>
    public static (ClinicalEntry? Row, List<FhirProblem> Problems) ToRow(Resource resource, long patientId, long? encounterId, DateTime now)
    {
        var problems = new List<FhirProblem>();
        ClinicalEntry? row = resource switch
        {
            FhirObservation o => Observation(o, encounterId, now, problems),
            FhirCondition c => Condition(c, problems),
            FhirEncounter e => Encounter(e, now, problems),
            Immunization i => Immunisation(i, now, problems),
            FhirMedicationStatement m => Medication(m, problems),
            FhirAllergy a => Allergy(a, problems),
            FhirProcedure p => Procedure(p, encounterId, now, problems),
            _ => null,
        };
        if (row is null)
        {
            if (problems.Count == 0) problems.Add(new FhirProblem(resource.TypeName, $"{resource.TypeName} is not kept in the record."));
            return (null, problems);
        }
        row!.PatientId = patientId;
        row.Confidential = resource.Meta?.Security.Any(s => s.System == "http://terminology.hl7.org/CodeSystem/v3-Confidentiality" && s.Code is "R" or "V") == true;
        row.LastUpdated = now;
        row.VersionId = 1;
        return problems.Count > 0 ? (null, problems) : (row, problems);
    }

    /// <summary>The coding JoinedUp keeps: SNOMED CT when the concept has one, else the first coding with a system and a code. Others stay in the JSON.</summary>
    public static Coded? MainCoding(CodeableConcept? concept, string element, List<FhirProblem> problems)
    {
        var coding = concept?.Coding.FirstOrDefault(c => c.System == CodeSystems.Snomed && !string.IsNullOrEmpty(c.Code))
            ?? concept?.Coding.FirstOrDefault(c => !string.IsNullOrEmpty(c.System) && !string.IsNullOrEmpty(c.Code));
        if (coding is not { System: { } system, Code: { } code })
        {
            problems.Add(new FhirProblem($"{element}.coding", "Give a coding with a system and a code (SNOMED CT, LOINC, RxNorm, ICD-10, ...)."));
            return null;
        }
        if (code.Length > 64) problems.Add(new FhirProblem($"{element}.coding", "A code is at most 64 characters."));
        if (system.Length > 200) problems.Add(new FhirProblem($"{element}.coding", "A code system URI is at most 200 characters."));
        var text = coding.Display ?? concept!.Text;
        return new Coded(system, code, text is { Length: > 500 } ? text[..500] : text);
    }

    /// <summary>The code JoinedUp keeps for a concept.</summary>
    public sealed record Coded(string System, string Code, string? Display);

    /// <summary>A dateTime element as UTC; a date without a time is midnight UTC. Adds a problem when it is missing or unreadable.</summary>
    public static DateTime? Instant(DataType? value, string element, List<FhirProblem> problems, bool required, DateTime now)
    {
        DateTimeOffset? at = value switch
        {
            FhirDateTime dt => ToUtc(dt),
            Hl7.Fhir.Model.Instant i => i.Value,
            Period p when p.StartElement is { } start => ToUtc(start),
            _ => null,
        };
        if (at is null)
        {
            if (required || value is not null) problems.Add(new FhirProblem(element, value is null ? "This date is required." : "Give a date or dateTime (yyyy-mm-dd, or with a time and zone)."));
            return null;
        }
        var utc = at.Value.UtcDateTime;
        if (utc > now.AddMinutes(5)) problems.Add(new FhirProblem(element, "This date is in the future."));
        return utc;
    }

    private static FhirDateTime? AsDateTime(DataType? value) => value as FhirDateTime;

    /// <summary>A FHIR dateTime as a UTC instant: with a time as given; a date (yyyy-mm-dd, yyyy-mm, yyyy) as its first moment, UTC.</summary>
    public static DateTimeOffset? ToUtc(FhirDateTime? value)
    {
        if (value?.Value is not { Length: > 0 } text) return null;
        if (value.TryToDateTimeOffset(out var at)) return at.ToUniversalTime();
        string[] formats = ["yyyy-MM-dd", "yyyy-MM", "yyyy"];
        return DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var day)
            ? new DateTimeOffset(DateTime.SpecifyKind(day, DateTimeKind.Utc))
            : null;
    }

    private static Row.Observation? Observation(FhirObservation o, long? encounterId, DateTime now, List<FhirProblem> problems)
    {
        var coding = MainCoding(o.Code, "Observation.code", problems);
        var effective = Instant(o.Effective, "Observation.effective[x]", problems, required: true, now);
        if (coding is null || effective is null) return null;
        double? value = null, second = null;
        string? unit = null;
        if (o.Value is Quantity q && q.Value is { } v)
        {
            value = (double)v;
            unit = q.Code ?? q.Unit;
        }
        foreach (var component in o.Component)
        {
            if (component.Value is not Quantity cq || cq.Value is not { } cv) continue;
            var code = component.Code?.Coding.FirstOrDefault()?.Code;
            if (code is "8480-6" or "271649006") { value = (double)cv; unit ??= cq.Code ?? cq.Unit; }
            if (code is "8462-4" or "271650006") second = (double)cv;
        }
        return new Row.Observation
        {
            CodeSystem = coding.System,
            Code = coding.Code,
            Display = coding.Display,
            EffectiveAt = effective.Value,
            Value = value,
            SecondaryValue = second,
            Unit = unit is { Length: <= 32 } ? unit : null,
            EncounterId = encounterId,
            Status = o.Status switch
            {
                Hl7.Fhir.Model.ObservationStatus.Amended or Hl7.Fhir.Model.ObservationStatus.Corrected => Row.ObservationStatus.Amended,
                Hl7.Fhir.Model.ObservationStatus.EnteredInError => Row.ObservationStatus.EnteredInError,
                _ => Row.ObservationStatus.Final,
            },
        };
    }

    private static Row.Condition? Condition(FhirCondition c, List<FhirProblem> problems)
    {
        var coding = MainCoding(c.Code, "Condition.code", problems);
        var onset = AsDateTime(c.Onset) ?? (c.Onset as Period)?.StartElement;
        DateOnly? onsetDate = null;
        if (onset is not null)
        {
            if (ToUtc(onset) is { } at) onsetDate = DateOnly.FromDateTime(at.UtcDateTime);
            else problems.Add(new FhirProblem("Condition.onset[x]", "Give the onset as a date or dateTime."));
        }
        if (coding is null) return null;
        var status = c.ClinicalStatus?.Coding.FirstOrDefault()?.Code;
        return new Row.Condition
        {
            CodeSystem = coding.System,
            Code = coding.Code,
            Display = coding.Display,
            OnsetDate = onsetDate,
            Status = status switch
            {
                "resolved" => ConditionStatus.Resolved,
                "inactive" or "remission" => ConditionStatus.Inactive,
                _ => ConditionStatus.Active,
            },
        };
    }

    private static Row.Encounter? Encounter(FhirEncounter e, DateTime now, List<FhirProblem> problems)
    {
        var start = Instant(e.Period?.StartElement, "Encounter.period.start", problems, required: true, now);
        var end = e.Period?.EndElement is { } endElement ? Instant(endElement, "Encounter.period.end", problems, required: false, now.AddYears(1)) : null;
        if (start is not null && end < start) problems.Add(new FhirProblem("Encounter.period.end", "The encounter ends before it starts."));
        EncounterClass? cls = e.Class?.Code switch
        {
            "AMB" or "OBSENC" or "SS" => EncounterClass.Ambulatory,
            "HH" => EncounterClass.Home,
            "VR" => EncounterClass.Virtual,
            "IMP" or "ACUTE" or "NONAC" or "PRENC" => EncounterClass.Inpatient,
            "EMER" => EncounterClass.Emergency,
            _ => null,
        };
        if (cls is null) problems.Add(new FhirProblem("Encounter.class", $"'{e.Class?.Code}' is not an encounter class JoinedUp knows: use the v3 ActCode AMB, HH, VR, IMP, ACUTE, NONAC, OBSENC, PRENC, SS or EMER."));
        var type = e.Type.FirstOrDefault()?.Coding.FirstOrDefault(c => c.System == CodeSystems.Snomed)?.Code;
        var reason = e.ReasonCode.SelectMany(r => r.Coding).FirstOrDefault(c => c.System == CodeSystems.Snomed)?.Code;
        if (start is null || cls is null) return null;
        return new Row.Encounter
        {
            Class = cls.Value,
            StartAt = start.Value,
            EndAt = end,
            TypeCode = type is { Length: <= 64 } ? type : null,
            ReasonCode = reason is { Length: <= 64 } ? reason : null,
            Status = e.Status switch
            {
                FhirEncounter.EncounterStatus.Planned or FhirEncounter.EncounterStatus.Arrived or FhirEncounter.EncounterStatus.Triaged => EncounterStatus.Planned,
                FhirEncounter.EncounterStatus.InProgress or FhirEncounter.EncounterStatus.Onleave => EncounterStatus.InProgress,
                FhirEncounter.EncounterStatus.Cancelled or FhirEncounter.EncounterStatus.EnteredInError => EncounterStatus.Cancelled,
                _ => EncounterStatus.Finished,
            },
        };
    }

    private static Immunisation? Immunisation(Immunization i, DateTime now, List<FhirProblem> problems)
    {
        var coding = MainCoding(i.VaccineCode, "Immunization.vaccineCode", problems);
        var at = Instant(i.Occurrence, "Immunization.occurrence[x]", problems, required: true, now);
        if (coding is null || at is null) return null;
        var dose = i.ProtocolApplied.FirstOrDefault()?.DoseNumber as PositiveInt;
        return new Immunisation
        {
            CodeSystem = coding.System,
            VaccineCode = coding.Code,
            Display = coding.Display,
            OccurredOn = DateOnly.FromDateTime(at.Value),
            DoseNumber = dose?.Value,
            Status = i.Status switch
            {
                Immunization.ImmunizationStatusCodes.NotDone => ImmunisationStatus.NotDone,
                Immunization.ImmunizationStatusCodes.EnteredInError => ImmunisationStatus.EnteredInError,
                _ => ImmunisationStatus.Completed,
            },
        };
    }

    private static Row.MedicationStatement? Medication(FhirMedicationStatement m, List<FhirProblem> problems)
    {
        if (m.Medication is not CodeableConcept concept)
        {
            problems.Add(new FhirProblem("MedicationStatement.medication[x]", "Give the medicine as medicationCodeableConcept (dm+d, SNOMED CT or RxNorm)."));
            return null;
        }
        var coding = MainCoding(concept, "MedicationStatement.medicationCodeableConcept", problems);
        var started = Instant(m.Effective, "MedicationStatement.effective[x]", problems, required: true, DateTime.MaxValue.AddYears(-1));
        DateTime? ended = m.Effective is Period { EndElement: { } end } ? Instant(end, "MedicationStatement.effectivePeriod.end", problems, required: false, DateTime.MaxValue.AddYears(-1)) : null;
        if (coding is null || started is null) return null;
        var dosage = m.Dosage.FirstOrDefault()?.Text;
        return new Row.MedicationStatement
        {
            CodeSystem = coding.System,
            Code = coding.Code,
            Display = coding.Display,
            StartedOn = DateOnly.FromDateTime(started.Value),
            EndedOn = ended is null ? null : DateOnly.FromDateTime(ended.Value),
            Dosage = dosage is { Length: > 500 } ? dosage[..500] : dosage,
            Status = m.Status switch
            {
                FhirMedicationStatement.MedicationStatusCodes.Completed => MedicationStatus.Completed,
                FhirMedicationStatement.MedicationStatusCodes.Stopped or FhirMedicationStatement.MedicationStatusCodes.NotTaken
                    or FhirMedicationStatement.MedicationStatusCodes.EnteredInError => MedicationStatus.Stopped,
                _ => MedicationStatus.Active,
            },
        };
    }

    private static Row.AllergyIntolerance? Allergy(FhirAllergy a, List<FhirProblem> problems)
    {
        var coding = MainCoding(a.Code, "AllergyIntolerance.code", problems);
        DateOnly? recorded = null;
        if (a.RecordedDateElement is { } r)
        {
            if (ToUtc(r) is { } at) recorded = DateOnly.FromDateTime(at.UtcDateTime);
            else problems.Add(new FhirProblem("AllergyIntolerance.recordedDate", "Give a date or dateTime."));
        }
        if (coding is null) return null;
        return new Row.AllergyIntolerance
        {
            CodeSystem = coding.System,
            Code = coding.Code,
            Display = coding.Display,
            RecordedOn = recorded,
            Criticality = a.CriticalityElement?.JsonValue as string,
            Category = a.CategoryElement.FirstOrDefault()?.JsonValue as string,
            Status = a.ClinicalStatus?.Coding.FirstOrDefault()?.Code switch
            {
                "inactive" => AllergyStatus.Inactive,
                "resolved" => AllergyStatus.Resolved,
                _ => AllergyStatus.Active,
            },
        };
    }

    private static Row.Procedure? Procedure(FhirProcedure p, long? encounterId, DateTime now, List<FhirProblem> problems)
    {
        var coding = MainCoding(p.Code, "Procedure.code", problems);
        var performed = p.Performed is null ? null : Instant(p.Performed, "Procedure.performed[x]", problems, required: false, now);
        if (coding is null) return null;
        return new Row.Procedure
        {
            CodeSystem = coding.System,
            Code = coding.Code,
            Display = coding.Display,
            PerformedAt = performed,
            EncounterId = encounterId,
            Status = p.Status switch
            {
                EventStatus.InProgress or EventStatus.Preparation or EventStatus.OnHold => ProcedureStatus.InProgress,
                EventStatus.NotDone => ProcedureStatus.NotDone,
                EventStatus.Stopped => ProcedureStatus.Stopped,
                EventStatus.EnteredInError => ProcedureStatus.EnteredInError,
                EventStatus.Unknown => ProcedureStatus.Unknown,
                _ => ProcedureStatus.Completed,
            },
        };
    }

    /// <summary>Formats a UTC time the way FHIR meta.lastUpdated carries it.</summary>
    public static string Stamp(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
