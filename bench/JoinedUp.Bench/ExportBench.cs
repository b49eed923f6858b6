using System.Diagnostics;
using System.Globalization;
using JoinedUp.Record.Synthetic;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Fhir;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Bench;

/// <summary>
/// Bulk export benchmark (issue 4c). Usage:
///   dotnet run -c Release --project bench/JoinedUp.Bench -- export PROVIDER PATIENTS [SQLITE_PATH|PG_CONNECTION_STRING]
/// Generates a borough of PATIENTS (not timed), then runs the export job's own loop (ExportJobs.ExportChunkAsync, 500
/// patients a chunk, every type, one audit entry per exported patient) over the whole borough's secondary-use cohort
/// into NDJSON files: resources per second, peak working set, bytes written.
/// </summary>
internal static class ExportBench
{
    public static async Task RunAsync(string[] args)
    {
        var provider = Enum.Parse<StorageProvider>(args[0], ignoreCase: true);
        var patients = int.Parse(args[1], CultureInfo.InvariantCulture);
        var target = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "joinedup-export-bench.db");
        var storage = await Bench.FreshAsync(provider, target, "-export");
        await using (var ctx = JoinedUpStorage.CreateContext(storage)) await new DatabaseMigrator(ctx, storage).MigrateAsync(default);
        var generated = Stopwatch.StartNew();
        await new BoroughGenerator(storage).GenerateAsync(new BoroughSpec(patients, 42, new DateOnly(2026, 11, 1)), null, default);
        Console.WriteLine($"provider={provider} patients={patients:N0} cores={Environment.ProcessorCount} dotnet={Environment.Version} (borough generated in {generated.Elapsed.TotalSeconds:F0} s, not timed)");

        var folder = Path.Combine(Path.GetTempPath(), "joinedup-export-bench-files");
        if (System.IO.Directory.Exists(folder)) System.IO.Directory.Delete(folder, recursive: true);
        System.IO.Directory.CreateDirectory(folder);
        var job = new ExportJob
        {
            Id = "bench", OwnerUserId = "bench", Request = "/fhir/$export", Level = "system", Types = [.. BulkExport.ExportableTypes], TransactionTime = DateTime.UtcNow,
        };
        await using var db = JoinedUpStorage.CreateContext(storage);
        await using var audit = new AuditTrail(storage, NullLogger<AuditTrail>.Instance);
        var directory = new SecurityDirectory(TimeProvider.System);
        var sensitive = (await directory.GetAsync(db, default)).SensitiveServiceIds.ToList();
        var watch = Stopwatch.StartNew();
        var ids = await SecondaryUse.Cohort(db.Patients.AsNoTracking()).OrderBy(p => p.Id).Select(p => p.Id).ToListAsync();
        var writer = new NdjsonExportWriter(folder, job.Types);
        await using (writer)
        {
            foreach (var chunk in ids.Chunk(500))
            {
                await ExportJobs.ExportChunkAsync(db, chunk, job, sensitive, writer, default);
                var at = DateTime.UtcNow;
                await Task.WhenAll(chunk.Select(id => audit.RecordAsync(new AuditEvent
                {
                    At = at, UserName = "bench", Role = Roles.System, PatientId = id, Action = "record.export", Resource = $"Patient/{id}", Outcome = AuditOutcome.Allowed, Basis = "bulk export bench",
                }, default)));
                db.ChangeTracker.Clear();
            }
            job.Output = writer.Files();
        }
        watch.Stop();
        var resources = job.Output.Sum(o => o.Count);
        var bytes = System.IO.Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length);
        Console.WriteLine($"export: {watch.Elapsed.TotalSeconds:F1} s, {ids.Count:N0} patients, {resources:N0} resources ({resources / watch.Elapsed.TotalSeconds:N0}/s), " +
                          $"{bytes / 1048576:N0} MiB of NDJSON, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576:N0} MiB");
        foreach (var o in job.Output) Console.WriteLine($"  {o.Type,-20}{o.Count,12:N0}");
        System.IO.Directory.Delete(folder, recursive: true);
    }
}
