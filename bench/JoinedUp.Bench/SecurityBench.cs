using System.Diagnostics;
using System.Globalization;
using JoinedUp.Record;
using JoinedUp.Record.Synthetic;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Bench;

/// <summary>
/// Issue 3 benchmark: the cost of the authorisation and audit path on a patient read.
///   dotnet run -c Release --project bench/JoinedUp.Bench -- security PROVIDER PATIENTS [SQLITE_PATH|PG_CONNECTION_STRING]
/// In one process, on one freshly generated borough, a clinician reads patients on their team's caseload:
///   secured: RecordAccessService.OpenAsync (relationship decision + audit entry committed) then the record summary;
///   plain:   the same record summary from a view built directly (no decision, no audit).
/// The two are interleaved request by request (same warm caches), one at a time, then with 8 concurrent readers.
/// </summary>
internal static class SecurityBench
{
    public static async Task RunAsync(string[] args)
    {
        var provider = Enum.Parse<StorageProvider>(args[0], ignoreCase: true);
        var patients = int.Parse(args[1], CultureInfo.InvariantCulture);
        var target = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "joinedup-bench-security.db");
        var storage = Fresh(provider, target);
        Console.WriteLine($"security bench: provider={provider} patients={patients:N0} cores={Environment.ProcessorCount} dotnet={Environment.Version}");
        await new BoroughGenerator(storage).GenerateAsync(new BoroughSpec(patients, 42, new DateOnly(2026, 11, 1)), null, default);

        // A clinician of the adult community nursing team with 2,000 patients on the team's caseload.
        int teamId, serviceId, staffId;
        List<long> caseload;
        await using (var db = JoinedUpStorage.CreateContext(storage))
        {
            var team = await db.Teams.Where(t => t.Service!.Code == "adult-community-nursing").Select(t => new { t.Id, t.ServiceId }).FirstAsync();
            (teamId, serviceId) = (team.Id, team.ServiceId);
            staffId = await db.TeamMemberships.Where(m => m.TeamId == teamId).Select(m => m.StaffMemberId).FirstAsync();
            caseload = await db.Patients.OrderBy(p => p.Id).Where(p => p.Id % 7 == 3).Select(p => p.Id).Take(2000).ToListAsync();
            db.CareRelationships.AddRange(caseload.Select(id => new CareRelationship { PatientId = id, Kind = RelationshipKind.Caseload, TeamId = teamId, StartedAt = DateTime.UtcNow, Source = "bench" }));
            await db.SaveChangesAsync();
        }
        var who = new AccessPrincipal
        {
            UserId = "bench-clinician",
            DisplayName = "Bench Clinician",
            Roles = new HashSet<string>(StringComparer.Ordinal) { Roles.Clinician },
            OrganisationCode = "ZLP01",
            StaffMemberId = staffId,
            TeamIds = new HashSet<int> { teamId },
        };
        if (!who.Can(Permission.RecordRead)) throw new InvalidOperationException("the matrix must allow a clinician to read");

        await using var audit = new AuditTrail(storage, NullLogger<AuditTrail>.Instance);
        var clock = TimeProvider.System;
        var directory = new SecurityDirectory(clock);
        List<int> sensitive;
        await using (var db = JoinedUpStorage.CreateContext(storage)) sensitive = await db.Services.Where(s => s.IsSensitive).Select(s => s.Id).ToListAsync();

        async Task<PatientSummary?> Secured(long id)
        {
            await using var db = JoinedUpStorage.CreateContext(storage);
            // As the API does: read the record while the audit entry commits, and wait for it before answering.
            var opened = await new RecordAccessService(db, audit, clock, directory).BeginOpenAsync(who, id, "record.read", $"Patient/{id}", default);
            if (opened.View is null) throw new InvalidOperationException($"refused {id}");
            var summary = await PatientSummary.LoadAsync(db, opened.View, default);
            await opened.Audited;
            return summary;
        }

        async Task<PatientSummary?> Plain(long id)
        {
            await using var db = JoinedUpStorage.CreateContext(storage);
            return await PatientSummary.LoadAsync(db, new RecordView(id, AccessLevel.Full, "bench", false, [serviceId], sensitive), default);
        }

        // Warm up both paths (JIT, pools, caches).
        for (var i = 0; i < 300; i++)
        {
            await Secured(caseload[i % caseload.Count]);
            await Plain(caseload[i % caseload.Count]);
        }

