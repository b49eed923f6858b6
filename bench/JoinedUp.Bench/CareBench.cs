using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using JoinedUp.Access;
using JoinedUp.Care;
using JoinedUp.Directory;
using JoinedUp.Record.Synthetic;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JoinedUp.Bench;

/// <summary>
/// Issue 6 benchmark: the care worklists on the full borough. Usage (build the web app in Release first):
///   dotnet build -c Release src/JoinedUp.Web
///   dotnet run -c Release --project bench/JoinedUp.Bench -- care PATIENTS [SECONDS] [WEB_DLL|-] [PG_CONNECTION_STRING]
/// 1. A fresh borough of PATIENTS (BoroughGenerator), then a care workload added in batches with EF (change tracking
///    off, one SaveChanges per phase): 15,000 open episodes, each with an accepted referral and 1 to 3 routes to
///    clinical teams (nursing weighted 5:1), a caseload relationship per route, first contacts for most; a care
///    navigator (round robin over the borough's navigators) for everyone with more than one team; care plans for 85%
///    with two activities each and their change rows; about 60,000 care tasks (follow-ups, hand-overs, plan reviews;
///    open, overdue, completed; overdue open ones escalated to level 1 or 2 as the escalation job would have).
/// 2. The real web app (Release, demo mode, its own process, loopback Kestrel) on that database; the demo nurse (who
///    leads the nursing team) and the demo navigator sign in with the cookie form, SECONDS closed loop per worklist with
///    4 concurrent callers each with their own session. Client latency from send to full body; server time from the
///    Server-Timing header the worklist endpoints send (endpoint start to response start).
/// 3. In process (after the server stops): CareWorklists called directly, 300 times each, one at a time.
/// </summary>
internal static class CareBench
{
    private const int Episodes = 15_000;

