using System.Text.Json.Nodes;
using JoinedUp.Fhir;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Tests.Cli;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Tests.Fhir;

/// <summary>Bulk import: `joinedup import` over Synthea's bundles, NDJSON files, and resuming after an interrupted run.</summary>
public class ImportTests
{
    /// <summary>What Synthea's 40 bundles hold of each type JoinedUp keeps (counted from the files by hand with a script).</summary>
    private static readonly Dictionary<string, long> SyntheaKept = new(StringComparer.Ordinal)
    {
        ["AllergyIntolerance"] = 11, ["Condition"] = 179, ["Encounter"] = 519, ["Immunization"] = 441,
        ["Observation"] = 2960, ["Patient"] = 40, ["Procedure"] = 198,
    };

    private static async Task<Dictionary<string, long>> KeptAsync(TestDatabase db)
    {
        await using var context = JoinedUpStorage.CreateContext(db.Options);
        return await context.ResourceVersions.GroupBy(v => v.ResourceType).Select(g => new { g.Key, Count = (long)g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Import_of_the_Synthea_folder_stores_every_kept_resource_reports_the_rest_and_a_second_run_stores_nothing(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var env = db.EnvironmentVariables();
        Assert.Equal(0, (await CliTests.Run(env, "db", "migrate")).Exit);
        Assert.Equal(0, (await CliTests.Run(env, "generate", "--patients", "100", "--quiet")).Exit);

        // Synthea's patients name no borough practice: told what to do, nothing half-stored.
        var refused = await CliTests.Run(env, "import", SharedData.SyntheaFolder, "--quiet");
        Assert.Equal(5, refused.Exit);
        Assert.Contains("--practice", refused.Out, StringComparison.Ordinal);
        Assert.Empty(await KeptAsync(db));

        var run = await CliTests.Run(env, "import", SharedData.SyntheaFolder, "--practice", "Z10002");
        Assert.True(run.Exit == 0, run.Err + run.Out);
        Assert.Contains("100 %", run.Err, StringComparison.Ordinal); // progress
        Assert.Equal(SyntheaKept, await KeptAsync(db));
        Assert.Matches(@"Claim\s+650\s+JoinedUp does not keep Claim", run.Out);
        Assert.Matches(@"ExplanationOfBenefit\s+519", run.Out);
        Assert.Matches(@"Observation\s+2,960", run.Out);

        // Every patient is registered at the practice given, and every import is audited per patient.
        await using (var context = JoinedUpStorage.CreateContext(db.Options))
        {
            var imported = await context.ResourceVersions.Where(v => v.ResourceType == "Patient").Select(v => v.ResourceId).ToListAsync();
            Assert.All(await context.Patients.Where(p => imported.Contains(p.Id)).Select(p => p.RegisteredPractice!.OdsCode).ToListAsync(), ods => Assert.Equal("Z10002", ods));
            var audited = await context.AuditEntries.Where(a => a.Action == "record.import").Select(a => a.PatientId).Distinct().CountAsync();
            Assert.Equal(40, audited);
        }

        var again = await CliTests.Run(env, "import", SharedData.SyntheaFolder, "--practice", "Z10002", "--quiet");
        Assert.Equal(0, again.Exit);
        Assert.Contains("Skipped 40 file(s)", again.Out, StringComparison.Ordinal);
        Assert.Equal(SyntheaKept, await KeptAsync(db));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task An_NDJSON_import_interrupted_part_way_resumes_without_duplicates(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        var env = db.EnvironmentVariables();
        Assert.Equal(0, (await CliTests.Run(env, "db", "migrate")).Exit);
        Assert.Equal(0, (await CliTests.Run(env, "generate", "--patients", "100", "--quiet")).Exit);
        var folder = System.IO.Directory.CreateTempSubdirectory("joinedup-ndjson-").FullName;
        try
        {
            var written = WriteNdjson(SharedData.SyntheaBundles, folder);
            var options = new ImportOptions { PracticeCode = "Z10003", ChunkSize = 250 };

            // First run: stopped (as a crash would) once about 1,500 entries are in.
            await using (var audit = new AuditTrail(db.Options, NullLogger<AuditTrail>.Instance))
            {
                using var stop = new CancellationTokenSource();
                var progress = new SyncProgress(p => { if (p.EntriesStored >= 1500) stop.Cancel(); });
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                    new BulkImporter(db.Options, audit, TimeProvider.System).ImportAsync(folder, options, progress, stop.Token));
            }
            var partial = await KeptAsync(db);
            Assert.InRange(partial.Values.Sum(), 1500, SyntheaKept.Values.Sum() - 1);

            // Second run: carries on from the last committed chunk.
            ImportSummary summary;
            await using (var audit = new AuditTrail(db.Options, NullLogger<AuditTrail>.Instance))
            {
                summary = await new BulkImporter(db.Options, audit, TimeProvider.System).ImportAsync(folder, options, null, CancellationToken.None);
            }
            Assert.NotEmpty(summary.FilesResumed);
            Assert.Equal(0, summary.Failed);
            Assert.Equal(SyntheaKept, await KeptAsync(db));
            // Files the first run finished are skipped; the rest were imported now.
            Assert.NotEmpty(summary.FilesAlreadyImported);
            Assert.Equal(written.Count, summary.FilesAlreadyImported.Count + summary.FilesImported.Count);

            // Observations point at the patients and encounters the import created (NDJSON references are Type/source-id).
            await using var context = JoinedUpStorage.CreateContext(db.Options);
            var orphans = await context.Observations.Where(o => context.ResourceVersions.Any(v => v.ResourceType == "Observation" && v.ResourceId == o.Id))
                .CountAsync(o => !context.ResourceVersions.Any(v => v.ResourceType == "Patient" && v.ResourceId == o.PatientId) || o.EncounterId == null);
            Assert.Equal(0, orphans);
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task The_import_operation_takes_NDJSON_under_the_callers_record_rules_and_says_what_it_stored(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var folder = System.IO.Directory.CreateTempSubdirectory("joinedup-import-op-").FullName;
        try
        {
            WriteNdjson(SharedData.SyntheaBundles.Take(3), folder);
            var order = new[] { "Patient", "Encounter", "Observation", "Condition", "Claim" };
            var body = string.Concat(order.Select(t => File.ReadAllText(Path.Combine(folder, $"{t}.ndjson"))));
            using var http = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.cruds"));
            async Task<(System.Net.HttpStatusCode Status, string Text)> Post(string content, string type = "application/fhir+ndjson")
            {
                using var response = await http.PostAsync("/fhir/$import", new StringContent(content, System.Text.Encoding.UTF8, type));
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            var (status, text) = await Post(body);
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Contains("Stored 3 Patient.", text, StringComparison.Ordinal);
            Assert.Matches(@"Not stored: \d+ Claim: JoinedUp does not keep Claim", text);
            var stored = await app.QueryAsync(db => db.ResourceVersions.CountAsync());

            // The same data again: nothing stored twice.
            (status, text) = await Post(body);
            Assert.Equal(System.Net.HttpStatusCode.OK, status);
            Assert.Contains("3 Patient already here", text, StringComparison.Ordinal);
            Assert.Equal(stored, await app.QueryAsync(db => db.ResourceVersions.CountAsync()));

            // A bad line is reported as an error; the good ones around it are stored.
            (status, text) = await Post("{\"resourceType\":\"Patient\",\"birthDate\":\"not a date\"}\n");
            Assert.Contains("\"severity\":\"error\"", text, StringComparison.Ordinal);
            Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, (await Post(body, "text/csv")).Status);

            // A clinician cannot use $import to add to a record they have no relationship with.
            var stranger = await app.StrangerAsync();
            var browser = await app.SignInAsync(SecureApp.Email(JoinedUp.Security.Roles.Clinician));
            var (token, _) = await SecureApp.AuthorizationCodeAsync(browser, "user/*.cruds");
            using var clinician = app.Bearer(token);
            using var refused = await clinician.PostAsync("/fhir/$import", new StringContent(
                $"{{\"resourceType\":\"Condition\",\"id\":\"c1\",\"code\":{{\"coding\":[{{\"system\":\"http://snomed.info/sct\",\"code\":\"44054006\"}}]}},\"subject\":{{\"reference\":\"Patient/{stranger}\"}}}}\n",
                System.Text.Encoding.UTF8, "application/fhir+ndjson"));
            Assert.Contains("no legitimate relationship", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await app.QueryAsync(db => db.Conditions.CountAsync(c => c.PatientId == stranger && c.Code == "44054006" && db.ResourceVersions.Any(v => v.ResourceType == "Condition" && v.ResourceId == c.Id))));
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A Progress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, too late to stop a run).</summary>
    private sealed class SyncProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }

    /// <summary>
    /// Turns transaction bundles into NDJSON files by type, as a bulk export would give them: each resource keeps its
    /// id, and urn:uuid references become Type/id.
    /// </summary>
    internal static Dictionary<string, long> WriteNdjson(IEnumerable<string> bundles, string folder)
    {
        var lines = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in bundles)
        {
            var bundle = JsonNode.Parse(File.ReadAllText(file))!;
            var types = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in bundle["entry"]!.AsArray()) types[(string)entry!["fullUrl"]!] = (string)entry["resource"]!["resourceType"]!;
            foreach (var entry in bundle["entry"]!.AsArray())
            {
                var resource = entry!["resource"]!;
                Rewrite(resource, types);
                var type = (string)resource["resourceType"]!;
                if (!lines.TryGetValue(type, out var list)) lines[type] = list = [];
                list.Add(resource.ToJsonString());
            }
        }
        foreach (var (type, list) in lines) File.WriteAllLines(Path.Combine(folder, $"{type}.ndjson"), list);
        return lines.ToDictionary(kv => kv.Key, kv => (long)kv.Value.Count, StringComparer.Ordinal);

        static void Rewrite(JsonNode? node, Dictionary<string, string> types)
        {
            if (node is JsonObject obj)
            {
                if (obj["reference"] is JsonValue v && v.TryGetValue<string>(out var target) && types.TryGetValue(target, out var type))
                {
                    obj["reference"] = $"{type}/{target["urn:uuid:".Length..]}";
                }
                foreach (var (_, child) in obj.ToList()) Rewrite(child, types);
            }
            else if (node is JsonArray array)
            {
                foreach (var child in array) Rewrite(child, types);
            }
        }
    }
}