        const int rounds = 4000;
        var secured = new double[rounds];
        var plain = new double[rounds];
        var rng = new Random(7);
        for (var i = 0; i < rounds; i++)
        {
            var id = caseload[rng.Next(caseload.Count)];
            // Alternate which goes first so neither always benefits from the other's cache warming.
            if (i % 2 == 0)
            {
                secured[i] = await Time(() => Secured(id));
                plain[i] = await Time(() => Plain(id));
            }
            else
            {
                plain[i] = await Time(() => Plain(id));
                secured[i] = await Time(() => Secured(id));
            }
        }
        Report("one reader", secured, plain);

        // The decision alone and the audit commit alone (where the added time goes).
        var decide = new double[rounds];
        var commit = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            var id = caseload[rng.Next(caseload.Count)];
            await using var db = JoinedUpStorage.CreateContext(storage);
            var service = new RecordAccessService(db, audit, clock, directory);
            decide[i] = await Time(() => service.DecideAsync(who, id, default));
            commit[i] = await Time(() => service.AuditAsync(who, AuditOutcome.Allowed, "record.read", $"Patient/{id}", id, "bench", null, default).ContinueWith(_ => 0, TaskScheduler.Default));
        }
        Console.WriteLine($"  decision alone: p50 {P(decide, 50):F3} ms  p99 {P(decide, 99):F3} ms; audit commit alone: p50 {P(commit, 50):F3} ms  p99 {P(commit, 99):F3} ms");

        // Eight concurrent readers: throughput and latency, and how many requests share each audit commit.
        const int workers = 8, perWorker = 1000;
        foreach (var (name, read) in new (string, Func<long, Task<PatientSummary?>>)[] { ("plain", Plain), ("secured", Secured) })
        {
            var batchesBefore = audit.BatchesWritten;
            var eventsBefore = audit.EventsWritten;
            var latencies = new double[workers * perWorker];
            var wall = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                var r = new Random(w);
                for (var i = 0; i < perWorker; i++) latencies[w * perWorker + i] = await Time(() => read(caseload[r.Next(caseload.Count)]));
            })));
            wall.Stop();
            var batches = audit.BatchesWritten - batchesBefore;
            var events = audit.EventsWritten - eventsBefore;
            Console.WriteLine($"  8 concurrent readers, {name}: {latencies.Length / wall.Elapsed.TotalSeconds:N0} reads/s, p50 {P(latencies, 50):F3} ms, p99 {P(latencies, 99):F3} ms" +
                (events > 0 ? $", {events:N0} audit entries in {batches:N0} commits ({(double)events / batches:F1} per commit)" : ""));
        }
        var verify = await AuditVerifier.VerifyAsync(storage, null, default);
        Console.WriteLine($"  audit chain after the run: {verify.RowsChecked:N0} rows, intact={verify.Intact}");
    }

    private static async Task<double> Time<T>(Func<Task<T>> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double P(double[] values, int percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];
    }

    private static void Report(string label, double[] secured, double[] plain)
    {
        var added = secured.Zip(plain, (s, p) => s - p).ToArray();
        Console.WriteLine($"  {label}: plain p50 {P(plain, 50):F3} ms p99 {P(plain, 99):F3} ms | secured p50 {P(secured, 50):F3} ms p99 {P(secured, 99):F3} ms" +
                          $" | added: p50 {P(secured, 50) - P(plain, 50):F3} ms, p99 {P(secured, 99) - P(plain, 99):F3} ms (paired differences: p50 {P(added, 50):F3} ms, p99 {P(added, 99):F3} ms)");
    }

    private static StorageOptions Fresh(StorageProvider provider, string target)
    {
        if (provider == StorageProvider.Sqlite)
        {
            foreach (var s in new[] { "", "-wal", "-shm" }) File.Delete(target + s);
            return new StorageOptions { SqlitePath = target };
        }
        var b = new Npgsql.NpgsqlConnectionStringBuilder(target);
        var name = b.Database ?? "joinedup_bench_security";
        using (var admin = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(target) { Database = "postgres" }.ToString()))
        {
            admin.Open();
            using var cmd = admin.CreateCommand();
            cmd.CommandText = $"DROP DATABASE IF EXISTS {name} WITH (FORCE)";
            cmd.ExecuteNonQuery();
            cmd.CommandText = $"CREATE DATABASE {name}";
            cmd.ExecuteNonQuery();
        }
        b.Database = name;
        return new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = b.ToString() };
    }
}