    public static async Task RunAsync(string[] args)
    {
        var patients = int.Parse(args[0], CultureInfo.InvariantCulture);
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        var dll = args.Length > 2 && args[2] != "-" ? args[2] : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/JoinedUp.Web/bin/Release/net10.0/JoinedUp.Web.dll"));
        var pg = args.Length > 3 ? args[3] : null;
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the web app first: dotnet build -c Release src/JoinedUp.Web ({dll} not found).");
        var storage = pg is null
            ? await Bench.FreshAsync(StorageProvider.Sqlite, Path.Combine(Path.GetTempPath(), $"joinedup-care-{patients}.db"), "")
            : await Bench.FreshAsync(StorageProvider.Postgres, pg, "_care");
        Console.WriteLine($"care bench: patients={patients:N0} seconds={seconds} provider={storage.Provider} cores={Environment.ProcessorCount} dotnet={Environment.Version} load={Load()}");

        var sw = Stopwatch.StartNew();
        await new BoroughGenerator(storage).GenerateAsync(new BoroughSpec(patients, 42, DateOnly.FromDateTime(DateTime.UtcNow)), null, default);
        Console.WriteLine($"borough generated in {sw.Elapsed.TotalSeconds:F1} s");
        sw.Restart();
        var summary = await WorkloadAsync(storage);
        Console.WriteLine($"care workload added in {sw.Elapsed.TotalSeconds:F1} s: {summary}");

        await HttpAsync(storage, dll, seconds);
        await InProcessAsync(storage);
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    // ---------------------------------------------------------------- 1: the workload

    private static readonly (string Service, int Weight)[] Services =
    [
        ("adult-community-nursing", 5), ("foot-health", 2), ("community-diabetes", 2), ("adult-psychology", 2), ("community-mental-health", 2),
        ("stroke-rehab", 1), ("adult-audiology", 1), ("inpatient-rehab-beds", 1),
    ];

    private static async Task<string> WorkloadAsync(StorageOptions storage)
    {
        var rng = new Random(6);
        var now = DateTime.UtcNow;
        await using var db = JoinedUpStorage.CreateContext(storage);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var teams = new List<(int Team, int Service)>();
        var weighted = new List<int>();
        foreach (var (code, weight) in Services)
        {
            var t = await db.Teams.AsNoTracking().Where(x => x.Service!.Code == code).OrderBy(x => x.Id).Select(x => new { x.Id, x.ServiceId }).FirstOrDefaultAsync();
            if (t is null) continue;
            teams.Add((t.Id, t.ServiceId));
            for (var i = 0; i < weight; i++) weighted.Add(teams.Count - 1);
        }
        var navigators = await db.Staff.AsNoTracking().Where(s => s.Role == StaffRole.CareNavigator).OrderBy(s => s.StaffCode).Select(s => s.Id).ToListAsync();
        var clinicians = await db.Staff.AsNoTracking().CountAsync(s => s.Role == StaffRole.Clinician);
        var adults = await db.Patients.AsNoTracking().Where(p => p.BirthDate < DateOnly.FromDateTime(now).AddYears(-18)).Select(p => new { p.Id, p.GivenName, p.FamilyName, p.BirthDate }).ToListAsync();
        var chosen = adults.OrderBy(_ => rng.Next()).Take(Episodes).OrderBy(p => p.Id).ToList();

        // Episodes, referrals and routes.
        var people = new List<(long Patient, Episode Episode, List<int> Teams, DateTime Opened, DateTime LastAccepted)>();
        foreach (var p in chosen)
        {
            var opened = now.AddMinutes(-rng.Next(24 * 60, 120 * 24 * 60));
            var episode = new Episode { PatientId = p.Id, OpenedAt = opened };
            db.Episodes.Add(episode);
            var n = rng.NextDouble() switch { < 0.60 => 1, < 0.93 => 2, _ => 3 };
            var mine = new List<int>();
            while (mine.Count < n)
            {
                var t = weighted[rng.Next(weighted.Count)];
                if (!mine.Contains(t)) mine.Add(t);
            }
            people.Add((p.Id, episode, mine, opened, opened));
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        var routes = 0;
        var contacts = 0;
        for (var i = 0; i < people.Count; i++)
        {
            var (patient, episode, mine, opened, _) = people[i];
            var p = chosen[i];
            var referral = new Referral
            {
                Reference = ReferralIntake.NewReference(), PatientId = patient, EpisodeId = episode.Id, Source = ReferralSource.Gp, GivenName = p.GivenName, FamilyName = p.FamilyName,
                BirthDate = p.BirthDate, Reason = "Bench: community care", Urgency = Urgency.Routine, Status = ReferralStatus.Accepted, ReceivedAt = opened, TriagedAt = opened.AddHours(2),
                ReferrerName = "Bench GP", LastUpdated = opened,
            };
            db.Referrals.Add(referral);
            var last = opened;
            foreach (var t in mine)
            {
                var accepted = opened.AddHours(rng.Next(4, 5 * 24));
                if (accepted > now) accepted = now.AddMinutes(-5);
                last = accepted > last ? accepted : last;
                DateTime? contact = rng.NextDouble() < 0.8 ? accepted.AddHours(rng.Next(1, 14 * 24)) : null;
                if (contact > now) contact = null;
                if (contact is not null) contacts++;
                db.ReferralRoutes.Add(new ReferralRoute
                {
                    Referral = referral, ServiceId = teams[t].Service, TeamId = teams[t].Team, Urgency = Urgency.Routine, Status = RouteStatus.Accepted, Reason = "Bench",
                    RoutedAt = opened.AddHours(2), AcceptedAt = accepted, AcceptedByName = "Bench clinician", FirstContactAt = contact,
                });
                db.CareRelationships.Add(new CareRelationship { PatientId = patient, Kind = RelationshipKind.Caseload, TeamId = teams[t].Team, StartedAt = accepted, Source = $"referral {referral.Reference} accepted" });
                routes++;
            }
            people[i] = (patient, episode, mine, opened, last);
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        // Navigators for everyone with more than one team, round robin.
        var navigated = 0;
        foreach (var person in people.Where(x => x.Teams.Count > 1))
        {
            db.CareRelationships.Add(new CareRelationship { PatientId = person.Patient, Kind = RelationshipKind.Navigator, StaffMemberId = navigators[navigated++ % navigators.Count], StartedAt = person.LastAccepted, Source = "bench: assigned" });
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        // Care plans (85%), with a change row each (a third get a later change too) and two activities each.
        var plans = new List<(CarePlan Plan, List<int> Teams)>();
        foreach (var person in people.Where(_ => rng.NextDouble() < 0.85))
        {
            var created = person.Opened.AddDays(rng.Next(1, 7));
            if (created > now) created = now.AddMinutes(-1);
            var plan = new CarePlan
            {
                PatientId = person.Patient, EpisodeId = person.Episode.Id, Status = rng.NextDouble() < 0.8 ? CarePlanStatus.Active : CarePlanStatus.Draft, Title = "My care plan",
                ReviewDue = DateOnly.FromDateTime(created).AddDays(rng.Next(28, 120)), CreatedAt = created, LastUpdated = created, LastUpdatedBy = "Bench clinician",
            };
            db.CarePlans.Add(plan);
            plans.Add((plan, person.Teams));
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        var activities = 0;
        foreach (var (plan, mine) in plans)
        {
            db.CarePlanChanges.Add(new CarePlanChange { CarePlanId = plan.Id, ItemKind = "plan", ItemId = plan.Id, ItemVersion = 1, At = plan.CreatedAt, ByName = "Bench clinician", AfterJson = "{}" });
            if (rng.NextDouble() < 0.33)
            {
                var at = plan.CreatedAt.AddDays(rng.Next(1, 60));
                if (at < now) db.CarePlanChanges.Add(new CarePlanChange { CarePlanId = plan.Id, ItemKind = "plan", ItemId = plan.Id, ItemVersion = 2, At = at, ByName = "Bench clinician", AfterJson = "{}" });
            }
            for (var a = 0; a < 2; a++)
            {
                var status = rng.NextDouble() switch { < 0.35 => ActivityStatus.Scheduled, < 0.6 => ActivityStatus.NotStarted, < 0.75 => ActivityStatus.InProgress, _ => ActivityStatus.Completed };
                db.CarePlanActivities.Add(new CarePlanActivity
                {
                    CarePlanId = plan.Id, Description = "Bench activity", OwnerKind = ActivityOwnerKind.Team, OwnerTeamId = teams[mine[rng.Next(mine.Count)]].Team,
                    Due = DateOnly.FromDateTime(now).AddDays(rng.Next(-20, 40)), Status = status, LastUpdated = plan.CreatedAt, LastUpdatedBy = "Bench clinician",
                });
                activities++;
            }
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();

        // Tasks: about 4 per episode.
        var tasks = 0;
        var open = 0;
        var level2 = 0;
        foreach (var person in people)
        {
            var count = rng.Next(2, 7);
            for (var k = 0; k < count; k++)
            {
                var kind = person.Teams.Count > 1 && rng.NextDouble() < 0.3 ? CareTaskKind.HandOver : rng.NextDouble() < 0.75 ? CareTaskKind.FollowUp : CareTaskKind.PlanReview;
                var to = teams[person.Teams[rng.Next(person.Teams.Count)]].Team;
                var from = kind == CareTaskKind.HandOver ? teams[person.Teams.First(x => teams[x].Team != to)].Team : to;
                var created = person.Opened.AddHours(rng.Next(1, Math.Max(2, (int)(now - person.Opened).TotalHours)));
                var due = kind == CareTaskKind.HandOver ? created.AddDays(2) : created.AddHours(rng.Next(4, 30 * 24));
                var task = new CareTask
                {
                    PatientId = person.Patient, EpisodeId = person.Episode.Id, Kind = kind, FromTeamId = from, ToTeamId = to, Description = "Bench task", DueAt = due, CreatedAt = created,
                    CreatedByName = "Bench clinician",
                };
                // Most past-due work is done: 85% of past-due tasks are completed (or accepted, for hand-overs).
                var roll = rng.NextDouble();
                if (kind == CareTaskKind.HandOver)
                {
                    task.Status = due < now
                        ? roll < 0.85 ? CareTaskStatus.Accepted : roll < 0.90 ? CareTaskStatus.Rejected : CareTaskStatus.Requested
                        : roll < 0.5 ? CareTaskStatus.Accepted : CareTaskStatus.Requested;
                    if (task.Status == CareTaskStatus.Accepted)
                    {
                        task.AcceptedAt = Min(created.AddHours(rng.Next(1, 48)), now);
                        task.AcceptedByName = "Bench clinician";
                    }
                }
                else
                {
                    task.Status = due < now && roll < 0.85 ? CareTaskStatus.Completed : kind == CareTaskKind.PlanReview && rng.NextDouble() < 0.5 ? CareTaskStatus.Requested : CareTaskStatus.Accepted;
                    task.AcceptedAt = task.Status == CareTaskStatus.Requested ? null : created;
                    task.AcceptedByName = task.AcceptedAt is null ? null : "Bench clinician";
                    if (task.Status == CareTaskStatus.Completed) task.CompletedAt = Min(due.AddHours(-rng.Next(0, 24)), now);
                }
                var isOpen = task.Status == CareTaskStatus.Requested || (task.Status == CareTaskStatus.Accepted && kind != CareTaskKind.HandOver);
                if (isOpen)
                {
                    open++;
                    if (due < now.AddDays(-1))
                    {
                        task.EscalationLevel = 2;
                        task.EscalatedAt = due.AddDays(1);
                        level2++;
                    }
                    else if (due < now)
                    {
                        task.EscalationLevel = 1;
                        task.EscalatedAt = due.AddMinutes(1);
                    }
                }
                db.CareTasks.Add(task);
                tasks++;
            }
        }
        await db.SaveChangesAsync();
        db.ChangeTracker.Clear();
        if (storage.Provider == StorageProvider.Sqlite) await db.Database.ExecuteSqlRawAsync("ANALYZE");
        else await db.Database.ExecuteSqlRawAsync("ANALYZE");
        var perTeam = string.Join(", ", teams.Select((t, i) => $"{Services[i].Service} {people.Count(p => p.Teams.Contains(i)):N0}"));
        return $"{people.Count:N0} episodes, {routes:N0} routes and caseload relationships ({contacts:N0} with a first contact), {navigated:N0} navigator relationships over {navigators.Count} navigators, " +
               $"{plans.Count:N0} care plans with {activities:N0} activities, {tasks:N0} care tasks ({open:N0} open, {level2:N0} escalated to level 2); caseload per team: {perTeam}; the borough has {clinicians} clinicians";
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    // ---------------------------------------------------------------- 2: over HTTP

    private sealed record Sample(double ClientMs, double ServerMs, int Status);

    private static async Task HttpAsync(StorageOptions storage, string dll, int seconds)
    {
        const string url = "http://127.0.0.1:5198";
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "../../..")) };
        psi.ArgumentList.Add(dll);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Demo";
        psi.Environment["ASPNETCORE_URLS"] = url;
        psi.Environment["Storage__Provider"] = storage.Provider.ToString();
        if (storage.Provider == StorageProvider.Sqlite) psi.Environment["Storage__SqlitePath"] = storage.SqlitePath;
        else psi.Environment["Storage__ConnectionString"] = storage.ConnectionString;
        // The background jobs would change the lists while they are walked and timed (the plan review reminders add
        // a task for every plan due for review): the bench measures the worklists on a fixed workload.
        psi.Environment["Scheduler__Enabled"] = "false";
        psi.Environment["Security__RequireHttps"] = "false";
        psi.Environment["Security__SignInAttemptsPerMinute"] = "10000";
        psi.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        using var server = Process.Start(psi)!;
        _ = server.StandardOutput.ReadToEndAsync();
        _ = server.StandardError.ReadToEndAsync();
        try
        {
            using var probe = new HttpClient { BaseAddress = new Uri(url) };
            var ready = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    using var health = await probe.GetAsync("/health");
                    if (health.StatusCode == HttpStatusCode.OK) break;
                }
                catch (HttpRequestException)
                {
                }
                if (ready.Elapsed > TimeSpan.FromMinutes(10) || server.HasExited) throw new TimeoutException("The web app did not become healthy.");
                await Task.Delay(500);
            }
            Console.WriteLine($"app ready in {ready.Elapsed.TotalSeconds:F0} s");
            const int callers = 4;
            var nurses = new List<HttpClient>();
            var navigators = new List<HttpClient>();
            for (var i = 0; i < callers; i++)
            {
                nurses.Add(await SignInAsync(url, "nurse@demo.joinedup.example"));
                navigators.Add(await SignInAsync(url, "navigator@demo.joinedup.example"));
            }
            // A later page: follow the cursor to the third page once, then ask for that page again and again.
            async Task<string> ThirdPageAsync(HttpClient c, string path)
            {
                string? next = null;
                for (var i = 0; i < 2; i++)
                {
                    var body = await c.GetStringAsync(path + (next is null ? "" : "&after=" + Uri.EscapeDataString(next)));
                    next = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("next").GetString();
                    if (next is null) break;
                }
                return next is null ? path : path + "&after=" + Uri.EscapeDataString(next);
            }
            var atRiskLater = await ThirdPageAsync(navigators[0], "/api/care/worklists/at-risk?limit=50");
            var caseloadLater = await ThirdPageAsync(nurses[0], "/api/care/worklists/caseload?limit=50");
            foreach (var (c, path) in new[] { (navigators[0], "/api/care/worklists/at-risk?limit=1"), (nurses[0], "/api/care/worklists/caseload?limit=1"), (nurses[0], "/api/care/worklists/team?limit=1") })
            {
                Console.WriteLine($"  {path}: {Summary(await c.GetStringAsync(path))}");
            }
            // Correctness at scale: walking every page gives each person once, in order, as many as the counts say.
            foreach (var (c, path, count, key) in new[]
            {
                (nurses[0], "/api/care/worklists/caseload?limit=50", "people", "nextDueAt"),
                (nurses[0], "/api/care/worklists/caseload?filter=overdue&limit=50", "overdue", "nextDueAt"),
                (nurses[0], "/api/care/worklists/caseload?filter=due-today&limit=50", "dueToday", "nextDueAt"),
                (nurses[0], "/api/care/worklists/caseload?filter=review-due&limit=50", "reviewDue", "nextDueAt"),
                (navigators[0], "/api/care/worklists/at-risk?limit=50", "atRisk", "waitingSince"),
            })
            {
                Console.WriteLine($"  walk {path}: {await WalkAsync(c, path, count, key)}");
            }
            var targets = new (string Name, List<HttpClient> Callers, string Path)[]
            {
                ("navigator at-risk, first page (50)", navigators, "/api/care/worklists/at-risk?limit=50"),
                ("navigator at-risk, page 3 via cursor", navigators, atRiskLater),
                ("clinician caseload, first page (50)", nurses, "/api/care/worklists/caseload?limit=50"),
                ("clinician caseload, overdue filter", nurses, "/api/care/worklists/caseload?filter=overdue&limit=50"),
                ("clinician caseload, page 3 via cursor", nurses, caseloadLater),
                ("team lead view (escalated, 50)", nurses, "/api/care/worklists/team?limit=50"),
            };
            foreach (var (name, clients, path) in targets)
            {
                await ClosedLoopAsync(clients, path, 3); // warm up: JIT, caches
                var cpuBefore = CpuOf(server);
                var (samples, wall) = await ClosedLoopAsync(clients, path, seconds);
                var cpu = CpuOf(server) - cpuBefore;
                Console.WriteLine($"{name,-40} {Describe(samples, wall)}; server CPU {cpu.TotalMilliseconds / samples.Count:F1} ms/request; load {Load()}");
            }
            foreach (var c in nurses.Concat(navigators)) c.Dispose();
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static async Task<string> WalkAsync(HttpClient c, string path, string countName, string key)
    {
        var seen = new HashSet<long>();
        var pages = 0;
        var ordered = true;
        (DateTime? At, long Id)? last = null;
        string? next = null;
        var expected = -1;
        do
        {
            var root = System.Text.Json.JsonDocument.Parse(await c.GetStringAsync(path + (next is null ? "" : "&after=" + Uri.EscapeDataString(next)))).RootElement;
            if (expected < 0) expected = root.GetProperty("counts").GetProperty(countName).GetInt32();
            pages++;
            foreach (var row in root.GetProperty("rows").EnumerateArray())
            {
                var id = row.GetProperty("patientId").GetInt64();
                if (!seen.Add(id)) return $"FAILED: {id} twice (page {pages})";
                DateTime? at = row.GetProperty(key).ValueKind == System.Text.Json.JsonValueKind.Null ? null : row.GetProperty(key).GetDateTime();
                if (last is { } l)
                {
                    var before = l.At is null ? at is null && l.Id < id : at is null || at > l.At || (at == l.At && l.Id < id);
                    ordered &= before;
                }
                last = (at, id);
            }
            next = root.GetProperty("next").ValueKind == System.Text.Json.JsonValueKind.String ? root.GetProperty("next").GetString() : null;
        }
        while (next is not null);
        return $"{pages} pages, {seen.Count:N0} rows, counts say {expected:N0}, in order: {ordered} => {(seen.Count == expected && ordered ? "OK" : "FAILED")}";
    }

    private static TimeSpan CpuOf(Process p)
    {
        p.Refresh();
        return p.TotalProcessorTime;
    }

    private static string Summary(string json)
    {
        var root = System.Text.Json.JsonDocument.Parse(json).RootElement;
        var counts = root.TryGetProperty("counts", out var c) ? c : root.GetProperty("totals");
        return counts.GetRawText();
    }

    private static async Task<HttpClient> SignInAsync(string url, string email)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(url) };
        var html = await client.GetStringAsync("/account/login");
        var token = WebUtility.HtmlDecode(Regex.Match(html, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value);
        using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token, ["Email"] = email, ["Password"] = "Demo-password-2026", ["ReturnUrl"] = "/",
        }));
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in as {email}: {(int)response.StatusCode}");
        return client;
    }

