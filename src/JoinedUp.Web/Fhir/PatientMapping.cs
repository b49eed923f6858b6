using System.Globalization;
using JoinedUp.Record;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using FhirPatient = Hl7.Fhir.Model.Patient;
using Hl7.Fhir.Model;

namespace JoinedUp.Web.Fhir;

/// <summary>UK Core identifier systems and the mapping of JoinedUp's patient to FHIR R4 Patient.</summary>
internal static class PatientMapping
{
    public const string NhsNumberSystem = FhirSystems.NhsNumber;
    public const string OdsCodeSystem = FhirSystems.OdsCode;
    public const string LocalIdentifierSystem = FhirSystems.LocalIdentifier;

    /// <summary>The patient's demographics as a FHIR Patient (call only after the record rules allowed the read).</summary>
    public static async Task<FhirPatient?> ReadAsync(JoinedUpDbContext db, long id, CancellationToken ct)
    {
        var p = await db.Patients.AsNoTracking().Where(x => x.Id == id).Select(x => new
        {
            x.NhsNumber, x.LocalIdentifier, x.GivenName, x.FamilyName, x.BirthDate, x.Sex, x.Postcode, x.PreferredLanguage, x.VersionId, x.LastUpdated,
            PracticeCode = x.RegisteredPractice != null ? x.RegisteredPractice.OdsCode : null,
            PracticeName = x.RegisteredPractice != null ? x.RegisteredPractice.Name : null,
        }).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (p is null) return null;
        // Written through FHIR and unchanged since: return it as it was sent (nothing a client sent is dropped).
        if (await PatientWrites.StoredCurrentAsync(db, id, p.VersionId, ct).ConfigureAwait(false) is { } stored) return stored;
        var summary = new PatientSummary(id, p.NhsNumber, p.LocalIdentifier, p.GivenName, p.FamilyName, p.BirthDate, p.Sex.ToString(), p.Postcode,
            p.PracticeCode, p.PracticeName, p.PreferredLanguage, false, false, false, "", "", [], [], [], [], []);
        return ToFhir(summary, p.VersionId, p.LastUpdated);
    }

    /// <summary>The FHIR Patient for a patient row (bulk export), with its practice's ODS code and name.</summary>
    public static FhirPatient ToFhir(JoinedUp.Record.Patient p, string? practiceCode, string? practiceName) =>
        ToFhir(new PatientSummary(p.Id, p.NhsNumber, p.LocalIdentifier, p.GivenName, p.FamilyName, p.BirthDate, p.Sex.ToString(), p.Postcode,
            practiceCode, practiceName, p.PreferredLanguage, false, false, false, "", "", [], [], [], [], []), p.VersionId, p.LastUpdated);

    /// <summary>The FHIR Patient for a record summary (what the caller may see of it), with meta.versionId and lastUpdated.</summary>
    public static FhirPatient ToFhir(PatientSummary summary, int versionId, DateTime lastUpdated)
    {
        var patient = new FhirPatient
        {
            Id = summary.Id.ToString(CultureInfo.InvariantCulture),
            Meta = new Meta { VersionId = versionId.ToString(CultureInfo.InvariantCulture), LastUpdated = new DateTimeOffset(DateTime.SpecifyKind(lastUpdated, DateTimeKind.Utc)) },
            Name = [new HumanName { Use = HumanName.NameUse.Official, Family = summary.FamilyName, Given = [summary.GivenName] }],
            Gender = summary.Sex switch
            {
                "Female" => AdministrativeGender.Female,
                "Male" => AdministrativeGender.Male,
                "Other" => AdministrativeGender.Other,
                _ => AdministrativeGender.Unknown,
            },
            BirthDate = summary.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        if (summary.NhsNumber is { } nhs) patient.Identifier.Add(new Identifier(NhsNumberSystem, nhs));
        patient.Identifier.Add(new Identifier(LocalIdentifierSystem, summary.LocalIdentifier));
        if (summary.Postcode is { } postcode) patient.Address.Add(new Address { Use = Address.AddressUse.Home, PostalCode = postcode, Country = "GB" });
        if (summary.PracticeCode is { } ods)
        {
            patient.GeneralPractitioner.Add(new ResourceReference { Identifier = new Identifier(OdsCodeSystem, ods), Display = summary.PracticeName });
        }
        patient.Communication.Add(new FhirPatient.CommunicationComponent
        {
            Language = new CodeableConcept("urn:ietf:bcp:47", summary.PreferredLanguage),
            Preferred = true,
        });
        return patient;
    }
}
