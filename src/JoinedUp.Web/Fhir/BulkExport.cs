using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using Patient = JoinedUp.Record.Patient;

namespace JoinedUp.Web.Fhir;

/// <summary>Settings of bulk export (section "Fhir").</summary>
public sealed class ExportOptions
{
    /// <summary>Where export files are written, one folder per job (relative to the app's folder unless absolute).</summary>
    public string ExportFolder { get; set; } = "data/exports";

    /// <summary>Hours a finished export's files are kept before they are deleted.</summary>
    public int ExportRetentionHours { get; set; } = 24;
}

/// <summary>One export job as its status endpoint reports it; saved beside its files so it survives a restart.</summary>
public sealed class ExportJob
{
    public required string Id { get; init; }

    public required string OwnerUserId { get; init; }

    public string? OwnerClientId { get; init; }

    /// <summary>The ODS code of the organisation the client acts for.</summary>
    public string? OwnerOrganisation { get; init; }

    public string? OwnerName { get; init; }

    public required string Request { get; init; }

    public required string Level { get; init; }

    public string? GroupOds { get; init; }

    public required List<string> Types { get; init; }

    public DateTime? Since { get; init; }

    public DateTime TransactionTime { get; init; }

    /// <summary>"queued", "running", "done", "failed" or "cancelled".</summary>
    public string Status { get; set; } = "queued";

    public long PatientsDone { get; set; }

    public long PatientsTotal { get; set; }

    public List<ExportFile> Output { get; set; } = [];

    public string? Error { get; set; }

    public DateTime? FinishedAt { get; set; }
}

public sealed record ExportFile(string Type, string File, long Count);

/// <summary>
/// FHIR Bulk Data export (the asynchronous kick-off, status and download pattern of the Bulk Data Access IG):
/// <c>$export</c> at system, Patient and Group level, NDJSON files. Only backend system clients export, and only the
/// patients they may search (a practice's system: its registered patients, a Group being its practice); patients with
/// a national data opt-out are never exported, nor restricted entries (sensitive services, confidential labels).
/// Each exported patient is audited. Files are kept for <see cref="ExportOptions.ExportRetentionHours"/> and served
/// only to the client that asked for them.
/// </summary>
internal static class BulkExport
{
    public const string NdjsonType = "application/fhir+ndjson";

    public static readonly string[] ExportableTypes = ["Patient", .. RecordMapping.StoredTypes.Where(t => t != "Patient")];