    private static async Task<(List<Sample> Samples, double Wall)> ClosedLoopAsync(List<HttpClient> clients, string path, int seconds)
    {
        var samples = new ConcurrentBag<Sample>();
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(clients.Select(c => Task.Run(async () =>
        {
            while (clock.Elapsed < end)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await c.GetAsync(path, HttpCompletionOption.ResponseContentRead);
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                var server = response.Headers.TryGetValues("Server-Timing", out var values) && values.FirstOrDefault() is { } v && v.Split("dur=") is [_, var d]
                    ? double.Parse(d, CultureInfo.InvariantCulture) : double.NaN;
                samples.Add(new Sample(ms, server, (int)response.StatusCode));
            }
        })));
        return ([.. samples], clock.Elapsed.TotalSeconds);
    }

    private static string Describe(List<Sample> samples, double wall)
    {
        var client = samples.Select(s => s.ClientMs).Order().ToArray();
        var server = samples.Select(s => s.ServerMs).Where(d => !double.IsNaN(d)).Order().ToArray();
        var errors = samples.Count(s => s.Status != 200);
        return $"{samples.Count:N0} requests, {samples.Count / wall:N0}/s, {errors} errors; server p50 {P(server, 50):F1} p95 {P(server, 95):F1} p99 {P(server, 99):F1} ms; client p50 {P(client, 50):F1} p95 {P(client, 95):F1} p99 {P(client, 99):F1} ms";
    }

    private static double P(double[] sorted, int percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

    // ---------------------------------------------------------------- 3: in process

    private static async Task InProcessAsync(StorageOptions storage)
    {
        var services = new ServiceCollection();
        services.AddJoinedUpStorage(storage);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<SecurityDirectory>();
        services.AddSingleton(_ => new AuditTrail(storage, NullLogger<AuditTrail>.Instance));
        services.AddScoped<RecordAccessService>();
        services.AddScoped<CareWorklists>();
        await using var provider = services.BuildServiceProvider();
        AccessPrincipal nurse, navigator;
        await using (var scope = provider.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>();
            var nursing = await db.Teams.Where(t => t.Service!.Code == "adult-community-nursing").OrderBy(t => t.Id).Select(t => t.Id).FirstAsync();
            var nurseStaff = await db.Staff.Where(s => s.Role == StaffRole.Clinician && s.Teams.Any(t => t.TeamId == nursing)).OrderBy(s => s.StaffCode).Select(s => s.Id).FirstAsync();
            var nurseTeams = await db.TeamMemberships.Where(m => m.StaffMemberId == nurseStaff).Select(m => m.TeamId).ToListAsync();
            var navigatorStaff = await db.Staff.Where(s => s.Role == StaffRole.CareNavigator).OrderBy(s => s.StaffCode).Select(s => s.Id).FirstAsync();
            nurse = new AccessPrincipal { UserId = "bench-nurse", DisplayName = "Bench nurse", Roles = new HashSet<string>(StringComparer.Ordinal) { Roles.Clinician }, StaffMemberId = nurseStaff, TeamIds = nurseTeams.ToHashSet() };
            navigator = new AccessPrincipal { UserId = "bench-navigator", DisplayName = "Bench navigator", Roles = new HashSet<string>(StringComparer.Ordinal) { Roles.CareNavigator }, StaffMemberId = navigatorStaff };
        }
        var calls = new (string Name, Func<CareWorklists, Task> Call)[]
        {
            ("at-risk, first page (50)", w => w.AtRiskAsync(navigator, null, 14, null, 50, default)),
            ("caseload, first page (50)", w => w.CaseloadAsync(nurse, CaseloadFilter.All, null, 50, default)),
            ("caseload, overdue (50)", w => w.CaseloadAsync(nurse, CaseloadFilter.Overdue, null, 50, default)),
            ("team lead view (50)", w => w.TeamAsync(nurse, TeamTaskList.Escalated, null, 50, default)),
        };
        foreach (var (name, call) in calls)
        {
            var ms = new double[300];
            for (var i = -20; i < ms.Length; i++)
            {
                await using var scope = provider.CreateAsyncScope();
                var w = scope.ServiceProvider.GetRequiredService<CareWorklists>();
                var start = Stopwatch.GetTimestamp();
                await call(w);
                if (i >= 0) ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(ms);
            Console.WriteLine($"in process {name,-28} p50 {P(ms, 50):F1} ms, p95 {P(ms, 95):F1} ms, p99 {P(ms, 99):F1} ms (300 calls one at a time, audit included; load {Load()})");
        }
    }
}
