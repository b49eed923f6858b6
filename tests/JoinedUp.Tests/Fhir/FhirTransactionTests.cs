using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using JoinedUp.Fhir;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Fhir;

/// <summary>Transaction and batch bundles through the Firely FhirClient, with Synthea's bundles as data no one here wrote.</summary>
public class FhirTransactionTests
{
    private static Bundle Load(string file) => JsonSerializer.Deserialize<Bundle>(File.ReadAllText(file), FhirJson.Read)!;

    private static async Task<Dictionary<string, int>> StoredCountsAsync(SecureApp app) =>
        await app.QueryAsync(db => db.ResourceVersions.GroupBy(v => v.ResourceType).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count));

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task All_40_Synthea_bundles_load_through_transactions_report_what_is_not_stored_and_are_searchable(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var client = FhirTestClient.For(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var before = await StoredCountsAsync(app);
        var sent = new Dictionary<string, int>();
        var reported = new Dictionary<string, int>();
        Bundle? first = null;
        Bundle? firstResponse = null;
        foreach (var file in SharedData.SyntheaBundles)
        {
            var bundle = Load(file);
            first ??= bundle;
            var response = await client.TransactionAsync(bundle);
            firstResponse ??= response;
            Assert.Equal(Bundle.BundleType.TransactionResponse, response!.Type);
            Assert.Equal(bundle.Entry.Count, response.Entry.Count);
            for (var i = 0; i < bundle.Entry.Count; i++)
            {
                var type = bundle.Entry[i].Resource!.TypeName;
                var status = response.Entry[i].Response!.Status;
                if (RecordMapping.StoredTypes.Contains(type))
                {
                    Assert.True(status!.StartsWith("201", StringComparison.Ordinal), $"{Path.GetFileName(file)} entry {i} ({type}): {status} {(response.Entry[i].Response!.Outcome is { } o ? FhirJson.Serialize(o) : "")}");
                    sent[type] = sent.GetValueOrDefault(type) + 1;
                }
                else
                {
                    // Not stored, and said so: 422 with an outcome naming the type.
                    Assert.StartsWith("422", status, StringComparison.Ordinal);
                    Assert.Contains(type, ((OperationOutcome)response.Entry[i].Response!.Outcome!).Issue[0].Diagnostics!, StringComparison.Ordinal);
                    reported[type] = reported.GetValueOrDefault(type) + 1;
                }
            }
        }
        // Every stored type landed in full (one kept version each); the rest were all reported.
        var after = await StoredCountsAsync(app);
        foreach (var (type, count) in sent) Assert.Equal(count, after.GetValueOrDefault(type) - before.GetValueOrDefault(type));
        Assert.Equal(2960, sent["Observation"]);
        Assert.Equal(40, sent["Patient"]);
        Assert.Equal(650, reported["Claim"]);
        Assert.Equal(5986, sent.Values.Sum() + reported.Values.Sum());

        // The first bundle's patient is found by the identifier Synthea gave it, and its data by code.
        var patient = (Patient)first!.Entry[0].Resource!;
        var synthea = patient.Identifier.First(i => i.System == "https://github.com/synthetichealth/synthea");
        var found = await client.SearchAsync<Patient>([$"identifier={synthea.System}|{synthea.Value}"]);
        var stored = Assert.Single(found!.Entry.Select(e => e.Resource).OfType<Patient>());
        Assert.Equal(patient.Name[0].Family, stored.Name[0].Family);
        Assert.Contains(stored.Extension, e => e.Url!.EndsWith("us-core-race", StringComparison.Ordinal)); // kept as sent

        // _revinclude brings the patient's allergies and procedures along (the types the bundles hold).
        var withEntries = await client.SearchAsync<Patient>([$"identifier={synthea.System}|{synthea.Value}", "_revinclude=Procedure:patient", "_revinclude=AllergyIntolerance:patient"]);
        Assert.Equal(first.Entry.Count(e => e.Resource is Procedure), withEntries!.Entry.Count(e => e.Resource is Procedure && e.Search!.Mode == Bundle.SearchEntryMode.Include));
        Assert.Equal(first.Entry.Count(e => e.Resource is AllergyIntolerance), withEntries.Entry.Count(e => e.Resource is AllergyIntolerance));
        var procedureCode = first.Entry.Select(e => e.Resource).OfType<Procedure>().First().Code!.Coding[0].Code;
        var procedures = await client.SearchAsync<Procedure>([$"patient=Patient/{stored.Id}", $"code=http://snomed.info/sct|{procedureCode}"]);
        var expectedProcedures = first.Entry.Select(e => e.Resource).OfType<Procedure>().Count(p => p.Code!.Coding.Any(c => c.Code == procedureCode));
        Assert.True(expectedProcedures > 0);
        Assert.Equal(expectedProcedures, procedures!.Entry.Count(e => e.Resource is Procedure));
        var wrongSystem = await client.SearchAsync<Procedure>([$"patient=Patient/{stored.Id}", $"code=http://loinc.org|{procedureCode}"]);
        Assert.DoesNotContain(wrongSystem!.Entry, e => e.Resource is Procedure);

        var heights = first.Entry.Select(e => e.Resource).OfType<Observation>().Count(o => o.Code!.Coding.Any(c => c.Code == "8302-2"));
        var searched = await client.SearchAsync<Observation>([$"patient=Patient/{stored.Id}", "code=http://loinc.org|8302-2", "_count=100"]);
        Assert.Equal(heights, searched!.Entry.Count(e => e.Resource is Observation));

        // References now point at this server's ids; the hospital (not stored) keeps its name as display only.
        var observationId = firstResponse!.Entry.First(e => e.Response!.Location?.StartsWith("Observation/", StringComparison.Ordinal) == true).Response!.Location!.Split('/')[1];
        var observation = await client.ReadAsync<Observation>($"Observation/{observationId}");
        Assert.Equal($"Patient/{stored.Id}", observation!.Subject!.Reference);
        Assert.StartsWith("Encounter/", observation.Encounter!.Reference!, StringComparison.Ordinal);
        var encounter = await client.ReadAsync<Encounter>(observation.Encounter!.Reference!);
        Assert.Null(encounter!.ServiceProvider!.Reference);
        Assert.Contains("(not stored here)", encounter.ServiceProvider.Display!, StringComparison.Ordinal);

        // The same bundle again stores nothing new: every entry matches what it made the first time (200).
        var again = await client.TransactionAsync(first);
        Assert.All(again!.Entry.Where(e => !e.Response!.Status!.StartsWith("422", StringComparison.Ordinal)), e => Assert.StartsWith("200", e.Response!.Status, StringComparison.Ordinal));
        Assert.Equal(after, await StoredCountsAsync(app));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_transaction_with_one_bad_entry_stores_nothing_and_names_the_entry_and_element(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var client = FhirTestClient.For(app, await app.ClientCredentialsTokenAsync("system/*.cruds"));
        var bundle = Load(SharedData.SyntheaBundles[0]);
        var bad = bundle.Entry.FindIndex(e => e.Resource is Observation);
        ((Observation)bundle.Entry[bad].Resource!).Code = new CodeableConcept { Text = "no coding" };
        var before = await StoredCountsAsync(app);
        var patientsBefore = await app.QueryAsync(db => db.Patients.CountAsync());

        var failure = await Assert.ThrowsAsync<FhirOperationException>(() => client.TransactionAsync(bundle));
        Assert.Equal(HttpStatusCode.BadRequest, failure.Status);
        Assert.Contains(failure.Outcome!.Issue, i => i.Expression.Contains($"Bundle.entry[{bad}].resource.code.coding"));
        Assert.Equal(before, await StoredCountsAsync(app));
        Assert.Equal(patientsBefore, await app.QueryAsync(db => db.Patients.CountAsync()));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Bad_bundles_get_their_status_and_an_outcome(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var http = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
        async Task<(HttpStatusCode, string)> Post(string body, string type = "application/fhir+json")
        {
            using var response = await http.PostAsync("/fhir", new StringContent(body, Encoding.UTF8, type));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // A searchset is not something to post.
        var (status, text) = await Post("""{"resourceType":"Bundle","type":"searchset"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Bundle.type", text, StringComparison.Ordinal);
        // Wrong content type, malformed JSON, an unknown element.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Post("{}", "text/plain")).Item1);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("""{"resourceType":"Bundle","type":"transaction","entry":[""")).Item1);
        (status, text) = await Post("""{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","favouriteColour":"blue"},"request":{"method":"POST","url":"Patient"}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("favouriteColour", text, StringComparison.Ordinal);
        // An invalid NHS number names the identifier of the entry.
        (status, text) = await Post("""{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000002","resource":{"resourceType":"Patient","identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"9990000019"}],"name":[{"family":"Test","given":["Bad"]}],"birthDate":"1970-01-01"},"request":{"method":"POST","url":"Patient"}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(text.Contains("Bundle.entry[0].resource.identifier[0].value", StringComparison.Ordinal), text);
        // A reference to nothing in the bundle or on the server.
        (status, text) = await Post("""{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000003","resource":{"resourceType":"Condition","code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]},"subject":{"reference":"urn:uuid:00000000-0000-4000-8000-0000000000ff"}},"request":{"method":"POST","url":"Condition"}}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("urn:uuid:00000000-0000-4000-8000-0000000000ff", text, StringComparison.Ordinal);
        // Over the bundle limit (32 MiB): 413 with what to do instead.
        (status, text) = await Post("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":\"Basic\",\"code\":{\"text\":\"" + new string('x', 33 * 1024 * 1024) + "\"}}}]}");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("joinedup import", text, StringComparison.Ordinal);
        // Strict handling refuses types this server does not keep, instead of reporting them.
        var strict = new HttpRequestMessage(HttpMethod.Post, "/fhir")
        {
            Content = new StringContent("""{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:00000000-0000-4000-8000-000000000004","resource":{"resourceType":"Basic","code":{"text":"x"}},"request":{"method":"POST","url":"Basic"}}]}""", Encoding.UTF8, "application/fhir+json"),
        };
        strict.Headers.Add("Prefer", "handling=strict");
        using var strictResponse = await http.SendAsync(strict);
        Assert.Equal(HttpStatusCode.BadRequest, strictResponse.StatusCode);
        Assert.Contains("Basic", await strictResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_clinician_without_a_relationship_cannot_add_entries_through_a_transaction(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var stranger = await app.StrangerAsync();
        var browser = await app.SignInAsync(SecureApp.Email(JoinedUp.Security.Roles.Clinician));
        var (token, _) = await SecureApp.AuthorizationCodeAsync(browser, "user/*.cruds");
        var client = FhirTestClient.For(app, token);
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        bundle.Entry.Add(new Bundle.EntryComponent
        {
            FullUrl = "urn:uuid:5b1f0a52-9d35-4c84-a4a4-93a8a1d7c001",
            Resource = new Condition
            {
                Code = new CodeableConcept("http://snomed.info/sct", "44054006", "Diabetes mellitus type 2"),
                Subject = new ResourceReference($"Patient/{stranger}"),
            },
            Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Condition" },
        });
        var before = await app.QueryAsync(db => db.Conditions.CountAsync(c => c.PatientId == stranger));
        var refused = await Assert.ThrowsAsync<FhirOperationException>(() => client.TransactionAsync(bundle));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(before, await app.QueryAsync(db => db.Conditions.CountAsync(c => c.PatientId == stranger)));
        Assert.NotEmpty(await app.AuditAsync(e => e.PatientId == stranger && e.Outcome == JoinedUp.Security.Audit.AuditOutcome.Denied));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Concurrent_identical_transactions_store_each_resource_once(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var token = await app.ClientCredentialsTokenAsync("system/*.cruds");
        var file = SharedData.SyntheaBundles[1];
        var before = await StoredCountsAsync(app);
        var responses = await System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 4).Select(_ => FhirTestClient.For(app, token).TransactionAsync(Load(file))));
        var storedPerBundle = Load(file).Entry.Count(e => RecordMapping.StoredTypes.Contains(e.Resource!.TypeName));
        var after = await StoredCountsAsync(app);
        Assert.Equal(storedPerBundle, after.Sum(kv => kv.Value) - before.Sum(kv => kv.Value));
        // Every response points at the same patient.
        Assert.Single(responses.Select(r => r!.Entry[0].Response!.Location!.Split('/')[1]).Distinct());
    }
}
