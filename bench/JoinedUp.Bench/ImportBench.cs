using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using JoinedUp.Fhir;
using JoinedUp.Record.Synthetic;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Bench;

/// <summary>
/// Bulk import benchmark (issue 4a). Usage:
///   dotnet run -c Release --project bench/JoinedUp.Bench -- import PROVIDER COPIES SYNTHEA_FOLDER [SQLITE_PATH|PG_CONNECTION_STRING]
/// Makes NDJSON files (as a bulk export gives them) from Synthea's 40 bundles, COPIES times over with fresh ids, then in
/// one process and on fresh databases:
///   1. import: the real `joinedup import` path (BulkImporter) — wall time, resources stored per second;
///   2. floor: the same stored rows (the relational rows, the resource JSON, the identifiers), read back from the
///      import's database beforehand and held in memory, written with nothing but a bare batched insert.
/// </summary>
internal static class ImportBench
{
    public static async Task RunAsync(string[] args)
    {
        var provider = Enum.Parse<StorageProvider>(args[0], ignoreCase: true);
        var copies = int.Parse(args[1], CultureInfo.InvariantCulture);
        var synthea = args[2];
        var target = args.Length > 3 ? args[3] : Path.Combine(Path.GetTempPath(), "joinedup-import-bench.db");
        var folder = Path.Combine(Path.GetTempPath(), $"joinedup-import-bench-{copies}");
        var lines = MakeNdjson(synthea, copies, folder);
        Console.WriteLine($"provider={provider} copies={copies} ndjson lines={lines:N0} cores={Environment.ProcessorCount} dotnet={Environment.Version}");

        var import = await Bench.FreshAsync(provider, target, "-import");
        await using (var ctx = JoinedUpStorage.CreateContext(import)) await new DatabaseMigrator(ctx, import).MigrateAsync(default);
        await new BoroughGenerator(import).GenerateAsync(new BoroughSpec(100, 42, new DateOnly(2026, 11, 1)) { Replace = true }, null, default);
        ImportSummary summary;
        var sw = Stopwatch.StartNew();
        await using (var audit = new AuditTrail(import, NullLogger<AuditTrail>.Instance))
        {
            summary = await new BulkImporter(import, audit, TimeProvider.System).ImportAsync(folder, new ImportOptions { PracticeCode = "Z10001" }, null, default);
        }
        sw.Stop();
        Console.WriteLine($"import: {sw.Elapsed.TotalSeconds:F1} s, {summary.StoredTotal:N0} resources stored ({summary.StoredTotal / sw.Elapsed.TotalSeconds:N0}/s), " +
                          $"{lines:N0} lines read ({lines / sw.Elapsed.TotalSeconds:N0}/s), {summary.NotStoredTotal:N0} reported not stored, {summary.Failed:N0} failed, " +
                          $"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB");
        foreach (var (type, count) in summary.Stored) Console.WriteLine($"  {type,-20}{count,10:N0}");

        // Floor: the rows the import stored, written again with a bare batched insert into a fresh schema.
        var floor = await Bench.FreshAsync(provider, target, "-floor");
        await using (var ctx = JoinedUpStorage.CreateContext(floor)) await new DatabaseMigrator(ctx, floor).MigrateAsync(default);
        var tables = new[] { "network", "organisation", "patient", "encounter", "condition", "observation", "immunisation", "allergy_intolerance", "procedure", "resource_version", "resource_identifier" };
        var rows = new List<(string Table, List<string> Columns, List<object?[]> Rows)>();
        await using (var source = await JoinedUpStorage.OpenConnectionAsync(import, default))
        {
            foreach (var table in tables)
            {
                await using var cmd = source.CreateCommand();
                cmd.CommandText = table switch
                {
                    "network" => "SELECT * FROM network",
                    "organisation" => "SELECT * FROM organisation WHERE id IN (SELECT registered_practice_id FROM patient)",
                    "patient" => "SELECT * FROM patient WHERE id IN (SELECT resource_id FROM resource_version WHERE resource_type = 'Patient')",
                    "resource_version" or "resource_identifier" => $"SELECT * FROM {table}",
                    _ => $"SELECT * FROM {table} WHERE patient_id IN (SELECT resource_id FROM resource_version WHERE resource_type = 'Patient')",
                };
                await using var reader = await cmd.ExecuteReaderAsync();
                var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToList();
                var list = new List<object?[]>();
                while (await reader.ReadAsync())
                {
                    var values = new object?[reader.FieldCount];
                    for (var i = 0; i < values.Length; i++) values[i] = reader.IsDBNull(i) ? null : Normalise(reader.GetValue(i), reader.GetDataTypeName(i));
                    list.Add(values);
                }
                rows.Add((table, columns, list));
            }
        }
        var practice = rows[1].Rows.Count;
        var total = rows.Skip(2).Sum(r => r.Rows.Count);
        await using (var conn = await JoinedUpStorage.OpenConnectionAsync(floor, default))
        {
            // The practice the patients point at, outside the timing.
            await using (var tx0 = await conn.BeginTransactionAsync())
            await using (var writer0 = BulkWriter.Create(conn, tx0))
            {
                await writer0.WriteAsync(new BulkTable("network", rows[0].Columns), rows[0].Rows, default);
                await writer0.WriteAsync(new BulkTable("organisation", rows[1].Columns), rows[1].Rows, default);
                await tx0.CommitAsync();
            }
            var floorWatch = Stopwatch.StartNew();
            await using var tx = await conn.BeginTransactionAsync();
            await using (var writer = BulkWriter.Create(conn, tx))
            {
                foreach (var (table, columns, list) in rows.Skip(2)) await writer.WriteAsync(new BulkTable(table, columns), list, default);
            }
            await tx.CommitAsync();
            floorWatch.Stop();
            var resources = rows.Single(r => r.Table == "resource_version").Rows.Count;
            Console.WriteLine($"floor: {floorWatch.Elapsed.TotalSeconds:F1} s, {total:N0} rows for {resources:N0} resources ({resources / floorWatch.Elapsed.TotalSeconds:N0} resources/s, " +
                              $"{total / floorWatch.Elapsed.TotalSeconds:N0} rows/s; rows read back beforehand and held in memory; the {practice} practice row(s) and the networks written before the timing)");
            Console.WriteLine($"import / floor: {summary.StoredTotal / sw.Elapsed.TotalSeconds / (resources / floorWatch.Elapsed.TotalSeconds):P0}");
        }
    }