    public static void MapBulkExport(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("/$export", (HttpContext http, ExportJobs jobs, RecordAccessService access, CancellationToken ct) => KickOffAsync(http, jobs, access, "system", null, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirExportSystem").WithSummary("Bulk export (asynchronous): every patient the system client may search.");
        fhir.MapGet("/Patient/$export", (HttpContext http, ExportJobs jobs, RecordAccessService access, CancellationToken ct) => KickOffAsync(http, jobs, access, "patient", null, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirExportPatients").WithSummary("Bulk export (asynchronous) of the patient compartment.");
        fhir.MapGet("/Group/{id}/$export", (string id, HttpContext http, ExportJobs jobs, RecordAccessService access, CancellationToken ct) => KickOffAsync(http, jobs, access, "group", id, ct))
            .RequirePermission(Permission.RecordSearch).WithName("FhirExportGroup").WithSummary("Bulk export (asynchronous) of a Group: a GP practice's registered list, by ODS code.");
        fhir.MapGet("/$export-status/{job}", StatusAsync)
            .RequirePermission(Permission.RecordSearch).WithName("FhirExportStatus").WithSummary("Status of an export: 202 with X-Progress while it runs, 200 with the manifest when done.");
        fhir.MapDelete("/$export-status/{job}", (string job, HttpContext http, ExportJobs jobs) => jobs.Cancel(job, http.RequiredCaller())
                ? Results.StatusCode(StatusCodes.Status202Accepted)
                : FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "No such export of yours."))
            .RequirePermission(Permission.RecordSearch).WithName("FhirExportCancel").WithSummary("Cancels an export and deletes its files.");
        fhir.MapGet("/$export-file/{job}/{file}", DownloadAsync)
            .RequirePermission(Permission.RecordSearch).WithName("FhirExportDownload").WithSummary("One NDJSON file of a finished export (only for the client that asked for it).");
    }

    private static async Task<IResult> KickOffAsync(HttpContext http, ExportJobs jobs, RecordAccessService access, string level, string? group, CancellationToken ct)
    {
        var who = http.RequiredCaller();
        if (!who.Has(Roles.System))
        {
            await access.AuditAsync(who, AuditOutcome.Denied, "record.export", http.Request.Path, null, "bulk export is for system clients", null, ct).ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                "Bulk export is for backend system clients (OAuth client credentials with system/*.rs scopes). People read records one at a time.");
        }
        if (!http.Request.Headers["Prefer"].ToString().Contains("respond-async", StringComparison.OrdinalIgnoreCase))
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required, "Bulk export is asynchronous: send the header Prefer: respond-async.", "Prefer");
        }
        var query = http.Request.Query;
        if (query.TryGetValue("_outputFormat", out var format) && format.ToString() is not ("application/fhir+ndjson" or "application/ndjson" or "ndjson"))
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported, $"_outputFormat '{format}' is not supported: use application/fhir+ndjson.", "_outputFormat");
        }
        var types = ExportableTypes.ToList();
        if (query.TryGetValue("_type", out var typeList))
        {
            types = typeList.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            if (types.FirstOrDefault(t => !ExportableTypes.Contains(t)) is { } unknown)
            {
                return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                    $"_type {unknown} cannot be exported; these can: {string.Join(", ", ExportableTypes)}.", "_type");
            }
        }
        DateTime? since = null;
        if (query.TryGetValue("_since", out var sinceText))
        {
            if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"_since '{sinceText}' is not an instant (e.g. 2026-01-01T00:00:00Z).", "_since");
            }
            since = parsed.UtcDateTime;
        }
        var unsupported = query.Keys.Where(k => k is not ("_outputFormat" or "_type" or "_since")).ToList();
        if (unsupported.Count > 0)
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported, $"The export parameter '{unsupported[0]}' is not supported (_outputFormat, _type and _since are).", unsupported[0]);
        }
        if (group is not null && group != who.OrganisationCode)
        {
            await access.AuditAsync(who, AuditOutcome.Denied, "record.export", $"Group/{group}", null, "a practice exports only its own registered list", null, ct).ConfigureAwait(false);
            return FhirResults.Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                $"Group/{group} is not yours to export. Groups are GP practices by ODS code; you may export Group/{who.OrganisationCode}.");
        }
        var job = jobs.Start(who, level, group, types, since, $"{http.Request.Path}{http.Request.QueryString}");
        await access.AuditAsync(who, AuditOutcome.Allowed, "record.export", $"$export/{job.Id}", null, "bulk export requested", $"{level} {string.Join(',', types)}", ct).ConfigureAwait(false);
        http.Response.Headers.ContentLocation = $"{FhirEndpoints.BaseUrl(http)}/$export-status/{job.Id}";
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static IResult StatusAsync(string job, HttpContext http, ExportJobs jobs)
    {
        var found = jobs.Find(job, http.RequiredCaller());
        if (found is null) return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "No such export of yours (finished exports are kept for a limited time).");
        switch (found.Status)
        {
            case "queued" or "running":
                http.Response.Headers["X-Progress"] = found.PatientsTotal == 0 ? found.Status : $"{found.PatientsDone:N0} of {found.PatientsTotal:N0} patients";
                http.Response.Headers.RetryAfter = "2";
                return Results.StatusCode(StatusCodes.Status202Accepted);
            case "failed" or "cancelled":
                return FhirResults.Problem(StatusCodes.Status500InternalServerError, OperationOutcome.IssueType.Exception, found.Error ?? $"The export was {found.Status}.");
        }
        var baseUrl = FhirEndpoints.BaseUrl(http);
        var manifest = new
        {
            transactionTime = found.TransactionTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            request = $"{http.Request.Scheme}://{http.Request.Host}{found.Request}",
            requiresAccessToken = true,
            output = found.Output.Select(o => new { type = o.Type, url = $"{baseUrl}/$export-file/{found.Id}/{o.File}", count = o.Count }),
            error = Array.Empty<object>(),
        };
        http.Response.Headers.Expires = (found.FinishedAt ?? found.TransactionTime).AddHours(jobs.RetentionHours).ToString("R", CultureInfo.InvariantCulture);
        return Results.Json(manifest, contentType: "application/json");
    }

    private static IResult DownloadAsync(string job, string file, HttpContext http, ExportJobs jobs)
    {
        var found = jobs.Find(job, http.RequiredCaller());
        if (found is not { Status: "done" } || found.Output.All(o => o.File != file))
        {
            return FhirResults.Problem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, "No such export file of yours.");
        }
        return Results.File(Path.Combine(jobs.Folder(job), file), NdjsonType, enableRangeProcessing: true);
    }
}

