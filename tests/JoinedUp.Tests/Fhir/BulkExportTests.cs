using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using JoinedUp.Fhir;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Fhir;

/// <summary>Bulk export: the kick-off, status and download pattern, who may export, and what is never exported.</summary>
public class BulkExportTests
{
    private static async Task<HttpResponseMessage> KickOffAsync(HttpClient http, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Prefer", "respond-async");
        request.Headers.Add("Accept", "application/fhir+json");
        return await http.SendAsync(request);
    }

    /// <summary>Polls the status URL as a bulk client does, until the export is done (or a minute has passed).</summary>
    private static async Task<JsonElement> WaitForManifestAsync(HttpClient http, Uri status)
    {
        for (var i = 0; i < 600; i++)
        {
            using var response = await http.GetAsync(status);
            if (response.StatusCode == HttpStatusCode.OK) return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.True(response.Headers.Contains("X-Progress"));
            await System.Threading.Tasks.Task.Delay(100);
        }
        throw new TimeoutException("The export did not finish in a minute.");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task A_practice_system_exports_its_patients_as_NDJSON_without_opted_out_patients_or_restricted_entries(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        // One of the practice's patients has opted out of secondary use.
        var optedOut = await app.QueryAsync(db => db.Patients.Where(p => p.RegisteredPractice!.OdsCode == "Z10001").OrderByDescending(p => p.Id).Select(p => p.Id).FirstAsync());
        await using (var ctx = JoinedUpStorage.CreateContext(app.Db.Options))
        {
            await ctx.Patients.Where(p => p.Id == optedOut).ExecuteUpdateAsync(s => s.SetProperty(p => p.NationalOptOut, true));
        }
        using var http = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.rs"));
        using var kickOff = await KickOffAsync(http, "/fhir/Patient/$export");
        Assert.Equal(HttpStatusCode.Accepted, kickOff.StatusCode);
        var manifest = await WaitForManifestAsync(http, kickOff.Content.Headers.ContentLocation!);
        Assert.True(manifest.GetProperty("requiresAccessToken").GetBoolean());

        var exported = new Dictionary<string, List<Resource>>();
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            using var file = await http.GetAsync(output.GetProperty("url").GetString());
            Assert.Equal("application/fhir+ndjson", file.Content.Headers.ContentType!.MediaType);
            var lines = (await file.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(output.GetProperty("count").GetInt64(), lines.Length);
            // Every line is a resource a strict FHIR parser accepts.
            exported[output.GetProperty("type").GetString()!] = lines.Select(l => JsonSerializer.Deserialize<Resource>(l, FhirJson.Read)!).ToList();
        }

        var expected = await app.QueryAsync(db => db.Patients.Where(p => p.RegisteredPractice!.OdsCode == "Z10001" && !p.NationalOptOut).Select(p => p.Id).ToListAsync());
        var patients = exported["Patient"].Select(p => long.Parse(p.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(expected.Order(), patients.Order());
        Assert.DoesNotContain(optedOut, patients);
        Assert.DoesNotContain(exported.Values.SelectMany(r => r), r => r is Condition c && c.Subject!.Reference == $"Patient/{optedOut}");
        // The demo patient's confidential psychology entry stays out; their other conditions are there.
        var confidential = await app.QueryAsync(db => db.Conditions.Where(c => c.Confidential && expected.Contains(c.PatientId)).Select(c => c.Id).ToListAsync());
        Assert.NotEmpty(confidential);
        Assert.DoesNotContain(exported["Condition"], c => confidential.Contains(long.Parse(c.Id!, System.Globalization.CultureInfo.InvariantCulture)));
        var observations = await app.QueryAsync(db => db.Observations.CountAsync(o => expected.Contains(o.PatientId) && !o.Confidential));
        Assert.Equal(observations, exported["Observation"].Count);
        // Each exported patient is audited.
        var audited = (await app.AuditAsync(e => e.Action == "record.export" && e.PatientId != null)).Select(e => e.PatientId!.Value).ToHashSet();
        Assert.True(expected.All(audited.Contains));
    }

    [Fact]
    public async System.Threading.Tasks.Task Bad_export_requests_are_refused_with_what_to_fix()
    {
        await using var app = await SecureApp.StartAsync(StorageProvider.Sqlite);
        using var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.rs"));
        Assert.Equal(HttpStatusCode.BadRequest, (await system.GetAsync("/fhir/$export")).StatusCode); // no Prefer: respond-async
        Assert.Equal(HttpStatusCode.BadRequest, (await KickOffAsync(system, "/fhir/$export?_type=Claim")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await KickOffAsync(system, "/fhir/$export?_outputFormat=text/csv")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await KickOffAsync(system, "/fhir/$export?_since=yesterday")).StatusCode);
        // Another practice's list, and people rather than systems, are refused.
        Assert.Equal(HttpStatusCode.Forbidden, (await KickOffAsync(system, "/fhir/Group/Z10002/$export")).StatusCode);
        var browser = await app.SignInAsync(SecureApp.Email(JoinedUp.Security.Roles.Clinician));
        var (token, _) = await SecureApp.AuthorizationCodeAsync(browser, "user/*.rs");
        using var clinician = app.Bearer(token);
        Assert.Equal(HttpStatusCode.Forbidden, (await KickOffAsync(clinician, "/fhir/Patient/$export")).StatusCode);

        // A status URL is only for the client that asked; cancelling deletes the export.
        using var own = await KickOffAsync(system, "/fhir/Group/Z10001/$export?_type=Patient");
        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        var status = own.Content.Headers.ContentLocation!.ToString();
        Assert.Equal(HttpStatusCode.NotFound, (await clinician.GetAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await system.DeleteAsync(status)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await system.GetAsync(status)).StatusCode);
    }
}
