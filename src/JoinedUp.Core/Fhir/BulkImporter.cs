using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using JoinedUp.Record;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using AuditEvent = JoinedUp.Security.Audit.AuditEvent;

namespace JoinedUp.Fhir;

/// <summary>What an import is told: the practice for patients that name none, and how many NDJSON lines to commit at once.</summary>
public sealed record ImportOptions
{
    /// <summary>ODS code of the GP practice that patients without a borough practice are registered with.</summary>
    public string? PracticeCode { get; init; }

    /// <summary>NDJSON lines per committed chunk (each chunk is one transaction with its checkpoint).</summary>
    public int ChunkSize { get; init; } = 2000;

    /// <summary>Who runs the import, for the audit trail.</summary>
    public string Operator { get; init; } = "joinedup import";

    /// <summary>The audit identity of an import through the API (user, role, organisation, client); the operator's when null.</summary>
    public JoinedUp.Security.Audit.AuditEvent? AuditAs { get; init; }
}

/// <summary>Progress of an import: files and entries so far, for a progress bar.</summary>
public sealed record ImportProgress(int FilesDone, int FilesTotal, long EntriesDone, long EntriesStored, TimeSpan Elapsed, string CurrentFile);

/// <summary>
/// What an import did: resources stored and already present by type, what was not stored by type and reason, and
/// the files skipped because an earlier run had completed them.
/// </summary>
public sealed class ImportSummary
{
    public SortedDictionary<string, long> Stored { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, long> AlreadyPresent { get; } = new(StringComparer.Ordinal);

    /// <summary>(resource type, reason) → count.</summary>
    public SortedDictionary<(string Type, string Reason), long> NotStored { get; } = [];

    public List<string> FilesImported { get; } = [];

    public List<string> FilesAlreadyImported { get; } = [];

    /// <summary>Files resumed after an earlier run stopped part-way, with the entry they resumed at.</summary>
    public List<(string File, long From)> FilesResumed { get; } = [];

    public TimeSpan Elapsed { get; set; }

    public long StoredTotal => Stored.Values.Sum();

    public long NotStoredTotal => NotStored.Values.Sum();

    /// <summary>Entries of kept types that could not be stored (invalid, refused, unreadable): fix and run again.</summary>
    public long Failed { get; private set; }

    internal void Add(WriteResult result)
    {
        foreach (var entry in result.Entries)
        {
            switch (entry.Outcome)
            {
                case EntryOutcome.Created: Stored[entry.ResourceType] = Stored.GetValueOrDefault(entry.ResourceType) + 1; break;
                case EntryOutcome.Existing: AlreadyPresent[entry.ResourceType] = AlreadyPresent.GetValueOrDefault(entry.ResourceType) + 1; break;
                default:
                    NotStoredBecause(entry.ResourceType, Reason(entry), entry.Failed);
                    break;
            }
        }
    }

    internal void NotStoredBecause(string type, string reason, bool failed = false)
    {
        NotStored[(type, reason)] = NotStored.GetValueOrDefault((type, reason)) + 1;
        if (!failed) return;
        Failed++;
        _failures.Add((type, reason));
    }

    private readonly HashSet<(string Type, string Reason)> _failures = [];

    /// <summary>True when entries were not stored for this reason because of a problem to fix (not because the type is not kept).</summary>
    public bool IsFailure(string type, string reason) => _failures.Contains((type, reason));

    /// <summary>One reason per kind of problem (not per value), so the summary groups them.</summary>
    private static string Reason(EntryResult entry)
    {
        var reason = entry.Problems is { Count: > 0 } p ? $"{p[0].Expression}: {p[0].Message}" : entry.Reason ?? entry.Outcome.ToString();
        // Group "urn:uuid:… is not an entry" and similar by dropping the specific ids.
        return System.Text.RegularExpressions.Regex.Replace(reason, @"(urn:uuid:[0-9a-fA-F-]+|[A-Za-z]+/[A-Za-z0-9\-.]+|entry \d+)", m => m.Value.StartsWith("entry", StringComparison.Ordinal) ? "entry n" : "<ref>");
    }
}

/// <summary>
/// Bulk import of FHIR data into the shared record (`joinedup import PATH`, and the $import operation): a folder or a
/// file of transaction/batch/collection bundles (.json) or NDJSON (.ndjson, one resource per line, Patient files
/// first). Each bundle, and each chunk of NDJSON lines, is one transaction committed with a checkpoint keyed by the
/// file's SHA-256, so a run stopped at any point resumes where it stopped, and a file imported before is skipped:
/// nothing is stored twice. Good entries are stored and bad ones reported (type, count, reason); nothing is
/// dropped silently. Every patient whose record gains entries gets an audit entry.
/// </summary>
public sealed class BulkImporter(StorageOptions storage, AuditTrail audit, TimeProvider clock)
{
    private static readonly string[] DependencyOrder = ["Patient", "Encounter"];

