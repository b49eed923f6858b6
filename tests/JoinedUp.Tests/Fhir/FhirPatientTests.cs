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
    private sealed class BearerHandler(string token, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static FhirClient Client(SecureApp app, string? token) =>
        new(new Uri(app.Factory.Server.BaseAddress, "/fhir"),
            new FhirClientSettings { PreferredFormat = ResourceFormat.Json, VerifyFhirVersion = false },
            token is null ? app.Factory.Server.CreateHandler() : new BearerHandler(token, app.Factory.Server.CreateHandler()));

    [Fact]
    public async System.Threading.Tasks.Task The_CapabilityStatement_says_what_is_supported_and_how_to_get_a_token()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        var capability = await Client(app, null).CapabilityStatementAsync();
        Assert.NotNull(capability);
        Assert.Equal(FHIRVersion.N4_0_1, capability!.FhirVersion);
        var patient = Assert.Single(capability.Rest[0].Resource);
        Assert.Equal("Patient", patient.Type);
        Assert.Equal(CapabilityStatement.TypeRestfulInteraction.Read, Assert.Single(patient.Interaction).Code);
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
}