    /// <summary>SQLite hands back longs and strings; the bulk writer wants the model's types back.</summary>
    private static object? Normalise(object value, string type) => value switch
    {
        string s when type is "TEXT" && s.Length == 10 && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) => d,
        string s when type is "TEXT" && s.Length >= 19 && s[10] == ' ' && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) => t,
        DateTime t => DateTime.SpecifyKind(t, DateTimeKind.Utc),
        _ => value,
    };

    /// <summary>
    /// Synthea's bundles as NDJSON by type, COPIES times: each copy gives every resource a fresh id (derived from its
    /// id and the copy number) and rewrites references to match, as a bulk export of a bigger population would.
    /// </summary>
    private static long MakeNdjson(string synthea, int copies, string folder)
    {
        if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
        System.IO.Directory.CreateDirectory(folder);
        var writers = new Dictionary<string, StreamWriter>(StringComparer.Ordinal);
        long lines = 0;
        var bundles = System.IO.Directory.GetFiles(synthea, "*.json").Order(StringComparer.Ordinal).Select(f => JsonNode.Parse(File.ReadAllText(f))!).ToList();
        for (var copy = 0; copy < copies; copy++)
        {
            foreach (var bundle in bundles)
            {
                var types = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var entry in bundle["entry"]!.AsArray()) types[(string)entry!["fullUrl"]!] = (string)entry["resource"]!["resourceType"]!;
                foreach (var entry in bundle["entry"]!.AsArray())
                {
                    var resource = entry!["resource"]!.DeepClone();
                    var type = (string)resource["resourceType"]!;
                    resource["id"] = Fresh((string)resource["id"]!, copy);
                    if (type == "Patient")
                    {
                        // Each copy is a different person: fresh identifiers too.
                        foreach (var identifier in resource["identifier"]!.AsArray()) identifier!["value"] = Fresh((string)identifier["value"]!, copy);
                    }
                    Rewrite(resource, types, copy);
                    if (!writers.TryGetValue(type, out var w)) writers[type] = w = new StreamWriter(Path.Combine(folder, $"{type}.ndjson"), false, new UTF8Encoding(false));
                    w.WriteLine(resource.ToJsonString());
                    lines++;
                }
            }
        }
        foreach (var w in writers.Values) w.Dispose();
        return lines;

        static string Fresh(string id, int copy) => copy == 0 ? id : new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"{id}/{copy}")).AsSpan(0, 16)).ToString();

        static void Rewrite(JsonNode? node, Dictionary<string, string> types, int copy)
        {
            if (node is JsonObject obj)
            {
                if (obj["reference"] is JsonValue v && v.TryGetValue<string>(out var target) && types.TryGetValue(target, out var type))
                {
                    obj["reference"] = $"{type}/{Fresh(target["urn:uuid:".Length..], copy)}";
                }
                foreach (var (_, child) in obj.ToList()) Rewrite(child, types, copy);
            }
            else if (node is JsonArray array)
            {
                foreach (var child in array) Rewrite(child, types, copy);
            }
        }
    }
}