    public async Task<ImportSummary> ImportAsync(string path, ImportOptions options, IProgress<ImportProgress>? progress, CancellationToken ct)
    {
        var files = Files(path);
        var summary = new ImportSummary();
        var watch = Stopwatch.StartNew();
        long entriesDone = 0;
        var done = 0;
        int? practiceId = null;
        if (options.PracticeCode is { } ods)
        {
            await using var db = JoinedUpStorage.CreateContext(storage);
            practiceId = await db.Organisations.AsNoTracking().Where(o => o.OdsCode == ods && o.Kind == JoinedUp.Directory.OrganisationKind.GpPractice)
                .Select(o => (int?)o.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false)
                ?? throw new ImportRefusedException($"--practice {ods} is not a GP practice in this borough's directory (see `joinedup stats` or the Organization endpoint).");
        }
        var gate = new ImportGate(practiceId);
        var cache = new SourceIdCache();
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            var name = Path.GetFileName(file);
            var hash = await HashAsync(file, ct).ConfigureAwait(false);
            long from;
            await using (var db = JoinedUpStorage.CreateContext(storage))
            {
                var checkpoint = await db.ImportCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.FileHash == hash, ct).ConfigureAwait(false);
                if (checkpoint is { Completed: true })
                {
                    summary.FilesAlreadyImported.Add(name);
                    done++;
                    continue;
                }
                from = checkpoint?.Position ?? 0;
                if (from > 0) summary.FilesResumed.Add((name, from));
            }
            void Report(long entries)
            {
                entriesDone += entries;
                progress?.Report(new ImportProgress(done, files.Count, entriesDone, summary.StoredTotal, watch.Elapsed, name));
            }
            if (file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase))
            {
                await ImportNdjsonFileAsync(file, name, hash, from, options, gate, summary, Report, ct).ConfigureAwait(false);
            }
            else
            {
                await ImportBundleFileAsync(file, name, hash, gate, summary, Report, ct).ConfigureAwait(false);
            }
            summary.FilesImported.Add(name);
            done++;
            progress?.Report(new ImportProgress(done, files.Count, entriesDone, summary.StoredTotal, watch.Elapsed, name));
        }
        summary.Elapsed = watch.Elapsed;
        return summary;

        async System.Threading.Tasks.Task ImportBundleFileAsync(string file, string name, string hash, ImportGate gate, ImportSummary summary, Action<long> report, CancellationToken ct)
        {
            Bundle bundle;
            try
            {
                await using var stream = File.OpenRead(file);
                bundle = await JsonSerializer.DeserializeAsync<Bundle>(stream, FhirJson.Read, ct).ConfigureAwait(false)
                    ?? throw new JsonException("The file is empty.");
            }
            catch (Exception ex) when (ex is JsonException or DeserializationFailedException or InvalidCastException or NotSupportedException)
            {
                summary.NotStoredBecause("(file)", $"{name}: not a FHIR Bundle: {FirstLine(ex.Message)}", failed: true);
                await MarkAsync(hash, name, 0, completed: true, ct).ConfigureAwait(false);
                return;
            }
            var failed = await ImportBundleAsync(bundle, gate.For, options, cache, summary,
                (tx, c) => CheckpointAsync(tx, hash, name, bundle.Entry.Count, completed: true, c), ct).ConfigureAwait(false);
            // Entries that failed (no practice given, a bad reference) are retried by the next run: the rest match.
            if (failed > 0) await MarkAsync(hash, name, 0, completed: false, ct).ConfigureAwait(false);
            report(bundle.Entry.Count);
        }

        async System.Threading.Tasks.Task ImportNdjsonFileAsync(string file, string name, string hash, long from, ImportOptions options, ImportGate gate,
            ImportSummary summary, Action<long> report, CancellationToken ct)
        {
            using var reader = new StreamReader(file);
            var failed = await ImportNdjsonAsync(reader, from, gate.For, options, cache, summary,
                (tx, position, completed, c) => CheckpointAsync(tx, hash, name, position, completed, c), report, ct).ConfigureAwait(false);
            // Lines that failed are retried by the next run, which reads the file again (stored lines then match).
            if (failed > 0) await MarkAsync(hash, name, 0, completed: false, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Imports one bundle's entries (each kept type stored, the rest reported); returns how many entries failed.</summary>
    public async Task<long> ImportBundleAsync(Bundle bundle, Func<JoinedUpDbContext, IWriteGate> gate, ImportOptions options, SourceIdCache cache, ImportSummary summary,
        Func<JoinedUpDbContext, CancellationToken, System.Threading.Tasks.Task>? checkpoint, CancellationToken ct)
    {
        var entries = bundle.Entry.Where(e => e.Resource is not null).Select(e => new WriteEntry(e.FullUrl, e.Resource!, e.Request?.IfNoneExist)).ToList();
        await using var db = JoinedUpStorage.CreateContext(storage);
        var writer = new RecordWriter(db, clock, cache);
        var result = await writer.SaveAsync(entries, gate(db), WriteMode.BestEffort, checkpoint, ct).ConfigureAwait(false);
        summary.Add(result);
        await AuditAsync(result, options, ct).ConfigureAwait(false);
        return result.Entries.Count(e => e.Failed);
    }

    /// <summary>
    /// Imports NDJSON lines from <paramref name="from"/> on, in chunks committed with <paramref name="checkpoint"/>
    /// (position, completed); lines are parsed on other threads while the previous chunk is written. Returns how
    /// many lines failed.
    /// </summary>
    public async Task<long> ImportNdjsonAsync(TextReader reader, long from, Func<JoinedUpDbContext, IWriteGate> gate, ImportOptions options, SourceIdCache cache,
        ImportSummary summary, Func<JoinedUpDbContext, long, bool, CancellationToken, System.Threading.Tasks.Task>? checkpoint, Action<long>? report, CancellationToken ct)
    {
        long line = 0;
        long failed = 0;
        var raw = new List<string>(options.ChunkSize);
        Task<ParsedChunk>? waiting = null;
        while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } text)
        {
            line++;
            if (line <= from) continue;
            raw.Add(text);
            if (raw.Count >= options.ChunkSize)
            {
                var lines = raw;
                var end = line;
                var parsing = System.Threading.Tasks.Task.Run(() => Parse(lines, end), ct);
                if (waiting is not null) await WriteAsync(await waiting.ConfigureAwait(false), completed: false).ConfigureAwait(false);
                waiting = parsing;
                raw = new List<string>(options.ChunkSize);
            }
        }
        if (waiting is not null) await WriteAsync(await waiting.ConfigureAwait(false), completed: false).ConfigureAwait(false);
        await WriteAsync(Parse(raw, line), completed: true).ConfigureAwait(false);
        return failed;

        async System.Threading.Tasks.Task WriteAsync(ParsedChunk chunk, bool completed)
        {
            foreach (var (type, message) in chunk.Unreadable)
            {
                summary.NotStoredBecause(type, $"not valid FHIR JSON: {message}", failed: true);
                failed++;
            }
            foreach (var type in chunk.NotKept) summary.NotStoredBecause(type, RecordWriter.NotStoredReason(type));
            await using var db = JoinedUpStorage.CreateContext(storage);
            var writer = new RecordWriter(db, clock, cache);
            var result = await writer.SaveAsync(chunk.Entries, gate(db), WriteMode.BestEffort,
                checkpoint is null ? null : (tx, c) => checkpoint(tx, chunk.Position, completed, c), ct).ConfigureAwait(false);
            summary.Add(result);
            failed += result.Entries.Count(e => e.Failed);
            await AuditAsync(result, options, ct).ConfigureAwait(false);
            report?.Invoke(chunk.Lines);
        }
    }

    /// <summary>One audit entry per patient whose record gained entries.</summary>
    private async System.Threading.Tasks.Task AuditAsync(WriteResult result, ImportOptions options, CancellationToken ct)
    {
        foreach (var (patientId, count) in result.CreatedByPatient)
        {
            var template = options.AuditAs ?? new AuditEvent
            {
                Action = "record.import",
                Resource = "",
                Outcome = AuditOutcome.Allowed,
                UserName = options.Operator,
                Role = JoinedUp.Security.Roles.System,
                Basis = "bulk import by the system operator",
            };
            await audit.RecordAsync(template with
            {
                At = result.At,
                PatientId = patientId,
                Action = "record.import",
                Resource = $"Patient/{patientId}",
                Outcome = AuditOutcome.Allowed,
                Detail = $"{count} resource(s) imported",
            }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>NDJSON lines parsed (strictly): the resources, the lines that are not valid FHIR, and the file position after them.</summary>
    private sealed record ParsedChunk(List<WriteEntry> Entries, List<(string Type, string Message)> Unreadable, long Position, int Lines, List<string> NotKept);

    private static ParsedChunk Parse(List<string> lines, long position)
    {
        var parsed = lines.AsParallel().AsOrdered().Select(text =>
        {
            if (string.IsNullOrWhiteSpace(text)) return (Entry: (WriteEntry?)null, Problem: ((string, string)?)null, Skipped: (string?)null);
            // A type JoinedUp does not keep (Claim, ExplanationOfBenefit: the largest lines) is counted, not parsed.
            if (LeadingType(text) is { } type && !RecordMapping.StoredTypes.Contains(type)) return (null, null, type);
            try
            {
                var resource = JsonSerializer.Deserialize<Resource>(text, FhirJson.Read) ?? throw new JsonException("empty line");
                return (new WriteEntry(null, resource), null, null);
            }
            catch (Exception ex) when (ex is JsonException or DeserializationFailedException or InvalidCastException or NotSupportedException)
            {
                return (null, (LeadingType(text) ?? TypeOf(text), FirstLine(ex.Message)), null);
            }
        }).ToList();
        return new ParsedChunk(parsed.Where(p => p.Entry is not null).Select(p => p.Entry!).ToList(),
            parsed.Where(p => p.Problem is not null).Select(p => p.Problem!.Value).ToList(), position, lines.Count,
            parsed.Where(p => p.Skipped is not null).Select(p => p.Skipped!).ToList());
    }

    /// <summary>
    /// The resourceType when it is the line's first property (as bulk exports and Synthea write it) and a plain
    /// name; otherwise null, and the line is parsed in full.
    /// </summary>
    private static string? LeadingType(string line)
    {
        const string prefix = "{\"resourceType\":\"";
        if (!line.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var end = line.IndexOf('"', prefix.Length);
        if (end < 0 || end - prefix.Length > 64) return null;
        var type = line[prefix.Length..end];
        return type.All(char.IsAsciiLetter) ? type : null;
    }

    private async System.Threading.Tasks.Task MarkAsync(string hash, string name, long position, bool completed, CancellationToken ct)
    {
        await using var db = JoinedUpStorage.CreateContext(storage);
        await CheckpointAsync(db, hash, name, position, completed, ct).ConfigureAwait(false);
    }

    private async System.Threading.Tasks.Task CheckpointAsync(JoinedUpDbContext db, string hash, string name, long position, bool completed, CancellationToken ct)
    {
        var checkpoint = await db.ImportCheckpoints.FirstOrDefaultAsync(c => c.FileHash == hash, ct).ConfigureAwait(false);
        if (checkpoint is null)
        {
            checkpoint = new ImportCheckpoint { FileHash = hash, FileName = name.Length <= 260 ? name : name[..260] };
            db.ImportCheckpoints.Add(checkpoint);
        }
        checkpoint.Position = position;
        checkpoint.Completed = completed;
        checkpoint.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The files to import, in order: bundles (each self-contained), then NDJSON with Patient and Encounter files first.</summary>
    public static List<string> Files(string path)
    {
        if (File.Exists(path))
        {
            return IsImportable(path) ? [path] : throw new ImportRefusedException($"{path} is not a .json bundle or an .ndjson file.");
        }
        if (!System.IO.Directory.Exists(path)) throw new ImportRefusedException($"{path} does not exist. Give a folder of FHIR bundles (.json) or NDJSON files (.ndjson), or one such file.");
        var files = System.IO.Directory.EnumerateFiles(path).Where(IsImportable).ToList();
        if (files.Count == 0) throw new ImportRefusedException($"{path} holds no .json or .ndjson files.");
        return files
            .OrderBy(f => f.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) ? 1 : 0)
            .ThenBy(f => Rank(f))
            .ThenBy(f => f, StringComparer.Ordinal)
            .ToList();

        static int Rank(string file)
        {
            if (!file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase)) return 0;
            using var reader = new StreamReader(file);
            var type = TypeOf(reader.ReadLine() ?? "");
            var index = Array.IndexOf(DependencyOrder, type);
            return index < 0 ? DependencyOrder.Length : index;
        }
    }

    private static bool IsImportable(string file) =>
        file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);

    /// <summary>The resourceType of a JSON line, or "(unreadable)".</summary>
    private static string TypeOf(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.TryGetProperty("resourceType", out var type) && type.GetString() is { Length: > 0 and <= 64 } t ? t : "(unknown type)";
        }
        catch (JsonException)
        {
            return "(unreadable)";
        }
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();

    private static async Task<string> HashAsync(string file, CancellationToken ct)
    {
        await using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
    }

    /// <summary>The system operator's import: new patients go to their own borough practice, or the one given; any record may gain entries.</summary>
    private sealed class ImportGate(int? practiceId)
    {
        private int? PracticeId { get; } = practiceId;

        private readonly Dictionary<string, int?> _practices = new(StringComparer.Ordinal);

        public IWriteGate For(JoinedUpDbContext db) => new Bound(this, db);

        private sealed class Bound(ImportGate gate, JoinedUpDbContext db) : IWriteGate
        {
            public int? RecordingServiceId => null;

            public async Task<(int? PracticeId, string? Refusal)> RegisterAsync(string? code, CancellationToken ct)
            {
                if (code is null)
                {
                    return gate.PracticeId is { } id ? (id, null)
                        : (null, "The patient names no borough GP practice: pass --practice <ODS code> to register such patients there.");
                }
                if (!gate._practices.TryGetValue(code, out var found))
                {
                    found = await db.Organisations.AsNoTracking().Where(o => o.OdsCode == code).Select(o => (int?)o.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                    gate._practices[code] = found;
                }
                return (found, null);
            }

            public Task<string?> MayWriteAsync(long patientId, CancellationToken ct) => System.Threading.Tasks.Task.FromResult<string?>(null);
        }

    }
}

/// <summary>An import refused to start; the message says what to fix.</summary>
public sealed class ImportRefusedException(string message) : Exception(message);
