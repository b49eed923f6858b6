using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using FhirPatient = Hl7.Fhir.Model.Patient;

namespace JoinedUp.Fhir;

/// <summary>What JoinedUp keeps in the patient row, read from a FHIR Patient, with every problem named by its element.</summary>
public sealed record PatientFields(string GivenName, string FamilyName, DateOnly BirthDate, Sex Sex, string? Postcode, string? NhsNumber, string? Language, string? PracticeCode)
{
    /// <summary>A new patient row from these fields: version 1, a fresh local identifier, registered at <paramref name="practiceId"/>.</summary>
    public JoinedUp.Record.Patient NewPatient(int? practiceId, DateTime now) => new()
    {
        LocalIdentifier = "JU-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)),
        GivenName = GivenName,
        FamilyName = FamilyName,
        BirthDate = BirthDate,
        Sex = Sex,
        Postcode = Postcode,
        NhsNumber = NhsNumber,
        PreferredLanguage = Language ?? "en",
        RegisteredPracticeId = practiceId,
        VersionId = 1,
        LastUpdated = now,
    };

    public static async Task<(PatientFields? Fields, List<(string Expression, string Message)> Problems)> FromFhirAsync(FhirPatient resource, JoinedUpDbContext db, CancellationToken ct)
    {
        var problems = new List<(string, string)>();
        string? nhs = null;
        for (var i = 0; i < resource.Identifier.Count; i++)
        {
            var identifier = resource.Identifier[i];
            if (identifier.System != FhirSystems.NhsNumber) continue;
            if (!JoinedUp.Record.NhsNumber.TryParse(identifier.Value, out var parsed, out var error)) problems.Add(($"Patient.identifier[{i}].value", error!));
            else nhs = parsed.Value.Value;
        }
        var name = resource.Name.FirstOrDefault(n => n.Use is null or HumanName.NameUse.Official) ?? resource.Name.FirstOrDefault();
        var family = name?.Family?.Trim();
        var given = name?.Given.FirstOrDefault()?.Trim();
        if (string.IsNullOrEmpty(family)) problems.Add(("Patient.name[0].family", "The patient's family name is required."));
        if (string.IsNullOrEmpty(given)) problems.Add(("Patient.name[0].given[0]", "The patient's given name is required."));
        if (family?.Length > 100 || given?.Length > 100) problems.Add(("Patient.name[0]", "Names are at most 100 characters."));
        DateOnly birth = default;
        if (string.IsNullOrEmpty(resource.BirthDate)) problems.Add(("Patient.birthDate", "The date of birth is required."));
        else if (!DateOnly.TryParseExact(resource.BirthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out birth))
        {
            problems.Add(("Patient.birthDate", $"'{resource.BirthDate}' is not a full date: give yyyy-mm-dd."));
        }
        string? practice = null;
        var gp = resource.GeneralPractitioner.FirstOrDefault(r => r.Identifier?.System == FhirSystems.OdsCode);
        if (gp is not null)
        {
            practice = gp.Identifier!.Value;
            if (!await db.Organisations.AnyAsync(o => o.OdsCode == practice && o.Kind == Directory.OrganisationKind.GpPractice, ct).ConfigureAwait(false))
            {
                problems.Add(("Patient.generalPractitioner", $"'{practice}' is not a GP practice in this borough's directory."));
            }
        }
        var sex = resource.Gender switch
        {
            AdministrativeGender.Female => Sex.Female,
            AdministrativeGender.Male => Sex.Male,
            AdministrativeGender.Other => Sex.Other,
            _ => Sex.Unknown,
        };
        var postcode = resource.Address.FirstOrDefault(a => a.Use is null or Address.AddressUse.Home)?.PostalCode?.Trim();
        if (postcode?.Length > 10) problems.Add(("Patient.address[0].postalCode", "A postcode is at most 10 characters."));
        var language = resource.Communication.FirstOrDefault(c => c.Preferred == true)?.Language?.Coding.FirstOrDefault()?.Code
            ?? resource.Communication.FirstOrDefault()?.Language?.Coding.FirstOrDefault()?.Code;
        if (language?.Length > 8) language = language[..2];
        return problems.Count > 0 ? (null, problems) : (new PatientFields(given!, family!, birth, sex, postcode, nhs, language, practice), problems);
    }
}
