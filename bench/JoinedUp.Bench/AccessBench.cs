using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using JoinedUp.Access;
using JoinedUp.Record;
using JoinedUp.Record.Synthetic;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Bench;

/// <summary>
/// Issue 5 benchmark: the single point of access. Usage (build the web app in Release first):
///   dotnet build -c Release src/JoinedUp.Web
///   dotnet run -c Release --project bench/JoinedUp.Bench -- access PATIENTS RATE SECONDS [WEB_DLL|-] [all|http|triage]
/// 1. REST intake: the real web app (demo mode, SQLite, a borough of PATIENTS) as its own process on loopback Kestrel,
///    the demo GP system's token; open-loop POST /api/referrals at RATE/s for SECONDS, each with a new Idempotency-Key,
///    spread over the practice's patients; every 10th referral is sent twice at once with the same key (a retry race).
///    Latency counts from each request's scheduled start.
/// 2. FHIR intake: the same through POST /fhir/ServiceRequest with If-None-Exist: identifier=system|value.
/// 3. After each, the server's SQLite file is read (read-only) to check that no referral was lost or duplicated.
/// 4. The floor: the same number of rows put into the same referral table (a copy of the server's file after it
///    stopped) with a bare prepared INSERT, one row per transaction and all in one transaction.
/// 5. A 10,000-referral backlog on a fresh borough, in process: the worklist query, the pure triage engine, and
///    ReferralTriage.DecideAsync end to end for 1,000 of them.
/// The load generator shares the machine's cores with the server.
/// </summary>
internal static class AccessBench
{
    private const string Practice = "Z10001";
    private const string Client = "demo-gp-system";
    private const string IdSystem = "https://bench.example/id";

    private static readonly string[] Reasons =
    [
        "Leg ulcer on the left shin needs dressing twice a week.",
        "Fell at home last night, bruised but no fracture; lives alone.",
        "Wound care after hip surgery, staples to remove.",
        "Breathless on exertion, COPD review and rescue pack.",
        "Memory getting worse, family worried about safety at home.",
        "Catheter blocked since this morning.",
        "Needs help with insulin injections after discharge.",
        "Pressure sore on the right heel, grade 2.",
        "Low mood since a bereavement, not eating well.",
        "Diabetic foot check: new area of redness.",
        "Swollen ankles, heart failure, weight up 2 kg this week.",
        "Struggling with stairs and washing, may need equipment.",
    ];

    public static async Task RunAsync(string[] args)
    {
        var patients = int.Parse(args[0], CultureInfo.InvariantCulture);
        var rate = int.Parse(args[1], CultureInfo.InvariantCulture);
        var seconds = int.Parse(args[2], CultureInfo.InvariantCulture);
        var dll = args.Length > 3 && args[3] != "-" ? args[3] : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/JoinedUp.Web/bin/Release/net10.0/JoinedUp.Web.dll"));
        var parts = args.Length > 4 ? args[4] : "all";
        Console.WriteLine($"access bench: patients={patients:N0} rate={rate}/s seconds={seconds} cores={Environment.ProcessorCount} dotnet={Environment.Version} parts={parts}");
        var failed = false;
        if (parts is "all" or "http") failed |= !await HttpAsync(patients, rate, seconds, dll);
        if (parts is "all" or "triage") await TriageAsync(33_000);
        if (failed)
        {
            Console.WriteLine("FAILED: referrals were lost or duplicated (see above).");
            Environment.ExitCode = 1;
        }
    }

    // ---------------------------------------------------------------- 1-4: intake over HTTP, integrity, floor

    private sealed record Phase(string Name, Func<long, string, int, HttpRequestMessage> Make, Func<string, string?> ReferenceOf);

    /// <summary>One HTTP send: the referral's index, its key, the status, the reference in the answer, latency from the scheduled start.</summary>
    private sealed record Sent(int Index, string Key, bool Retry, int Status, string? Reference, double Ms);