/// <summary>
/// Runs export jobs one at a time in the background (each in its own scope), keeps their state in memory and in a
/// job.json beside the files, and deletes expired exports. A job that was running when the server stopped is
/// reported as failed after the restart, with what to do.
/// </summary>
internal sealed class ExportJobs(IServiceScopeFactory scopes, IWebHostEnvironment environment, Microsoft.Extensions.Options.IOptions<ExportOptions> options,
    TimeProvider clock, ILogger<ExportJobs> log) : BackgroundService
{
    private static readonly JsonSerializerOptions JobJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly ConcurrentDictionary<string, ExportJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);
    private readonly Channel<ExportJob> _queue = Channel.CreateUnbounded<ExportJob>();

    public int RetentionHours => options.Value.ExportRetentionHours;

    private string Root => Path.GetFullPath(options.Value.ExportFolder, environment.ContentRootPath);

    public string Folder(string job) => Path.Combine(Root, job);

    public ExportJob Start(AccessPrincipal who, string level, string? group, List<string> types, DateTime? since, string request)
    {
        var job = new ExportJob
        {
            Id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)),
            OwnerUserId = who.UserId,
            OwnerClientId = who.ClientId,
            OwnerOrganisation = who.OrganisationCode,
            OwnerName = who.DisplayName,
            Request = request,
            Level = level,
            GroupOds = group,
            Types = types,
            Since = since,
            TransactionTime = clock.GetUtcNow().UtcDateTime,
        };
        _jobs[job.Id] = job;
        System.IO.Directory.CreateDirectory(Folder(job.Id));
        Save(job);
        _queue.Writer.TryWrite(job);
        return job;
    }

    public ExportJob? Find(string id, AccessPrincipal who)
    {
        if (id.Length != 24 || !id.All(char.IsAsciiHexDigitLower)) return null;
        var job = _jobs.GetValueOrDefault(id) ?? Load(id);
        return job is not null && job.OwnerUserId == who.UserId && job.OwnerClientId == who.ClientId ? job : null;
    }

    public bool Cancel(string id, AccessPrincipal who)
    {
        if (Find(id, who) is not { } job) return false;
        if (_running.TryGetValue(id, out var cts)) cts.Cancel();
        job.Status = "cancelled";
        _jobs.TryRemove(id, out _);
        try
        {
            System.IO.Directory.Delete(Folder(id), recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        return true;
    }

    protected override async System.Threading.Tasks.Task ExecuteAsync(CancellationToken stoppingToken)
    {
        CleanUp();
        await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            if (job.Status == "cancelled") continue;
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _running[job.Id] = cts;
            try
            {
                job.Status = "running";
                await RunAsync(job, cts.Token).ConfigureAwait(false);
                job.Status = "done";
            }
            catch (OperationCanceledException) when (job.Status == "cancelled")
            {
                continue;
            }
            catch (OperationCanceledException)
            {
                job.Status = "failed";
                job.Error = "The server stopped during the export. Start the export again.";
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException)
            {
                log.LogError(ex, "Export {Job} failed", job.Id);
                job.Status = "failed";
                job.Error = $"The export failed ({ex.GetType().Name}). Start it again; if it fails again, tell the service desk the export id {job.Id}.";
            }
            finally
            {
                _running.TryRemove(job.Id, out _);
            }
            job.FinishedAt = clock.GetUtcNow().UtcDateTime;
            if (job.Status != "cancelled") Save(job);
            CleanUp();
        }
    }

    private async System.Threading.Tasks.Task RunAsync(ExportJob job, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JoinedUpDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var directory = scope.ServiceProvider.GetRequiredService<SecurityDirectory>();
        // The cohort: the client's practice's registered patients (what it may search), never national opt-outs.
        var ods = job.GroupOds ?? job.OwnerOrganisation;
        var cohort = SecondaryUse.Cohort(db.Patients.AsNoTracking().Where(p => p.RegisteredPractice != null && p.RegisteredPractice.OdsCode == ods));
        var ids = await cohort.OrderBy(p => p.Id).Select(p => p.Id).ToListAsync(ct).ConfigureAwait(false);
        job.PatientsTotal = ids.Count;
        var sensitive = (await directory.GetAsync(db, ct).ConfigureAwait(false)).SensitiveServiceIds.ToList();
        var writer = new NdjsonExportWriter(Folder(job.Id), job.Types);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var chunk in ids.Chunk(500))
            {
                ct.ThrowIfCancellationRequested();
                await ExportChunkAsync(db, chunk, job, sensitive, writer, ct).ConfigureAwait(false);
                var at = clock.GetUtcNow().UtcDateTime;
                await System.Threading.Tasks.Task.WhenAll(chunk.Select(id => audit.RecordAsync(new JoinedUp.Security.Audit.AuditEvent
                {
                    At = at,
                    UserId = job.OwnerUserId,
                    UserName = job.OwnerName,
                    Role = Roles.System,
                    OrganisationCode = ods,
                    ClientId = job.OwnerClientId,
                    PatientId = id,
                    Action = "record.export",
                    Resource = $"Patient/{id}",
                    Outcome = AuditOutcome.Allowed,
                    Basis = $"bulk export {job.Id} by the registered practice's system",
                }, ct))).ConfigureAwait(false);
                job.PatientsDone += chunk.Length;
                db.ChangeTracker.Clear();
            }
            job.Output = writer.Files();
        }
    }

    /// <summary>One chunk of patients: each type's rows (restricted entries left out), as stored JSON or mapped.</summary>
    internal static async System.Threading.Tasks.Task ExportChunkAsync(JoinedUpDbContext db, long[] chunk, ExportJob job, List<int> sensitive, NdjsonExportWriter writer, CancellationToken ct)
    {
        var since = job.Since ?? DateTime.MinValue;
        foreach (var type in job.Types)
        {
            List<Resource> resources = type switch
            {
                "Patient" => (await db.Patients.AsNoTracking().Where(p => chunk.Contains(p.Id) && p.LastUpdated >= since)
                        .Select(p => new { p, Ods = p.RegisteredPractice!.OdsCode, Name = p.RegisteredPractice.Name }).ToListAsync(ct).ConfigureAwait(false))
                    .Select(x => (Resource)PatientMapping.ToFhir(x.p, x.Ods, x.Name)).ToList(),
                "Encounter" => Map(await Open(db.Encounters).ToListAsync(ct).ConfigureAwait(false), ClinicalResources.ToFhir),
                "Condition" => Map(await Open(db.Conditions).ToListAsync(ct).ConfigureAwait(false), ClinicalResources.ToFhir),
                "Observation" => Map(await Open(db.Observations).ToListAsync(ct).ConfigureAwait(false), ClinicalResources.ToFhir),
                "Immunization" => Map(await Open(db.Immunisations).ToListAsync(ct).ConfigureAwait(false), ClinicalResources.ToFhir),
                "MedicationStatement" => Map(await Open(db.MedicationStatements).ToListAsync(ct).ConfigureAwait(false), ClinicalResources.ToFhir),
                "AllergyIntolerance" => Map(await Open(db.Allergies).ToListAsync(ct).ConfigureAwait(false), ClinicalResources.ToFhir),
                "Procedure" => Map(await Open(db.Procedures).ToListAsync(ct).ConfigureAwait(false), ClinicalResources.ToFhir),
                _ => [],
            };
            // Written through FHIR and unchanged since: exported as sent.
            resources = await ClinicalResources.StoredAsync(db, resources, ct).ConfigureAwait(false);
            await writer.WriteAsync(type, resources, ct).ConfigureAwait(false);
        }

        IQueryable<T> Open<T>(IQueryable<T> set) where T : ClinicalEntry =>
            set.AsNoTracking().Where(e => chunk.Contains(e.PatientId) && e.LastUpdated >= since && !e.Confidential
                && (e.RecordedByServiceId == null || !sensitive.Contains(e.RecordedByServiceId.Value)))
            .OrderBy(e => e.Id);

        static List<Resource> Map<T>(List<T> rows, Func<T, Resource> map) => rows.Select(map).ToList();
    }

    private void Save(ExportJob job)
    {
        var folder = Folder(job.Id);
        if (!System.IO.Directory.Exists(folder)) return;
        File.WriteAllText(Path.Combine(folder, "job.json"), JsonSerializer.Serialize(job, JobJson));
    }

    private ExportJob? Load(string id)
    {
        var path = Path.Combine(Folder(id), "job.json");
        if (!File.Exists(path)) return null;
        var job = JsonSerializer.Deserialize<ExportJob>(File.ReadAllText(path), JobJson);
        if (job is { Status: "queued" or "running" } && !_jobs.ContainsKey(id))
        {
            job.Status = "failed";
            job.Error = "The server restarted during the export. Start the export again.";
        }
        if (job is not null) _jobs.TryAdd(id, job);
        return job;
    }

    /// <summary>Deletes exports older than the retention period.</summary>
    private void CleanUp()
    {
        if (!System.IO.Directory.Exists(Root)) return;
        var cutoff = clock.GetUtcNow().UtcDateTime.AddHours(-RetentionHours);
        foreach (var folder in System.IO.Directory.EnumerateDirectories(Root))
        {
            var jobFile = Path.Combine(folder, "job.json");
            var written = File.Exists(jobFile) ? File.GetLastWriteTimeUtc(jobFile) : System.IO.Directory.GetLastWriteTimeUtc(folder);
            if (written >= cutoff) continue;
            _jobs.TryRemove(Path.GetFileName(folder), out _);
            try
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
            catch (IOException ex)
            {
                log.LogWarning(ex, "Could not delete the expired export {Folder}", folder);
            }
        }
    }
}

