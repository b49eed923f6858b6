using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Fhir;

/// <summary>Patient create, update, vread and history through the Firely FhirClient, and the bad input the issue lists.</summary>
public class FhirPatientWriteTests
{
    private static FhirClient Client(SecureApp app, string? token) => FhirTestClient.For(app, token);

    /// <summary>A test-range NHS number (999...) with a valid check digit that no patient in the app has.</summary>
    private static async Task<string> FreshNhsNumberAsync(SecureApp app)
    {
        var taken = (await app.QueryAsync(db => db.Patients.Where(p => p.NhsNumber != null).Select(p => p.NhsNumber!).ToListAsync())).ToHashSet(StringComparer.Ordinal);
        for (long body = 999_900_000; ; body++)
        {
            if (JoinedUp.Record.NhsNumber.FromBody(body) is { } n && !taken.Contains(n.Value)) return n.Value;
        }
    }

    private static Patient NewPatient(string nhs) => new()
    {
        Identifier = [new Identifier("https://fhir.nhs.uk/Id/nhs-number", nhs)],
        Name = [new HumanName { Use = HumanName.NameUse.Official, Family = "Testwright", Given = ["Amina"] }],
        Gender = AdministrativeGender.Female,
        BirthDate = "1958-03-14",
        Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Mobile, "07700 900123")],
        GeneralPractitioner = [new ResourceReference { Identifier = new Identifier("https://fhir.nhs.uk/Id/ods-organization-code", "Z10001") }],
    };

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Create_update_vread_and_history_keep_every_version_as_sent_and_a_stale_update_is_412(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var client = Client(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var created = await client.CreateAsync(NewPatient(await FreshNhsNumberAsync(app)));
        Assert.Equal("1", created!.Meta!.VersionId);
        Assert.Contains($"Patient/{created.Id}/_history/1", client.LastResult!.Location, StringComparison.Ordinal);

        // Elements JoinedUp does not keep in columns (the phone number) come back as sent.
        var read = await client.ReadAsync<Patient>($"Patient/{created.Id}");
        Assert.Equal("07700 900123", read!.Telecom.Single().Value);

        read.Name[0].Family = "Testwright-Okafor";
        var updated = await client.UpdateAsync(read, versionAware: true);
        Assert.Equal("2", updated!.Meta!.VersionId);
        Assert.Equal("Testwright-Okafor", await app.QueryAsync(db => db.Patients.Where(p => p.Id == long.Parse(created.Id!, System.Globalization.CultureInfo.InvariantCulture)).Select(p => p.FamilyName).FirstAsync()));

        // The same edit made from the stale version 1 is refused, not lost.
        created.Name[0].Family = "Someone-Else";
        var stale = await Assert.ThrowsAsync<FhirOperationException>(() => client.UpdateAsync(created, versionAware: true));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.Status);

        var v1 = await client.ReadAsync<Patient>($"Patient/{created.Id}/_history/1");
        Assert.Equal("Testwright", v1!.Name[0].Family);
        // _lastUpdated finds what changed today, and not what changed before.
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var changed = await client.SearchAsync<Patient>([$"_lastUpdated=ge{today}", $"_id={created.Id}"]);
        Assert.Single(changed!.Entry, e => e.Resource is Patient);
        var before = await client.SearchAsync<Patient>([$"_lastUpdated=lt{today}", $"_id={created.Id}"]);
        Assert.DoesNotContain(before!.Entry, e => e.Resource is Patient);

        var history = await client.HistoryAsync($"Patient/{created.Id}");
        Assert.Equal(2, history!.Entry.Count);
        Assert.Equal(["2", "1"], history.Entry.Select(e => e.Resource!.Meta!.VersionId!).ToArray());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Concurrent_identical_conditional_creates_make_exactly_one_patient(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var token = await app.ClientCredentialsTokenAsync("system/*.cruds");
        var nhs = await FreshNhsNumberAsync(app);
        var body = JoinedUp.Fhir.FhirJson.Serialize(NewPatient(nhs));
        var statuses = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var http = app.Bearer(token);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = new StringContent(body, Encoding.UTF8, "application/fhir+json") };
            request.Headers.Add("If-None-Exist", $"identifier=https://fhir.nhs.uk/Id/nhs-number|{nhs}");
            return (await http.SendAsync(request)).StatusCode;
        }));
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(1, await app.QueryAsync(db => db.Patients.CountAsync(p => p.NhsNumber == nhs)));
    }

    [Fact]
    public async System.Threading.Tasks.Task Bad_input_gets_its_status_and_an_OperationOutcome_that_names_the_element_and_nothing_is_stored()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var http = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var before = await app.QueryAsync(db => db.Patients.CountAsync());
        async Task<(HttpStatusCode Status, string Body)> Post(string content, string type = "application/fhir+json")
        {
            var response = await http.PostAsync("/fhir/Patient", new StringContent(content, Encoding.UTF8, type));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var wrongType = await Post("<Patient/>", "application/xml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.Status);
        Assert.Contains("OperationOutcome", wrongType.Body, StringComparison.Ordinal);

        var malformed = await Post("{\"resourceType\":\"Patient\",");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);

        var unknown = await Post("{\"resourceType\":\"Patient\",\"shoeSize\":9,\"birthDate\":\"1960-01-01\"}");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Contains("shoeSize", unknown.Body, StringComparison.Ordinal);

        var badDate = await Post("{\"resourceType\":\"Patient\",\"birthDate\":\"14/03/1958\"}");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.Status);
        Assert.Contains("birthDate", badDate.Body, StringComparison.Ordinal);

        var badNhs = NewPatient("9990000019");
        var invalid = await Post(JoinedUp.Fhir.FhirJson.Serialize(badNhs));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Contains("Patient.identifier[0].value", invalid.Body, StringComparison.Ordinal);

        var huge = NewPatient(await FreshNhsNumberAsync(app));
        huge.Name[0].Text = new string('x', 1_100_000);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Post(JoinedUp.Fhir.FhirJson.Serialize(huge))).Status);

        // A clinician cannot register patients; only their GP practice does.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var refused = await nurse.PostAsync("/fhir/Patient", new StringContent(JoinedUp.Fhir.FhirJson.Serialize(NewPatient(await FreshNhsNumberAsync(app))), Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        Assert.Equal(before, await app.QueryAsync(db => db.Patients.CountAsync()));
    }
}