    private static async Task<bool> HttpAsync(int patients, int rate, int seconds, string dll)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the web app first: dotnet build -c Release src/JoinedUp.Web ({dll} not found).");
        var db = Path.Combine(Path.GetTempPath(), $"joinedup-access-{patients}.db");
        foreach (var s in new[] { "", "-wal", "-shm" }) File.Delete(db + s);
        const string url = "http://127.0.0.1:5197";
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "../../..")) };
        psi.ArgumentList.Add(dll);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Demo";
        psi.Environment["ASPNETCORE_URLS"] = url;
        psi.Environment["Demo__Patients"] = patients.ToString(CultureInfo.InvariantCulture);
        psi.Environment["Storage__SqlitePath"] = db;
        psi.Environment["Security__RequireHttps"] = "false";
        psi.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var serverErrors = new StringBuilder();
        var ok = true;
        int inserted;
        var server = Process.Start(psi)!;
        try
        {
            _ = server.StandardOutput.ReadToEndAsync();
            server.ErrorDataReceived += (_, e) => { lock (serverErrors) serverErrors.AppendLine(e.Data); };
            server.BeginErrorReadLine();
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = new Uri(url) };
            var ready = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var health = await http.GetAsync("/health");
                    if (health.StatusCode == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException)
                {
                }
                if (ready.Elapsed > TimeSpan.FromMinutes(10) || server.HasExited) throw new TimeoutException("The web app did not become healthy: " + serverErrors);
                await Task.Delay(500);
            }
            Console.WriteLine($"app ready in {ready.Elapsed.TotalSeconds:F0} s; database {db}");

            // The practice's registered patients, from the server's own file.
            var ids = new List<long>();
            await using (var read = await OpenReadOnlyAsync(db))
            await using (var cmd = read.CreateCommand())
            {
                cmd.CommandText = "SELECT p.id FROM patient p JOIN organisation o ON o.id = p.registered_practice_id WHERE o.ods_code = $ods ORDER BY p.id";
                cmd.Parameters.AddWithValue("$ods", Practice);
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
            }
            Console.WriteLine($"referring {ids.Count} patients registered at {Practice}");

            var phases = new[]
            {
                new Phase("REST POST /api/referrals", (patient, key, i) =>
                {
                    var m = new HttpRequestMessage(HttpMethod.Post, "/api/referrals")
                    {
                        Content = new StringContent(JsonSerializer.Serialize(new { source = "gp", patientId = patient, reason = Reasons[i % Reasons.Length], serviceCode = (string?)null, urgency = UrgencyOf(i) }), Encoding.UTF8, "application/json"),
                    };
                    m.Headers.Add("Idempotency-Key", key);
                    return m;
                }, body => JsonDocument.Parse(body).RootElement.GetProperty("reference").GetString()),
                new Phase("FHIR POST /fhir/ServiceRequest", (patient, key, i) =>
                {
                    var priority = UrgencyOf(i) switch { "within-2-hours" => "asap", "within-2-days" => "urgent", "routine" => "routine", _ => null };
                    var resource = new Dictionary<string, object>
                    {
                        ["resourceType"] = "ServiceRequest", ["status"] = "active", ["intent"] = "order",
                        ["subject"] = new { reference = string.Create(CultureInfo.InvariantCulture, $"Patient/{patient}") },
                        ["identifier"] = new[] { new { system = IdSystem, value = key } },
                        ["reasonCode"] = new[] { new { text = Reasons[i % Reasons.Length] } },
                    };
                    if (priority is not null) resource["priority"] = priority;
                    var m = new HttpRequestMessage(HttpMethod.Post, "/fhir/ServiceRequest") { Content = new StringContent(JsonSerializer.Serialize(resource), Encoding.UTF8, "application/fhir+json") };
                    m.Headers.TryAddWithoutValidation("If-None-Exist", $"identifier={IdSystem}|{key}");
                    return m;
                }, body => JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()),
            };

            foreach (var phase in phases)
            {
                // A fresh token per phase (client credentials, the scope that covers ServiceRequest create).
                using var tokenResponse = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = Client, ["client_secret"] = "demo-gp-system-secret", ["scope"] = "system/*.cruds",
                }));
                var tokenBody = await tokenResponse.Content.ReadAsStringAsync();
                if (!tokenResponse.IsSuccessStatusCode) throw new InvalidOperationException($"token: {(int)tokenResponse.StatusCode} {tokenBody}");
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(tokenBody).RootElement.GetProperty("access_token").GetString());

                var before = await CountReferralsAsync(db);
                // Warm-up: 10 s at a fifth of the rate, so that tiered JIT has finished before the measured run
                // (with 3 s at full rate the first door measured paid for JIT compilation: 3.3 ms of CPU a request).
                var warm = await OpenLoopAsync(http, phase, ids, Math.Max(1, rate / 5), Math.Min(10, seconds), 0);
                server.Refresh();
                var cpuBefore = server.TotalProcessorTime;
                var run = await OpenLoopAsync(http, phase, ids, rate, seconds, 1_000_000);
                server.Refresh();
                var cpu = server.TotalProcessorTime - cpuBefore;
                Report(phase.Name, rate, run);
                Console.WriteLine($"  server process CPU during the run: {cpu.TotalSeconds:F1} s over {run.Seconds:F1} s wall = {cpu.TotalSeconds / run.Seconds:F2} cores busy, {cpu.TotalMilliseconds / run.Sends.Count:F2} ms of CPU per request");
                ok &= await CheckAsync(db, phase.Name, [.. warm.Sends, .. run.Sends], before);
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
        }
        inserted = await CountReferralsAsync(db);
        await FloorAsync(db, inserted);
        var errors = serverErrors.ToString().Trim();
        if (errors.Length > 0) Console.WriteLine("server stderr (first 2,000 characters):\n" + errors[..Math.Min(2000, errors.Length)]);
        return ok;
    }

    private static string? UrgencyOf(int i) => (i % 10) switch { 1 => "routine", 2 => "within-2-days", 3 => "within-2-hours", _ => null };

    private sealed record RunResult(List<Sent> Sends, int Referrals, double Seconds);

    /// <summary>Referrals started on a fixed schedule, whatever the server does; every 10th is sent twice at once with the same key.</summary>
    private static async Task<RunResult> OpenLoopAsync(HttpClient http, Phase phase, List<long> patients, int rate, int seconds, int indexBase)
    {
        var total = rate * seconds;
        var sends = new ConcurrentBag<Sent>();
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(total + total / 10 + 1);
        for (var i = 0; i < total; i++)
        {
            var scheduled = i * 1000.0 / rate;
            var wait = scheduled - clock.Elapsed.TotalMilliseconds;
            if (wait > 1) await Task.Delay(TimeSpan.FromMilliseconds(wait));
            var index = indexBase + i;
            var key = Guid.NewGuid().ToString();
            var patient = patients[index % patients.Count];
            var copies = index % 10 == 0 ? 2 : 1;
            for (var c = 0; c < copies; c++)
            {
                var retry = c == 1;
                tasks.Add(Task.Run(async () =>
                {
                    using var message = phase.Make(patient, key, index);
                    int status;
                    string? body;
                    try
                    {
                        using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead);
                        body = await response.Content.ReadAsStringAsync();
                        status = (int)response.StatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        status = 0;
                        body = null;
                    }
                    var ms = clock.Elapsed.TotalMilliseconds - scheduled;
                    string? reference = null;
                    if (status is >= 200 and < 300 && body is not null) reference = phase.ReferenceOf(body);
                    else if (status != 0 && Interlocked.Increment(ref shownErrors) <= 3) Console.WriteLine($"  {phase.Name} answered {status}: {body?[..Math.Min(300, body.Length)]}");
                    sends.Add(new Sent(index, phase.Name.StartsWith("FHIR", StringComparison.Ordinal) ? $"{IdSystem}|{key}" : key, retry, status, reference, ms));
                }));
            }
        }
        await Task.WhenAll(tasks);
        return new RunResult([.. sends], total, clock.Elapsed.TotalSeconds);
    }

    private static int shownErrors;

    private static void Report(string name, int rate, RunResult run)
    {
        var ms = run.Sends.Select(s => s.Ms).Order().ToArray();
        var statuses = string.Join(", ", run.Sends.GroupBy(s => s.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count():N0}"));
        Console.WriteLine($"{name}: open loop {rate}/s for {run.Referrals / rate} s: {run.Referrals:N0} referrals ({run.Sends.Count:N0} requests with the retries) in {run.Seconds:F1} s = " +
                          $"{run.Referrals / run.Seconds:N0} referrals/s; latency p50 {P(ms, 50):F1} ms, p90 {P(ms, 90):F1} ms, p99 {P(ms, 99):F1} ms, max {P(ms, 100):F1} ms; status {statuses}");
        var first = run.Sends.Where(s => !s.Retry).Select(s => s.Ms).Order().ToArray();
        var pair = run.Sends.Where(s => s.Index % 10 == 0).Select(s => s.Ms).Order().ToArray();
        Console.WriteLine($"  single sends: p50 {P(first, 50):F1} / p99 {P(first, 99):F1} ms; both sends of the retried pairs: p50 {P(pair, 50):F1} / p99 {P(pair, 99):F1} ms");
    }

    /// <summary>Every key sent has exactly one referral; every 2xx names a referral that exists; both answers of a retried pair name the same one.</summary>
    private static async Task<bool> CheckAsync(string db, string name, List<Sent> sends, int before)
    {
        var byKey = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var references = new HashSet<string>(StringComparer.Ordinal);
        int after, doubleTriage;
        await using (var conn = await OpenReadOnlyAsync(db))
        {
            await using (var cmd = conn.CreateCommand())
            {
                cmd.CommandText = "SELECT reference, idempotency_key FROM referral WHERE idempotency_owner = $owner";
                cmd.Parameters.AddWithValue("$owner", Client);
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    var reference = reader.GetString(0);
                    references.Add(reference);
                    if (reader.IsDBNull(1)) continue;
                    var key = reader.GetString(1);
                    if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = [];
                    list.Add(reference);
                }
            }
            after = await ScalarAsync(conn, "SELECT COUNT(*) FROM referral");
            // Not asked for, but the same race: two referrals for one patient at once may each start a triage relationship.
            doubleTriage = await ScalarAsync(conn, "SELECT COUNT(*) FROM (SELECT patient_id FROM care_relationship WHERE kind = 4 AND ended_at IS NULL GROUP BY patient_id, team_id HAVING COUNT(*) > 1)");
        }
        var keys = sends.Select(s => s.Key).Distinct(StringComparer.Ordinal).ToList();
        var lost = keys.Count(k => !byKey.ContainsKey(k));
        var duplicated = keys.Count(k => byKey.TryGetValue(k, out var l) && l.Count > 1);
        var missingReference = sends.Count(s => s.Reference is not null && !references.Contains(s.Reference));
        var wrongReference = sends.Count(s => s.Reference is not null && byKey.TryGetValue(s.Key, out var l) && !l.Contains(s.Reference, StringComparer.Ordinal));
        var pairs = sends.Where(s => s.Index % 10 == 0).GroupBy(s => s.Key).ToList();
        var pairsAnswered = pairs.Count(g => g.Count() == 2 && g.All(s => s.Reference is not null));
        var pairsDiffer = pairs.Count(g => g.Count() == 2 && g.All(s => s.Reference is not null) && !string.Equals(g.First().Reference, g.Last().Reference, StringComparison.Ordinal));
        var pairStatuses = string.Join(", ", pairs.Select(g => string.Join("+", g.Select(s => s.Status).Order())).GroupBy(x => x).OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => $"{x.Key}: {x.Count():N0}"));
        var failed = sends.Count(s => s.Reference is null);
        var countMatches = after - before == keys.Count;
        Console.WriteLine($"  integrity ({name}, warm-up included): {keys.Count:N0} keys sent, referral rows {before:N0} -> {after:N0} (+{after - before:N0}, {(countMatches ? "equals" : "DIFFERS FROM")} the distinct keys); " +
                          $"lost: {lost}, duplicated: {duplicated}; 2xx answers naming a missing referral: {missingReference}, naming another key's referral: {wrongReference}; " +
                          $"retried pairs: {pairs.Count:N0} ({pairStatuses}), both answered {pairsAnswered:N0}, answers differ {pairsDiffer}; requests without a 2xx: {failed}; " +
                          $"patients with more than one open triage relationship: {doubleTriage}");
        var ok = lost == 0 && duplicated == 0 && missingReference == 0 && wrongReference == 0 && pairsDiffer == 0 && countMatches;
        if (!ok) Console.WriteLine($"  !!! INTEGRITY CHECK FAILED for {name} !!!");
        return ok;
    }

    private static async Task<SqliteConnection> OpenReadOnlyAsync(string db)
    {
        var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await conn.OpenAsync();
        return conn;
    }

    private static async Task<int> CountReferralsAsync(string db)
    {
        await using var conn = await OpenReadOnlyAsync(db);
        return await ScalarAsync(conn, "SELECT COUNT(*) FROM referral");
    }

    private static async Task<int> ScalarAsync(SqliteConnection conn, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>The same number of rows into the same table with a bare prepared INSERT: one per transaction, then all in one.</summary>
    private static async Task FloorAsync(string serverDb, int rows)
    {
        var path = serverDb + "-floor";
        foreach (var s in new[] { "", "-wal", "-shm" }) File.Delete(path + s);
        File.Copy(serverDb, path);
        if (File.Exists(serverDb + "-wal")) File.Copy(serverDb + "-wal", path + "-wal");
        var storage = new StorageOptions { SqlitePath = path };
        var conn = (SqliteConnection)await JoinedUpStorage.OpenConnectionAsync(storage, default); // the server's pragmas: WAL, synchronous=NORMAL, foreign keys
        await using (conn)
        {
            var patients = new List<long>();
            await using (var cmd = conn.CreateCommand())
            {
                cmd.CommandText = "SELECT p.id FROM patient p JOIN organisation o ON o.id = p.registered_practice_id WHERE o.ods_code = 'Z10001'";
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync()) patients.Add(reader.GetInt64(0));
            }
            // The rows, made beforehand: what intake writes, with the idempotency columns so the same unique index is maintained.
            object[][] Make(string tag)
            {
                var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
                return Enumerable.Range(0, rows).Select(i => new object[]
                {
                    $"F{tag}{i:D9}", patients[i % patients.Count], (int)ReferralSource.Gp, "Given", "Family", Reasons[i % Reasons.Length], (int)Urgency.Routine, (int)ReferralStatus.Received,
                    now, now, 1, 0, 0, "GP system of Z10001 (demo)", Client, Guid.NewGuid().ToString(), Client,
                }).ToArray();
            }
            var columns = new[] { "reference", "patient_id", "source", "given_name", "family_name", "reason", "urgency", "status", "received_at", "last_updated", "version_id", "interpreter_needed", "advocacy_requested", "referrer_name", "referrer_client_id", "idempotency_key", "idempotency_owner" };
            await using var insert = conn.CreateCommand();
            insert.CommandText = $"INSERT INTO referral ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
            var ps = columns.Select((_, i) => insert.Parameters.Add(new SqliteParameter($"$p{i}", null))).ToArray();
            insert.Prepare();
            foreach (var (label, tag, perRow) in new[] { ("one row per transaction", "A", true), ("all in one transaction", "B", false) })
            {
                var data = Make(tag);
                var sw = Stopwatch.StartNew();
                SqliteTransaction? tx = perRow ? null : conn.BeginTransaction();
                foreach (var row in data)
                {
                    var own = perRow ? conn.BeginTransaction() : null;
                    insert.Transaction = own ?? tx;
                    for (var c = 0; c < row.Length; c++) ps[c].Value = row[c];
                    insert.ExecuteNonQuery();
                    if (own is not null)
                    {
                        own.Commit();
                        own.Dispose();
                    }
                }
                if (tx is not null)
                {
                    tx.Commit();
                    tx.Dispose();
                }
                sw.Stop();
                Console.WriteLine($"floor, bare prepared INSERT into referral, {label}: {rows:N0} rows in {sw.Elapsed.TotalSeconds:F2} s = {rows / sw.Elapsed.TotalSeconds:N0} rows/s");
            }
        }
        SqliteConnection.ClearAllPools();
    }

    // ---------------------------------------------------------------- 5: triage of a backlog, in process

    private static async Task TriageAsync(int boroughPatients)
    {
        const int backlog = 10_000, decided = 1_000;
        var storage = await Bench.FreshAsync(StorageProvider.Sqlite, Path.Combine(Path.GetTempPath(), "joinedup-access-triage.db"), "");
        var gen = Stopwatch.StartNew();
        await new BoroughGenerator(storage).GenerateAsync(new BoroughSpec(boroughPatients, 42, new DateOnly(2026, 11, 1)), null, default);
        Console.WriteLine($"triage: borough of {boroughPatients:N0} patients generated in {gen.Elapsed.TotalSeconds:F1} s");

        var services = new ServiceCollection();
        services.AddJoinedUpStorage(storage);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AccessDirectory>();
        services.AddSingleton(_ => new IntakeWriter(storage, NullLogger<IntakeWriter>.Instance));
        services.AddSingleton<SecurityDirectory>();
        services.AddSingleton(_ => new AuditTrail(storage, NullLogger<AuditTrail>.Instance));
        services.AddScoped<RecordAccessService>();
        services.AddScoped<ReferralQueries>();
        services.AddScoped<ReferralTriage>();
        services.AddScoped<JoinedUp.Care.NavigationService>();
        await using var provider = services.BuildServiceProvider();

        // The backlog: 10,000 received referrals for distinct registered patients, with the SPA's triage relationship each.
        var now = DateTime.UtcNow;
        var rng = new Random(5);
        int spaTeam;
        int? coordinatorStaff;
        AccessDirectory.Snapshot snapshot;
        var cases = new List<(string Reference, TriageCase Case)>(backlog);
        var fill = Stopwatch.StartNew();
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>();
            snapshot = await scope.ServiceProvider.GetRequiredService<AccessDirectory>().GetAsync(db, default);
            spaTeam = snapshot.SpaTeamId ?? throw new InvalidOperationException("no SPA team in the generated borough");
            coordinatorStaff = await db.TeamMemberships.Where(m => m.TeamId == spaTeam).Select(m => (int?)m.StaffMemberId).FirstOrDefaultAsync();
            var chosen = await db.Patients.AsNoTracking().Where(p => p.RegisteredPracticeId != null && p.NhsNumber != null).OrderBy(p => p.Id)
                .Select(p => new { p.Id, p.GivenName, p.FamilyName, p.BirthDate, p.NhsNumber, p.Postcode, Practice = p.RegisteredPractice!.OdsCode }).Take(backlog).ToListAsync();
            if (chosen.Count < backlog) throw new InvalidOperationException($"only {chosen.Count} registered patients with an NHS number");
            var conditions = (await db.Conditions.AsNoTracking().Where(c => c.Status == ConditionStatus.Active && !c.Confidential).Select(c => new { c.PatientId, c.Code }).ToListAsync())
                .GroupBy(c => c.PatientId).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(c => c.Code).Distinct(StringComparer.Ordinal).ToList());
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = 0; i < chosen.Count; i++)
            {
                var p = chosen[i];
                var received = now.AddMinutes(-rng.Next(0, 14 * 24 * 60));
                Urgency? requested = ParseOrNull(UrgencyOf(i));
                var referral = new Referral
                {
                    Reference = ReferralIntake.NewReference(), PatientId = p.Id, Source = ReferralSource.Gp, GivenName = p.GivenName, FamilyName = p.FamilyName, BirthDate = p.BirthDate,
                    NhsNumber = p.NhsNumber, Postcode = p.Postcode, Reason = Reasons[i % Reasons.Length], RequestedUrgency = requested, Urgency = requested ?? Urgency.Routine,
                    Status = ReferralStatus.Received, ReceivedAt = received, OpenKey = string.Create(CultureInfo.InvariantCulture, $"{p.Id}:spa"),
                    ReferrerName = "Bench GP", ReferrerOrganisationCode = p.Practice, LastUpdated = received,
                };
                db.Referrals.Add(referral);
                db.CareRelationships.Add(new CareRelationship { PatientId = p.Id, Kind = RelationshipKind.Triage, TeamId = spaTeam, StartedAt = received, Source = $"referral {referral.Reference}" });
                cases.Add((referral.Reference, new TriageCase(ReferralSource.Gp, referral.Reason, [], null, requested, UkClock.AgeYears(p.BirthDate, now), true,
                    conditions.GetValueOrDefault(p.Id) ?? [], null, false, false)));
            }
            await db.SaveChangesAsync();
        }
        Console.WriteLine($"triage: backlog of {backlog:N0} received referrals and their triage relationships inserted with EF in {fill.Elapsed.TotalSeconds:F1} s");

        var coordinator = new AccessPrincipal
        {
            UserId = "bench-spa", DisplayName = "Bench Coordinator", Roles = new HashSet<string>(StringComparer.Ordinal) { Roles.SpaCoordinator },
            StaffMemberId = coordinatorStaff, TeamIds = new HashSet<int> { spaTeam },
        };

        // (a) The worklist over the backlog, as the API asks for it (200 rows a section).
        var worklist = new double[20];
        Worklist? last = null;
        for (var i = -3; i < worklist.Length; i++)
        {
            await using var scope = provider.CreateAsyncScope();
            var queries = scope.ServiceProvider.GetRequiredService<ReferralQueries>();
            var start = Stopwatch.GetTimestamp();
            last = await queries.WorklistAsync(coordinator, 200, default);
            if (i >= 0) worklist[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(worklist);
        Console.WriteLine($"triage (a) worklist over {last!.ToTriageTotal:N0} to triage ({last.Breached:N0} breached), 200 rows shown: p50 {P(worklist, 50):F1} ms, p99 {P(worklist, 99):F1} ms (20 runs after 3 warm-up)");

        // (b) The pure engine for every referral in the backlog.
        IReadOnlyList<TriageService> triageServices;
        await using (var scope = provider.CreateAsyncScope()) triageServices = await AccessDirectory.WithWaitingAsync(scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>(), snapshot, default);
        var local = UkClock.ToLocal(now);
        for (var i = 0; i < 1000; i++) TriageEngine.Suggest(snapshot.Rules, cases[i].Case, triageServices, local);
        var suggestions = new TriageSuggestion[backlog];
        var each = new double[backlog];
        var all = Stopwatch.StartNew();
        for (var i = 0; i < backlog; i++)
        {
            var start = Stopwatch.GetTimestamp();
            suggestions[i] = TriageEngine.Suggest(snapshot.Rules, cases[i].Case, triageServices, local);
            each[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        all.Stop();
        Array.Sort(each);
        var routed = suggestions.Count(s => s.Routes.Count > 0);
        Console.WriteLine($"triage (b) TriageEngine.Suggest for {backlog:N0}: {all.Elapsed.TotalMilliseconds:F1} ms in all = {all.Elapsed.TotalMicroseconds / backlog:F1} µs per referral " +
                          $"(p50 {P(each, 50):F1} µs, p99 {P(each, 99):F1} µs, max {P(each, 100):F1} µs); {routed:N0} with a suggested service, " +
                          $"urgencies {string.Join(", ", suggestions.GroupBy(s => s.Urgency).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count():N0}"))}");

        // (c) DecideAsync end to end for 1,000 of them, one at a time, each in its own scope as a request would be.
        var answers = new Dictionary<string, string?>(StringComparer.Ordinal) { ["what-matters"] = "Staying at home and seeing the grandchildren.", ["living"] = "Alone", ["mobility"] = "Independent", ["falls"] = "no" };
        var decide = new double[decided];
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var overrides = 0;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < decided; i++)
        {
            var s = suggestions[i];
            var codes = s.Routes.Count > 0 ? s.Routes.Select(r => r.ServiceCode).ToList() : ["adult-community-nursing"];
            var decision = new TriageDecision(codes, s.Urgency, "Benchmark: no rule suggested a service, so routed to nursing.", null, answers, 1);
            await using var scope = provider.CreateAsyncScope();
            var triage = scope.ServiceProvider.GetRequiredService<ReferralTriage>();
            var start = Stopwatch.GetTimestamp();
            var result = await triage.DecideAsync(coordinator, cases[i].Reference, decision, default);
            decide[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var key = result.Outcome.ToString();
            outcomes[key] = outcomes.GetValueOrDefault(key) + 1;
            if (result.Outcome != TriageOutcome.Done && outcomes[key] <= 3) Console.WriteLine($"  {cases[i].Reference}: {result.Outcome} {string.Join("; ", result.Problems.Select(p => p.Message))}");
            if (result.Referral?.OverrideReason is not null) overrides++;
        }
        wall.Stop();
        Array.Sort(decide);
        Console.WriteLine($"triage (c) ReferralTriage.DecideAsync for {decided:N0} (one at a time): {wall.Elapsed.TotalSeconds:F2} s = {decided / wall.Elapsed.TotalSeconds:N0} referrals/s; " +
                          $"p50 {P(decide, 50):F2} ms, p99 {P(decide, 99):F2} ms, max {P(decide, 100):F2} ms; outcomes {string.Join(", ", outcomes.Select(kv => $"{kv.Key} {kv.Value}"))}; " +
                          $"{overrides} recorded as overrides (the suggestion at decision time differed, e.g. no route, or waiting lists moved)");
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>();
            var routes = await db.ReferralRoutes.CountAsync();
            var assessments = await db.Assessments.CountAsync();
            var episodes = await db.Episodes.CountAsync();
            Console.WriteLine($"  after triage: {routes:N0} routes (bookings included), {episodes:N0} episodes, {assessments:N0} holistic assessments");
        }
        // Intake alone, in process (no HTTP, no token check): where the time of a REST referral goes.
        var gp = new AccessPrincipal
        {
            UserId = Client, DisplayName = "GP system of Z10001 (demo)", Roles = new HashSet<string>(StringComparer.Ordinal) { Roles.System }, OrganisationCode = Practice, ClientId = Client,
        };
        List<long> practice;
        await using (var scope = provider.CreateAsyncScope())
        {
            practice = await scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>().Patients.Where(p => p.RegisteredPractice!.OdsCode == Practice).Select(p => p.Id).ToListAsync();
        }
        var counter = 0;
        async Task<double> SubmitOne()
        {
            var n = Interlocked.Increment(ref counter);
            await using var scope = provider.CreateAsyncScope();
            var intake = ActivatorUtilities.CreateInstance<ReferralIntake>(scope.ServiceProvider);
            var start = Stopwatch.GetTimestamp();
            var r = await intake.SubmitAsync(gp, new ReferralRequest { Source = "gp", PatientId = practice[n % practice.Count], Reason = Reasons[n % Reasons.Length], Urgency = UrgencyOf(n) }, Guid.NewGuid().ToString(), default);
            if (r.Outcome is not (IntakeOutcome.Created or IntakeOutcome.Linked)) throw new InvalidOperationException($"intake: {r.Outcome}");
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        for (var i = 0; i < 300; i++) await SubmitOne();
        foreach (var workers in new[] { 1, 16 })
        {
            const int perWorker = 2000;
            var count = workers == 1 ? perWorker : perWorker / 4;
            var lat = new double[workers * count];
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < count; i++) lat[w * count + i] = await SubmitOne();
            })));
            sw.Stop();
            Array.Sort(lat);
            Console.WriteLine($"intake in process (ReferralIntake.SubmitAsync, {practice.Count} patients of {Practice}, no HTTP), {workers} at a time: {lat.Length / sw.Elapsed.TotalSeconds:N0} referrals/s, p50 {P(lat, 50):F2} ms, p99 {P(lat, 99):F2} ms");
        }

        var verify = await AuditVerifier.VerifyAsync(storage, null, default);
        Console.WriteLine($"  audit chain after triage: {verify.RowsChecked:N0} rows, intact={verify.Intact}");
    }

    private static Urgency? ParseOrNull(string? text) => text is null ? null : ReferralIntake.ParseUrgency(text);

    private static double P(double[] sorted, int percentile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
