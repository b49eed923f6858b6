using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;

namespace JoinedUp.Tests.Fhir;

/// <summary>The FHIR API's first slice, through the Firely FhirClient as a real FHIR client.</summary>
public class FhirPatientTests
{
    private static FhirClient Client(SecureApp app, string? token) => FhirTestClient.For(app, token);

    [Fact]
    public async System.Threading.Tasks.Task The_CapabilityStatement_says_what_is_supported_and_how_to_get_a_token()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        var capability = await Client(app, null).CapabilityStatementAsync();
        Assert.NotNull(capability);
        Assert.Equal(FHIRVersion.N4_0_1, capability!.FhirVersion);
        Assert.Equal(["Patient", "Organization", "HealthcareService", "Practitioner", "PractitionerRole", "AuditEvent", "ServiceRequest", "Task", "Questionnaire", "QuestionnaireResponse", "CarePlan", "Goal", "Measure", "ValueSet", "Binary", "Observation", "Condition", "Encounter", "Immunization", "MedicationStatement", "AllergyIntolerance", "Procedure"], capability.Rest[0].Resource.Select(r => r.Type!).ToArray());
        Assert.Equal([CapabilityStatement.SystemRestfulInteraction.Transaction, CapabilityStatement.SystemRestfulInteraction.Batch], capability.Rest[0].Interaction.Select(i => i.Code!.Value));
        var patient = capability.Rest[0].Resource[0];
        Assert.Equal("Patient", patient.Type);
        Assert.Equal(
            [CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.Vread, CapabilityStatement.TypeRestfulInteraction.HistoryInstance,
             CapabilityStatement.TypeRestfulInteraction.SearchType, CapabilityStatement.TypeRestfulInteraction.Create, CapabilityStatement.TypeRestfulInteraction.Update],
            patient.Interaction.Select(i => i.Code!.Value));
        Assert.True(patient.ConditionalCreate);
        Assert.Contains(patient.SearchParam, p => p.Name == "identifier" && p.Type == SearchParamType.Token);
        Assert.Equal("SMART-on-FHIR", capability.Rest[0].Security!.Service[0].Coding[0].Code);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_practice_system_reads_its_patient_with_UK_Core_identifiers_version_and_ETag_and_is_refused_others(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var own = await app.DemoPatientAsync();
        var other = await app.StrangerAsync();
        var client = Client(app, await app.ClientCredentialsTokenAsync());

        var patient = await client.ReadAsync<Patient>($"Patient/{own}");
        Assert.NotNull(patient);
        Assert.Equal(own.ToString(System.Globalization.CultureInfo.InvariantCulture), patient!.Id);
        Assert.Equal("1", patient.Meta!.VersionId);
        var nhs = Assert.Single(patient.Identifier, i => i.System == "https://fhir.nhs.uk/Id/nhs-number");
        Assert.True(JoinedUp.Record.NhsNumber.IsValid(nhs.Value));
        Assert.Equal("Z10001", patient.GeneralPractitioner[0].Identifier!.Value);
        Assert.Equal("W/\"1\"", client.LastResult!.Etag);

        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<Patient>($"Patient/{other}"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, refused.Outcome!.Issue[0].Code);
        var missing = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<Patient>("Patient/987654321"));
        Assert.Equal(HttpStatusCode.Forbidden, missing.Status);
    }

    [Fact]
    public async System.Threading.Tasks.Task No_token_is_401_and_an_unsupported_type_is_404_both_as_OperationOutcome()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        var anonymous = Client(app, null);
        var id = await app.DemoPatientAsync();
        var unauthenticated = await Assert.ThrowsAsync<FhirOperationException>(() => anonymous.ReadAsync<Patient>($"Patient/{id}"));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.Status);
        Assert.Equal(OperationOutcome.IssueType.Login, unauthenticated.Outcome!.Issue[0].Code);

        using var http = app.Anonymous();
        var unknown = await http.GetAsync("/fhir/Spaceship/1");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/fhir+json", unknown.Content.Headers.ContentType!.MediaType);
        Assert.Contains("not-supported", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Patient_search_pages_through_only_the_callers_patients_with_next_links(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var client = Client(app, await app.ClientCredentialsTokenAsync());
        var expected = await app.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            db.Patients.Where(p => p.RegisteredPractice!.OdsCode == "Z10001").OrderBy(p => p.Id).Select(p => p.Id)));
        Assert.True(expected.Count > 3, "the demo practice needs more than one page of patients");

        var seen = new List<long>();
        var page = await client.SearchAsync<Patient>(["_count=3"]);
        var pages = 0;
        while (page is not null)
        {
            pages++;
            seen.AddRange(page.Entry.Where(e => e.Resource is Patient).Select(e => long.Parse(e.Resource!.Id!, System.Globalization.CultureInfo.InvariantCulture)));
            page = await client.ContinueAsync(page);
        }
        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 2) / 3, pages);

        var count = await client.SearchAsync<Patient>(["_summary=count"]);
        Assert.Equal(expected.Count, count!.Total);

        // A birth date range and a surname prefix narrow it; the patient found is one of the practice's.
        var first = await client.ReadAsync<Patient>($"Patient/{expected[0]}");
        var born = first!.BirthDate!;
        var family = first.Name[0].Family!;
        var byName = await client.SearchAsync<Patient>([$"family={family[..2].ToUpperInvariant()}", $"birthdate=ge{born}", $"birthdate=le{born}"]);
        Assert.Contains(byName!.Entry, e => e.Resource?.Id == first.Id);
        Assert.All(byName.Entry.Select(e => e.Resource).OfType<Patient>(), p => Assert.Equal(born, p.BirthDate));
    }

    [Fact]
    public async System.Threading.Tasks.Task Unknown_search_parameters_are_ignored_and_reported_or_refused_under_Prefer_strict()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var http = app.Bearer(await app.ClientCredentialsTokenAsync());
        var lenient = await http.GetStringAsync("/fhir/Patient?_count=1&shoe-size=9");
        Assert.Contains("\"mode\":\"outcome\"", lenient, StringComparison.Ordinal);
        Assert.Contains("shoe-size", lenient, StringComparison.Ordinal);

        using var strict = new HttpRequestMessage(HttpMethod.Get, "/fhir/Patient?shoe-size=9");
        strict.Headers.Add("Prefer", "handling=strict");
        var refused = await http.SendAsync(strict);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("shoe-size", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var badDate = await http.GetAsync("/fhir/Patient?birthdate=ge23-11-2026");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("birthdate", await badDate.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var badNhs = await http.GetAsync("/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|1234567890");
        Assert.Equal(HttpStatusCode.BadRequest, badNhs.StatusCode);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_directory_is_public_organisations_by_ODS_code_and_the_catalogue_as_HealthcareService()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        var client = Client(app, null);
        var practices = await client.SearchAsync<Organization>(["identifier=https://fhir.nhs.uk/Id/ods-organization-code|Z10001"]);
        var practice = Assert.Single(practices!.Entry).Resource as Organization;
        Assert.Equal("Z10001", practice!.Identifier[0].Value);

        var services = await client.SearchAsync<HealthcareService>([]);
        Assert.Equal(17, services!.Entry.Count);
        var spa = (await client.SearchAsync<HealthcareService>(["identifier=spa"]))!.Entry.Single().Resource as HealthcareService;
        var provider = await client.ReadAsync<Organization>(spa!.ProvidedBy!.Reference!);
        Assert.False(string.IsNullOrEmpty(provider!.Name));
        Assert.NotEmpty(spa.AvailableTime[0].DaysOfWeek);
    }

    [Fact]
    public async System.Threading.Tasks.Task Staff_are_Practitioners_with_their_roles_and_teams_for_anyone_signed_in_only()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        var staffId = await app.QueryAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstAsync(
            db.Users.Where(u => u.Email == SecureApp.Email(Roles.Clinician)).Select(u => u.StaffMemberId!.Value)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Anonymous().GetAsync($"/fhir/Practitioner/{staffId}")).StatusCode);

        var client = Client(app, await app.ClientCredentialsTokenAsync());
        var practitioner = await client.ReadAsync<Practitioner>($"Practitioner/{staffId}");
        Assert.StartsWith("STF-", practitioner!.Identifier[0].Value, StringComparison.Ordinal);
        var roles = await client.SearchAsync<PractitionerRole>([$"practitioner=Practitioner/{staffId}"]);
        var role = Assert.Single(roles!.Entry).Resource as PractitionerRole;
        Assert.NotEmpty(role!.HealthcareService);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task The_audit_trail_reads_as_AuditEvent_for_information_governance_only(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var patient = await app.DemoPatientAsync();
        var practice = Client(app, await app.ClientCredentialsTokenAsync());
        await practice.ReadAsync<Patient>($"Patient/{patient}");
        var stranger = await app.StrangerAsync();
        await Assert.ThrowsAsync<FhirOperationException>(() => practice.ReadAsync<Patient>($"Patient/{stranger}"));

        using var igBrowser = await app.SignInAsync(SecureApp.Email(Roles.InformationGovernance));
        var (igToken, _) = await SecureApp.AuthorizationCodeAsync(igBrowser, "user/*.rs");
        var ig = Client(app, igToken);
        var allowed = await ig.SearchAsync<AuditEvent>([$"patient=Patient/{patient}", "outcome=0"]);
        Assert.Contains(allowed!.Entry.Select(e => e.Resource).OfType<AuditEvent>(), a => a.Agent[0].AltId == "demo-gp-system" && a.OutcomeDesc == "registered at Z10001");
        var denied = await ig.SearchAsync<AuditEvent>([$"patient={stranger}", "outcome=4"]);
        Assert.NotEmpty(denied!.Entry);
        var one = await ig.ReadAsync<AuditEvent>($"AuditEvent/{denied.Entry[0].Resource!.Id}");
        Assert.Equal(AuditEvent.AuditEventOutcome.N4, one!.Outcome);

        // Nobody else reads the trail.
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => practice.SearchAsync<AuditEvent>([]));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        var refusedRead = await Assert.ThrowsAsync<FhirOperationException>(() => practice.ReadAsync<AuditEvent>($"AuditEvent/{one.Id}"));
        Assert.Equal(HttpStatusCode.Forbidden, refusedRead.Status);
    }
}
