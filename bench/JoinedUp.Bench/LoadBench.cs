using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace JoinedUp.Bench;

/// <summary>
/// FHIR read and search latency under load (issue 4b). Usage (build the web app in Release first):
///   dotnet build -c Release src/JoinedUp.Web
///   dotnet run -c Release --project bench/JoinedUp.Bench -- load PATIENTS RATE SECONDS [WEB_DLL]
/// Starts the real web app (demo mode, SQLite, a borough of PATIENTS) as its own process on loopback Kestrel, takes a
/// token for the demo GP system (client credentials), then drives each endpoint open-loop at RATE requests/s for
/// SECONDS: a static file served by the same Kestrel (the ceiling), Patient read, and Observation search. Latency is
/// measured from each request's scheduled start (so a stall is not hidden by the generator waiting), and a closed-loop
/// run with 16 connections gives the maximum throughput. The load generator shares the machine's 2 cores.
/// </summary>
internal static class LoadBench
{
    public static async Task RunAsync(string[] args)
    {
        var patients = int.Parse(args[0], CultureInfo.InvariantCulture);
        var rate = int.Parse(args[1], CultureInfo.InvariantCulture);
        var seconds = int.Parse(args[2], CultureInfo.InvariantCulture);
        var dll = args.Length > 3 ? args[3] : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/JoinedUp.Web/bin/Release/net10.0/JoinedUp.Web.dll"));
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the web app first: dotnet build -c Release src/JoinedUp.Web ({dll} not found).");
        var db = Path.Combine(Path.GetTempPath(), $"joinedup-load-{patients}.db");
        foreach (var s in new[] { "", "-wal", "-shm" }) File.Delete(db + s);
        const string url = "http://127.0.0.1:5199";
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dll)!, "../../..")) }; // the project folder: its wwwroot is the content root's
        psi.ArgumentList.Add(dll);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Demo";
        psi.Environment["ASPNETCORE_URLS"] = url;
        psi.Environment["Demo__Patients"] = patients.ToString(CultureInfo.InvariantCulture);
        psi.Environment["Storage__SqlitePath"] = db;
        psi.Environment["Security__RequireHttps"] = "false";
        psi.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        using var server = Process.Start(psi)!;
        _ = server.StandardOutput.ReadToEndAsync();
        _ = server.StandardError.ReadToEndAsync();
        try
        {
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
                if (ready.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException("The web app did not become healthy.");
                await Task.Delay(500);
            }
            Console.WriteLine($"patients={patients:N0} rate={rate}/s seconds={seconds} cores={Environment.ProcessorCount} dotnet={Environment.Version} (app ready in {ready.Elapsed.TotalSeconds:F0} s)");

            using var tokenResponse = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = "demo-gp-system", ["client_secret"] = "demo-gp-system-secret", ["scope"] = "system/*.rs",
            }));
            var token = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString()!;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            // The demo GP system's registered patients, and a common observation code among them.
            using var page = await http.GetAsync("/fhir/Patient?general-practitioner:identifier=https://fhir.nhs.uk/Id/ods-organization-code|Z10001&_count=100");
            var ids = JsonDocument.Parse(await page.Content.ReadAsStringAsync()).RootElement.GetProperty("entry").EnumerateArray()
                .Where(e => e.GetProperty("resource").GetProperty("resourceType").GetString() == "Patient")
                .Select(e => e.GetProperty("resource").GetProperty("id").GetString()!).ToList();
            Console.WriteLine($"reading {ids.Count} patients of Z10001 in turn");
            var n = 0;
            string NextPatient() => ids[Interlocked.Increment(ref n) % ids.Count];

            var targets = new (string Name, Func<string> Path)[]
            {
                ("static file (ceiling)", () => "/lib/nhsuk-frontend/NOTICE.txt"),
                ("Patient read", () => $"/fhir/Patient/{NextPatient()}"),
                ("Observation search", () => $"/fhir/Observation?patient=Patient/{NextPatient()}&_count=20"),
            };
            foreach (var (name, path) in targets)
            {
                await OpenLoopAsync(http, path, rate, 5); // warm up (JIT, caches, connection pool)
                var result = await OpenLoopAsync(http, path, rate, seconds);
                Console.WriteLine($"{name,-24} open loop {rate}/s: {result}");
            }
            foreach (var (name, path) in targets)
            {
                var result = await ClosedLoopAsync(http, path, 16, seconds);
                Console.WriteLine($"{name,-24} closed loop, 16 connections: {result}");
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private sealed record Result(int Requests, int Errors, double Seconds, double[] Latencies)
    {
        public override string ToString()
        {
            Array.Sort(Latencies);
            double P(double q) => Latencies.Length == 0 ? 0 : Latencies[Math.Min(Latencies.Length - 1, (int)(q * Latencies.Length))];
            return $"{Requests / Seconds,7:N0} req/s, p50 {P(0.50):F2} ms, p90 {P(0.90):F2} ms, p99 {P(0.99):F2} ms, max {P(1):F2} ms, {Errors} errors";
        }
    }

    /// <summary>Requests started on a fixed schedule, whatever the server does; latency counts from the scheduled start.</summary>
    private static async Task<Result> OpenLoopAsync(HttpClient http, Func<string> path, int rate, int seconds)
    {
        var total = rate * seconds;
        var latencies = new double[total];
        var errors = 0;
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            var scheduled = i * 1000.0 / rate;
            var wait = scheduled - clock.Elapsed.TotalMilliseconds;
            if (wait > 1) await Task.Delay(TimeSpan.FromMilliseconds(wait));
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                using var response = await http.GetAsync(path(), HttpCompletionOption.ResponseContentRead);
                latencies[index] = clock.Elapsed.TotalMilliseconds - scheduled;
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
            }));
        }
        await Task.WhenAll(tasks);
        return new Result(total, errors, clock.Elapsed.TotalSeconds, latencies);
    }

    /// <summary>As fast as the server answers, with a fixed number of requests in flight.</summary>
    private static async Task<Result> ClosedLoopAsync(HttpClient http, Func<string> path, int connections, int seconds)
    {
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var errors = 0;
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < end)
            {
                var start = clock.Elapsed.TotalMilliseconds;
                using var response = await http.GetAsync(path(), HttpCompletionOption.ResponseContentRead);
                latencies.Add(clock.Elapsed.TotalMilliseconds - start);
                if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref errors);
            }
        })));
        var all = latencies.ToArray();
        return new Result(all.Length, errors, clock.Elapsed.TotalSeconds, all);
    }
}