/// <summary>One NDJSON file per type in a job's folder, written as the chunks come.</summary>
public sealed class NdjsonExportWriter(string folder, IReadOnlyList<string> types) : IAsyncDisposable
{
    private readonly Dictionary<string, (StreamWriter Writer, long Count)> _files = [];

    public async System.Threading.Tasks.Task WriteAsync(string type, List<Resource> resources, CancellationToken ct)
    {
        if (!_files.TryGetValue(type, out var file))
        {
            file = (new StreamWriter(Path.Combine(folder, $"{type}.ndjson"), false, new UTF8Encoding(false), 1 << 16), 0);
        }
        foreach (var resource in resources)
        {
            await file.Writer.WriteAsync(FhirJson.Serialize(resource).AsMemory(), ct).ConfigureAwait(false);
            await file.Writer.WriteAsync('\n').ConfigureAwait(false);
        }
        _files[type] = (file.Writer, file.Count + resources.Count);
    }

    /// <summary>The files with at least one resource, in the order of the requested types.</summary>
    public List<ExportFile> Files() =>
        types.Where(t => _files.TryGetValue(t, out var f) && f.Count > 0).Select(t => new ExportFile(t, $"{t}.ndjson", _files[t].Count)).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var (writer, _) in _files.Values) await writer.DisposeAsync().ConfigureAwait(false);
        foreach (var type in types.Where(t => _files.TryGetValue(t, out var f) && f.Count == 0)) File.Delete(Path.Combine(folder, $"{type}.ndjson"));
    }
}
