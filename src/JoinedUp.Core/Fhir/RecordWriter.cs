using System.Globalization;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using JoinedUp.Record;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using FhirPatient = Hl7.Fhir.Model.Patient;
using Patient = JoinedUp.Record.Patient;

namespace JoinedUp.Fhir;

/// <summary>One resource to create, as it came in a bundle entry or an NDJSON line.</summary>
/// <param name="FullUrl">The entry's fullUrl (urn:uuid:… in a transaction), or null.</param>
/// <param name="Resource">The resource, parsed strictly.</param>
/// <param name="IfNoneExist">The entry's conditional-create query (identifier=system|value), or null.</param>
public sealed record WriteEntry(string? FullUrl, Resource Resource, string? IfNoneExist = null);

/// <summary>What happened to one entry.</summary>
public enum EntryOutcome
{
    /// <summary>Stored as a new resource (201).</summary>
    Created,

    /// <summary>Already on the server (same identifier, source id or If-None-Exist match): nothing changed (200).</summary>
    Existing,

    /// <summary>A resource type JoinedUp does not keep: reported, not stored (422 in a bundle response).</summary>
    NotStored,

    /// <summary>The resource has a problem the client must fix (400).</summary>
    Invalid,

    /// <summary>The caller may not write this (403).</summary>
    Refused,

    /// <summary>If-None-Exist matched more than one resource (412).</summary>
    Ambiguous,
}

/// <summary>The result for one entry: its outcome, the resource's id on this server, and why, when it was not stored.</summary>
public sealed record EntryResult(int Index, string ResourceType, EntryOutcome Outcome, long? Id = null, string? Reason = null, IReadOnlyList<FhirProblem>? Problems = null)
{
    /// <summary>The HTTP status a bundle response gives this entry.</summary>
    public int Status => Outcome switch
    {
        EntryOutcome.Created => 201,
        EntryOutcome.Existing => 200,
        EntryOutcome.NotStored => 422,
        EntryOutcome.Refused => 403,
        EntryOutcome.Ambiguous => 412,
        _ => 400,
    };

    public bool Failed => Outcome is EntryOutcome.Invalid or EntryOutcome.Refused or EntryOutcome.Ambiguous;
}

/// <summary>All entries' results, and which patients gained entries (for the audit trail).</summary>
public sealed record WriteResult(IReadOnlyList<EntryResult> Entries, bool Written, IReadOnlyDictionary<long, int> CreatedByPatient, DateTime At);

/// <summary>How a set of entries is written.</summary>
public enum WriteMode
{
    /// <summary>All or nothing: one invalid or refused entry and nothing is stored (a FHIR transaction).</summary>
    Transaction,

    /// <summary>Store every good entry, report the others (bulk import; each batch entry on its own).</summary>
    BestEffort,
}

/// <summary>Who is writing: decides on new patients and on entries for existing ones. One gate per request or import.</summary>
public interface IWriteGate
{
    /// <summary>The practice a new patient is registered with (its ODS code from the resource, or the caller's), or why not.</summary>
    Task<(int? PracticeId, string? Refusal)> RegisterAsync(string? practiceCode, CancellationToken ct);

    /// <summary>Null when the caller may add entries to this existing patient's record; otherwise the reason.</summary>
    Task<string?> MayWriteAsync(long patientId, CancellationToken ct);

    /// <summary>The service the entries are recorded by (their security label), when the caller works for one.</summary>
    int? RecordingServiceId { get; }
}

/// <summary>
/// Creates resources in the shared record from bundles and bulk files (docs/adr/0003): the relational row, the full
/// resource JSON (references rewritten to this server's ids) and its identifiers, in the caller's transaction.
/// Identifiers, source ids (a bundle's urn:uuid, an NDJSON resource's Type/id) and If-None-Exist are matched against
/// the unique resource_identifier index, so a bundle sent twice, two identical creates at once or an import resumed
/// after a crash store each resource once. Types JoinedUp does not keep are reported by type, never silently dropped.
/// </summary>
public sealed class RecordWriter(JoinedUpDbContext db, TimeProvider clock, SourceIdCache? cache = null)
{
    private readonly SourceIdCache _cache = cache ?? new SourceIdCache();

    private const int MaxKeyLength = 200;

    internal sealed class Plan(int index, WriteEntry entry)
    {
        public int Index { get; } = index;
        public WriteEntry Entry { get; } = entry;
        public string Type => Entry.Resource.TypeName;

        /// <summary>What other entries call it: its fullUrl, or Type/id for an NDJSON line (its source id).</summary>
        public string? Url => Entry.FullUrl ?? (Entry.Resource.Id is { Length: > 0 } id ? $"{Type}/{id}" : null);
        public List<(string System, string Value)> Keys { get; } = [];

        /// <summary>Keys no resource holds yet: an entry that matches an existing resource lends them to it.</summary>
        public List<(string System, string Value)> UnknownKeys { get; set; } = [];
        public EntryResult? Result { get; set; }
        public Patient? NewPatient { get; set; }
        public ClinicalEntry? Row { get; set; }
        public Plan? PatientPlan { get; set; }
        public long? PatientId { get; set; }
        public Plan? EncounterPlan { get; set; }
        public List<ResourceReference> References { get; } = [];
        public long? Id => NewPatient?.Id ?? Row?.Id;
    }

    /// <summary>Entries read, matched and checked, ready to write. <see cref="Failed"/>: some entry cannot be stored.</summary>
    public sealed class WritePlan
    {
        internal WritePlan(List<Plan> plans, DateTime now)
        {
            Plans = plans;
            Now = now;
        }

        internal List<Plan> Plans { get; }

        internal DateTime Now { get; }

        public bool Failed => Plans.Any(p => p.Result?.Failed == true);

        /// <summary>The results so far (entries not yet written have none).</summary>
        public WriteResult Preview() => Finish(Plans, written: false, Now);
    }

    /// <summary>
    /// Reads, matches and checks <paramref name="entries"/> without writing. Call it outside any database transaction:
    /// the gate's decisions are audited through their own connection.
    /// </summary>
    public async Task<WritePlan> PlanAsync(IReadOnlyList<WriteEntry> entries, IWriteGate gate, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        now = new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
        var plans = entries.Select((e, i) => new Plan(i, e)).ToList();
        var byFullUrl = new Dictionary<string, Plan>(StringComparer.Ordinal);
        foreach (var plan in plans)
        {
            // The same resource twice (e.g. a hospital Organization in several Synthea files): only an error for kept types.
            if (plan.Url is { Length: > 0 } url && !byFullUrl.TryAdd(url, plan) && RecordMapping.StoredTypes.Contains(plan.Type))
            {
                plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Invalid, Reason: $"fullUrl {url} appears twice in the bundle.",
                    Problems: [new FhirProblem("Bundle.entry.fullUrl", $"fullUrl {url} appears twice in the bundle.")]);
            }
        }

        // 1. Which entries JoinedUp keeps, and their keys.
        foreach (var plan in plans.Where(p => p.Result is null))
        {
            var type = plan.Type;
            if (!RecordMapping.StoredTypes.Contains(type))
            {
                plan.Result = new EntryResult(plan.Index, type, EntryOutcome.NotStored, Reason: NotStoredReason(type));
                continue;
            }
            if (SourceKey(plan.Entry) is { } source) plan.Keys.Add((ResourceIdentifier.SourceSystem, source));
            foreach (var identifier in Identifiers(plan.Entry.Resource))
            {
                if (string.IsNullOrEmpty(identifier.System) || string.IsNullOrEmpty(identifier.Value)) continue;
                if (identifier.System.Length > MaxKeyLength || identifier.Value.Length > MaxKeyLength)
                {
                    plan.Result = Invalid(plan, $"{type}.identifier", $"An identifier's system and value are at most {MaxKeyLength} characters.");
                    break;
                }
                if (!plan.Keys.Contains((identifier.System, identifier.Value))) plan.Keys.Add((identifier.System, identifier.Value));
            }
        }
        var claimed = new Dictionary<(string, string, string), Plan>();
        foreach (var plan in plans.Where(p => p.Result is null))
        {
            foreach (var (system, value) in plan.Keys)
            {
                if (!claimed.TryAdd((plan.Type, system, value), plan) && claimed[(plan.Type, system, value)] != plan)
                {
                    plan.Result = Invalid(plan, $"{plan.Type}.identifier", $"Two entries in this bundle have the identifier {system}|{value}.");
                    break;
                }
            }
        }

        // 2. Already here? Identifiers and source ids, NHS numbers, and If-None-Exist.
        await MatchExistingAsync(plans, ct).ConfigureAwait(false);

        // 3. Read each new entry's row and resolve its references (looked up for the whole set at once).
        await PrefetchReferencesAsync(plans, byFullUrl, ct).ConfigureAwait(false);
        var mayWrite = new Dictionary<long, string?>();
        foreach (var plan in plans.Where(p => p.Result is null && p.Type == "Patient"))
        {
            var (fields, problems) = await PatientFields.FromFhirAsync((FhirPatient)plan.Entry.Resource, db, ct).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                plan.Result = new EntryResult(plan.Index, "Patient", EntryOutcome.Invalid, Reason: problems[0].Message, Problems: problems.Select(p => new FhirProblem(p.Expression, p.Message)).ToList());
                continue;
            }
            var (practiceId, refusal) = await gate.RegisterAsync(fields!.PracticeCode, ct).ConfigureAwait(false);
            if (refusal is not null)
            {
                plan.Result = new EntryResult(plan.Index, "Patient", EntryOutcome.Refused, Reason: refusal);
                continue;
            }
            plan.NewPatient = fields.NewPatient(practiceId, now);
        }
        // Encounters first, so that entries pointing at an encounter in the same bundle find it planned.
        foreach (var plan in plans.Where(p => p.Result is null && p.Type != "Patient").OrderBy(p => p.Type == "Encounter" ? 0 : 1))
        {
            var (patientRef, patientElement) = RecordMapping.PatientReference(plan.Entry.Resource);
            var (patientPlan, patientId, patientProblem) = await ResolveAsync(patientRef, "Patient", patientElement, byFullUrl, ct).ConfigureAwait(false);
            if (patientProblem is not null)
            {
                plan.Result = Invalid(plan, patientElement, patientProblem);
                continue;
            }
            if (patientPlan is { NewPatient: null })
            {
                // The patient entry is in the bundle but is not being created: it failed, or it matched an existing patient.
                if (patientPlan.Result is { Outcome: EntryOutcome.Existing, Id: { } existingId }) patientId = existingId;
                else
                {
                    plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Invalid, Reason: $"Its patient (entry {patientPlan.Index}) was not stored.",
                        Problems: [new FhirProblem(patientElement, $"Its patient (entry {patientPlan.Index}) was not stored.")]);
                    continue;
                }
                patientPlan = null;
            }
            if (patientId is { } existing)
            {
                if (!mayWrite.TryGetValue(existing, out var refusal))
                {
                    refusal = await gate.MayWriteAsync(existing, ct).ConfigureAwait(false);
                    mayWrite[existing] = refusal;
                }
                if (refusal is not null)
                {
                    plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Refused, Reason: refusal);
                    continue;
                }
            }
            plan.PatientPlan = patientPlan;
            plan.PatientId = patientId;

            long? encounterId = null;
            var (encounterRef, encounterElement) = RecordMapping.EncounterReference(plan.Entry.Resource);
            if (encounterRef?.Reference is not null)
            {
                var (encounterPlan, foundId, encounterProblem) = await ResolveAsync(encounterRef, "Encounter", encounterElement, byFullUrl, ct).ConfigureAwait(false);
                if (encounterProblem is not null)
                {
                    plan.Result = Invalid(plan, encounterElement, encounterProblem);
                    continue;
                }
                if (encounterPlan is { Row: null }) foundId = encounterPlan.Result is { Outcome: EntryOutcome.Existing } r ? r.Id : null;
                else plan.EncounterPlan = encounterPlan;
                encounterId = foundId;
            }
            var (row, problems) = RecordMapping.ToRow(plan.Entry.Resource, patientId ?? 0, encounterId, now);
            if (row is null)
            {
                plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Invalid, Reason: problems[0].Message, Problems: problems);
                continue;
            }
            row.RecordedByServiceId = gate.RecordingServiceId;
            plan.Row = row;
        }
        return new WritePlan(plans, now);
    }

    /// <summary>
    /// Writes a plan inside the caller's database transaction (begin one first). In <see cref="WriteMode.Transaction"/>
    /// a plan with a failed entry writes nothing. A <see cref="DbUpdateException"/> means a concurrent identical create
    /// won a unique index: roll back, clear the context, plan again and write again.
    /// </summary>
    public async Task<WriteResult> WriteAsync(WritePlan writePlan, WriteMode mode, CancellationToken ct)
    {
        var plans = writePlan.Plans;
        var now = writePlan.Now;
        if (mode == WriteMode.Transaction && writePlan.Failed) return Finish(plans, written: false, now);

        // 4. Write, with bulk inserts in the caller's transaction: patients, then encounters, then the rest, then each
        // resource's JSON and identifiers. An entry that matched an existing resource (same NHS number, identifier or
        // If-None-Exist) gives it the keys it did not have yet, so later references by those keys (an NDJSON line's
        // Type/id) find it.
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Begin a database transaction before writing a plan.");
        var identifiers = new List<(string Type, string System, string Value, long ResourceId)>();
        foreach (var plan in plans.Where(p => p.Result is { Outcome: EntryOutcome.Existing, Id: not null }))
        {
            foreach (var (system, value) in plan.UnknownKeys) identifiers.Add((plan.Type, system, value, plan.Result!.Id!.Value));
        }
        var toWrite = plans.Where(p => p.Result is null).ToList();
        var writer = BulkWriter.Create(connection, transaction);
        await using (writer.ConfigureAwait(false))
        {
            var patients = toWrite.Where(p => p.NewPatient is not null).Select(p => p.NewPatient!).ToList();
            var patientIds = await RecordRows.ReserveAsync(connection, transaction, RecordRows.Patient, patients.Count, ct).ConfigureAwait(false);
            for (var i = 0; i < patients.Count; i++) patients[i].Id = patientIds[i];
            await writer.WriteAsync(RecordRows.Patient, patients.Select(RecordRows.Values).ToList(), ct).ConfigureAwait(false);

            foreach (var plan in toWrite.Where(p => p.Row is not null))
            {
                plan.PatientId ??= plan.PatientPlan!.NewPatient!.Id;
                plan.Row!.PatientId = plan.PatientId.Value;
            }
            var encounters = toWrite.Where(p => p.Row is JoinedUp.Record.Encounter).Select(p => p.Row!).ToList();
            await InsertAsync(RecordRows.Encounter, encounters).ConfigureAwait(false);
            foreach (var plan in toWrite.Where(p => p.EncounterPlan?.Row is not null))
            {
                switch (plan.Row)
                {
                    case JoinedUp.Record.Observation o: o.EncounterId = plan.EncounterPlan!.Row!.Id; break;
                    case JoinedUp.Record.Procedure p: p.EncounterId = plan.EncounterPlan!.Row!.Id; break;
                }
            }
            foreach (var group in toWrite.Where(p => p.Row is not null and not JoinedUp.Record.Encounter).GroupBy(p => RecordRows.TableOf(p.Row!)))
            {
                await InsertAsync(group.Key, group.Select(p => p.Row!).ToList()).ConfigureAwait(false);
            }

            var idsByUrl = new Dictionary<string, string>(StringComparer.Ordinal);
            var notStoredByUrl = new Dictionary<string, Resource>(StringComparer.Ordinal);
            foreach (var plan in plans)
            {
                if (plan.Url is not { Length: > 0 } url) continue;
                if (plan.Id is { } id) idsByUrl[url] = $"{plan.Type}/{id.ToString(CultureInfo.InvariantCulture)}";
                else if (plan.Result is { Outcome: EntryOutcome.Existing, Id: { } existing }) idsByUrl[url] = $"{plan.Type}/{existing.ToString(CultureInfo.InvariantCulture)}";
                else if (plan.Result is { Outcome: EntryOutcome.NotStored }) notStoredByUrl[url] = plan.Entry.Resource;
            }
            // Serialising is the writer's biggest CPU cost: each entry's JSON is independent, so it uses every core.
            var json = new string[toWrite.Count];
            if (toWrite.Count >= 64) Parallel.For(0, toWrite.Count, i => json[i] = StoredJson(toWrite[i], toWrite[i].Id!.Value, now, idsByUrl, notStoredByUrl));
            else for (var i = 0; i < toWrite.Count; i++) json[i] = StoredJson(toWrite[i], toWrite[i].Id!.Value, now, idsByUrl, notStoredByUrl);
            var versions = new List<object?[]>(toWrite.Count);
            for (var i = 0; i < toWrite.Count; i++)
            {
                var plan = toWrite[i];
                var id = plan.Id!.Value;
                versions.Add([0L, plan.Type, id, 1, now, "create", json[i]]);
                foreach (var (system, value) in plan.Keys) identifiers.Add((plan.Type, system, value, id));
                plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Created, id);
            }
            var versionIds = await RecordRows.ReserveAsync(connection, transaction, RecordRows.Version, versions.Count, ct).ConfigureAwait(false);
            for (var i = 0; i < versions.Count; i++) versions[i][0] = versionIds[i];
            await writer.WriteAsync(RecordRows.Version, versions, ct).ConfigureAwait(false);
            var identifierIds = await RecordRows.ReserveAsync(connection, transaction, RecordRows.Identifier, identifiers.Count, ct).ConfigureAwait(false);
            await writer.WriteAsync(RecordRows.Identifier, identifiers.Select((k, i) => new object?[] { identifierIds[i], k.Type, k.System, k.Value, k.ResourceId }).ToList(), ct).ConfigureAwait(false);
        }
        return Finish(plans, written: true, now);

        async System.Threading.Tasks.Task InsertAsync(BulkTable table, List<ClinicalEntry> rows)
        {
            var ids = await RecordRows.ReserveAsync(connection, transaction, table, rows.Count, ct).ConfigureAwait(false);
            for (var i = 0; i < rows.Count; i++) rows[i].Id = ids[i];
            await writer.WriteAsync(table, rows.Select(RecordRows.Values).ToList(), ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Plans and writes in one database transaction, with <paramref name="alsoInTransaction"/> (an import's checkpoint)
    /// committed with it. When a concurrent identical create wins a unique index, plans again (the entry then matches
    /// the other's resource) up to three times.
    /// </summary>
    public async Task<WriteResult> SaveAsync(IReadOnlyList<WriteEntry> entries, IWriteGate gate, WriteMode mode,
        Func<JoinedUpDbContext, CancellationToken, System.Threading.Tasks.Task>? alsoInTransaction, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var plan = await PlanAsync(entries, gate, ct).ConfigureAwait(false);
            if (mode == WriteMode.Transaction && plan.Failed) return plan.Preview();
            var tx = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (tx.ConfigureAwait(false))
            {
                try
                {
                    var result = await WriteAsync(plan, mode, ct).ConfigureAwait(false);
                    if (alsoInTransaction is not null) await alsoInTransaction(db, ct).ConfigureAwait(false);
                    await tx.CommitAsync(ct).ConfigureAwait(false);
                    foreach (var p in plan.Plans.Where(p => p.Result is { Outcome: EntryOutcome.Created or EntryOutcome.Existing, Id: not null }))
                    {
                        foreach (var (system, value) in p.Keys.Where(k => k.System == ResourceIdentifier.SourceSystem)) _cache.Add(p.Type, value, p.Result!.Id!.Value);
                    }
                    return result;
                }
                catch (Exception ex) when (attempt < 3 && ex is DbUpdateException or System.Data.Common.DbException)
                {
                    await tx.RollbackAsync(ct).ConfigureAwait(false);
                    db.ChangeTracker.Clear();
                }
            }
        }
    }

    /// <summary>Why a resource type is reported and not stored.</summary>
    public static string NotStoredReason(string type) => type switch
    {
        "Organization" or "Practitioner" or "PractitionerRole" or "HealthcareService" or "Location" =>
            $"{type} resources are read from the borough's directory (kept from the service catalogue); they are not created through the API.",
        "MedicationRequest" => "JoinedUp keeps medicines as MedicationStatement; prescriptions (MedicationRequest) stay in the prescribing system.",
        _ => $"JoinedUp does not keep {type} resources.",
    };

    private static WriteResult Finish(List<Plan> plans, bool written, DateTime at)
    {
        var results = plans.Select(p => p.Result ?? new EntryResult(p.Index, p.Type, EntryOutcome.Invalid, Reason: "Not written: another entry in the transaction failed.")).ToList();
        var created = new Dictionary<long, int>();
        if (written)
        {
            foreach (var plan in plans.Where(p => p.Result?.Outcome == EntryOutcome.Created))
            {
                var patientId = plan.NewPatient?.Id ?? plan.PatientId!.Value;
                created[patientId] = created.GetValueOrDefault(patientId) + 1;
            }
        }
        return new WriteResult(results, written, created, at);
    }

    private static EntryResult Invalid(Plan plan, string element, string message) =>
        new(plan.Index, plan.Type, EntryOutcome.Invalid, Reason: message, Problems: [new FhirProblem(element, message)]);

    /// <summary>The id a resource had where it came from: a urn:uuid/urn:oid fullUrl, or Type/id for NDJSON lines.</summary>
    private static string? SourceKey(WriteEntry entry)
    {
        if (entry.FullUrl is { } url && (url.StartsWith("urn:uuid:", StringComparison.Ordinal) || url.StartsWith("urn:oid:", StringComparison.Ordinal)))
        {
            return url.Length <= MaxKeyLength ? url : null;
        }
        if (entry.FullUrl is null && entry.Resource.Id is { Length: > 0 and <= 64 } id) return $"{entry.Resource.TypeName}/{id}";
        return null;
    }

    private static List<Identifier> Identifiers(Resource resource) => resource switch
    {
        FhirPatient p => p.Identifier,
        Hl7.Fhir.Model.Encounter e => e.Identifier,
        Hl7.Fhir.Model.Condition c => c.Identifier,
        Hl7.Fhir.Model.Observation o => o.Identifier,
        Immunization i => i.Identifier,
        Hl7.Fhir.Model.MedicationStatement m => m.Identifier,
        Hl7.Fhir.Model.AllergyIntolerance a => a.Identifier,
        Hl7.Fhir.Model.Procedure p => p.Identifier,
        _ => [],
    };

    private async System.Threading.Tasks.Task MatchExistingAsync(List<Plan> plans, CancellationToken ct)
    {
        var open = plans.Where(p => p.Result is null).ToList();
        var found = new Dictionary<(string, string, string), long>();
        // By system, then values: the unique index (system, value, resource_type) answers each lookup.
        foreach (var bySystem in open.SelectMany(p => p.Keys).Distinct().GroupBy(k => k.System))
        {
            var system = bySystem.Key;
            foreach (var chunk in bySystem.Select(k => k.Value).Chunk(500))
            {
                var rows = await db.ResourceIdentifiers.AsNoTracking().Where(r => r.System == system && chunk.Contains(r.Value))
                    .Select(r => new { r.ResourceType, r.System, r.Value, r.ResourceId }).ToListAsync(ct).ConfigureAwait(false);
                foreach (var r in rows) found[(r.ResourceType, r.System, r.Value)] = r.ResourceId;
            }
        }
        var nhsNumbers = open.Where(p => p.Type == "Patient")
            .SelectMany(p => ((FhirPatient)p.Entry.Resource).Identifier.Where(i => i.System == FhirSystems.NhsNumber && i.Value is { Length: 10 }).Select(i => i.Value))
            .Distinct().ToList();
        var byNhs = nhsNumbers.Count == 0 ? [] : await db.Patients.AsNoTracking().Where(p => nhsNumbers.Contains(p.NhsNumber!))
            .Select(p => new { p.NhsNumber, p.Id }).ToDictionaryAsync(p => p.NhsNumber!, p => p.Id, ct).ConfigureAwait(false);
        foreach (var plan in open)
        {
            plan.UnknownKeys = plan.Keys.Where(k => !found.ContainsKey((plan.Type, k.System, k.Value))).ToList();
            if (plan.Entry.IfNoneExist is { Length: > 0 } condition)
            {
                var (ids, problem) = await ConditionalMatchAsync(plan.Type, condition, ct).ConfigureAwait(false);
                if (problem is not null) { plan.Result = Invalid(plan, "Bundle.entry.request.ifNoneExist", problem); continue; }
                if (ids.Count > 1)
                {
                    plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Ambiguous, Reason: $"If-None-Exist '{condition}' matches {ids.Count} resources; make it specific (system|value).");
                    continue;
                }
                if (ids.Count == 1) { plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Existing, ids[0]); continue; }
            }
            foreach (var (system, value) in plan.Keys)
            {
                if (found.TryGetValue((plan.Type, system, value), out var id))
                {
                    plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Existing, id);
                    break;
                }
            }
            if (plan.Result is null && plan.Entry.Resource is FhirPatient patient
                && patient.Identifier.FirstOrDefault(i => i.System == FhirSystems.NhsNumber && i.Value is not null && byNhs.ContainsKey(i.Value)) is { Value: { } nhs })
            {
                plan.Result = new EntryResult(plan.Index, plan.Type, EntryOutcome.Existing, byNhs[nhs]);
            }
        }
    }

    /// <summary>
    /// Resolves If-None-Exist (and conditional references): identifier=system|value, or identifier=value in any system
    /// (which may match several). NHS numbers match the patient table.
    /// </summary>
    public async Task<(List<long> Ids, string? Problem)> ConditionalMatchAsync(string type, string condition, CancellationToken ct)
    {
        const string prefix = "identifier=";
        if (!condition.StartsWith(prefix, StringComparison.Ordinal) || condition.Contains('&', StringComparison.Ordinal))
        {
            return ([], $"Conditions support identifier=system|value (got '{condition}').");
        }
        var text = Uri.UnescapeDataString(condition[prefix.Length..]);
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        var system = bar < 0 ? null : text[..bar];
        var value = bar < 0 ? text : text[(bar + 1)..];
        if (value.Length == 0) return ([], "The identifier's value is empty.");
        if (type == "Patient" && system == FhirSystems.NhsNumber)
        {
            if (!NhsNumber.TryParse(value, out var nhs, out var error)) return ([], error);
            var normal = nhs.Value.Value;
            return (await db.Patients.AsNoTracking().Where(p => p.NhsNumber == normal).Select(p => p.Id).ToListAsync(ct).ConfigureAwait(false), null);
        }
        var query = db.ResourceIdentifiers.AsNoTracking().Where(r => r.ResourceType == type && r.Value == value);
        if (system is { Length: > 0 }) query = query.Where(r => r.System == system);
        return (await query.Select(r => r.ResourceId).Distinct().Take(2).ToListAsync(ct).ConfigureAwait(false), null);
    }

    /// <summary>Resolves a reference to a patient or encounter: in the bundle, by source id, conditional, or by this server's id.</summary>
    private async Task<(Plan? Plan, long? Id, string? Problem)> ResolveAsync(ResourceReference? reference, string type, string element,
        Dictionary<string, Plan> byFullUrl, CancellationToken ct)
    {
        var target = reference?.Reference;
        if (string.IsNullOrEmpty(target))
        {
            if (type == "Patient" && reference?.Identifier is { System: FhirSystems.NhsNumber, Value: { } nhs })
            {
                var (ids, problem) = await ConditionalMatchAsync("Patient", $"identifier={FhirSystems.NhsNumber}|{nhs}", ct).ConfigureAwait(false);
                return problem is not null ? (null, null, problem) : ids.Count == 1 ? (null, ids[0], null) : (null, null, $"No patient has NHS number {nhs} here.");
            }
            return (null, null, $"Give the {type.ToLowerInvariant()} as a reference ({type}/<id>, or the fullUrl of an entry in this bundle).");
        }
        if (byFullUrl.TryGetValue(target, out var inBundle))
        {
            if (inBundle.Type != type) return (null, null, $"{target} is a {inBundle.Type}, not a {type}.");
            return (inBundle, null, null);
        }
        if (_cache.TryGet(type, target, out var cached)) return (null, cached, null);
        if (target.StartsWith("urn:", StringComparison.Ordinal))
        {
            // Not in this bundle: a resource an earlier bundle or import created with this source id.
            var known = await db.ResourceIdentifiers.AsNoTracking().Where(r => r.ResourceType == type && r.System == ResourceIdentifier.SourceSystem && r.Value == target)
                .Select(r => (long?)r.ResourceId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
            return known is null ? (null, null, $"{target} is not an entry of this bundle.") : (null, known, null);
        }
        if (target.StartsWith(type + "?", StringComparison.Ordinal))
        {
            var (ids, problem) = await ConditionalMatchAsync(type, target[(type.Length + 1)..], ct).ConfigureAwait(false);
            if (problem is not null) return (null, null, problem);
            return ids.Count switch
            {
                1 => (null, ids[0], null),
                0 => (null, null, $"The conditional reference {target} matches nothing."),
                _ => (null, null, $"The conditional reference {target} matches more than one {type}."),
            };
        }
        if (!target.StartsWith(type + "/", StringComparison.Ordinal)) return (null, null, $"'{target}' is not a {type} reference.");
        var id = target[(type.Length + 1)..];
        var bySource = await db.ResourceIdentifiers.AsNoTracking().Where(r => r.ResourceType == type && r.System == ResourceIdentifier.SourceSystem && r.Value == target)
            .Select(r => (long?)r.ResourceId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (bySource is not null) return (null, bySource, null);
        if (long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var local))
        {
            var exists = type == "Patient"
                ? await db.Patients.AsNoTracking().AnyAsync(p => p.Id == local, ct).ConfigureAwait(false)
                : await db.Encounters.AsNoTracking().AnyAsync(e => e.Id == local, ct).ConfigureAwait(false);
            if (exists) return (null, local, null);
        }
        return (null, null, $"{target} is not on this server (nor in this bundle).");
    }

    /// <summary>
    /// The JSON kept for a new resource: this server's id and meta, and references rewritten to this server's ids
    /// (bundle fullUrls, and the source ids of earlier imports). A reference to something not stored here (a hospital
    /// Organization, a Practitioner) keeps its display, and an identifier saying where it came from, but no longer
    /// points anywhere. The entry's resource is put back as it came afterwards (a retry plans it again).
    /// </summary>
    private string StoredJson(Plan plan, long id, DateTime now, Dictionary<string, string> idsByUrl, Dictionary<string, Resource> notStoredByUrl)
    {
        var resource = plan.Entry.Resource;
        var (sentId, sentMeta) = (resource.Id, resource.Meta);
        var undo = new List<(ResourceReference Reference, string? Target, string? Display, Identifier? Identifier)>();
        try
        {
            resource.Id = id.ToString(CultureInfo.InvariantCulture);
            resource.Meta = (Meta?)sentMeta?.DeepCopy() ?? new Meta();
            resource.Meta.VersionId = "1";
            resource.Meta.LastUpdated = new DateTimeOffset(now);
            foreach (var reference in plan.References)
            {
                var target = reference.Reference!;
                string? local = null;
                if (idsByUrl.TryGetValue(target, out var inBundle)) local = inBundle;
                else if (TypeOf(target) is { } type && _cache.TryGet(type, target, out var known)) local = $"{type}/{known.ToString(CultureInfo.InvariantCulture)}";
                if (local is not null)
                {
                    if (local == target) continue;
                    undo.Add((reference, target, reference.Display, reference.Identifier));
                    reference.Reference = local;
                    continue;
                }
                var notStored = notStoredByUrl.GetValueOrDefault(target);
                var typeName = notStored?.TypeName ?? TypeOf(target);
                var pointsHere = !target.StartsWith("urn:", StringComparison.Ordinal) && (typeName is null || !NotKeptHere(typeName, target));
                if (pointsHere) continue; // a reference to this server's own resource (e.g. Organization/12 in the directory)
                undo.Add((reference, target, reference.Display, reference.Identifier));
                reference.Reference = null;
                reference.Display ??= notStored is not null ? $"{notStored.TypeName} {DisplayName(notStored)} (not stored here)".Replace("  ", " ", StringComparison.Ordinal) : $"{typeName ?? "Resource"} (not stored here)";
                reference.Identifier ??= notStored is not null && OtherIdentifier(notStored) is { System: not null, Value: not null } other
                    ? new Identifier(other.System, other.Value)
                    : new Identifier(ResourceIdentifier.SourceSystem, target);
            }
            return FhirJson.Serialize(resource);
        }
        finally
        {
            (resource.Id, resource.Meta) = (sentId, sentMeta);
            foreach (var (reference, target, display, identifier) in undo)
            {
                reference.Reference = target;
                reference.Display = display;
                reference.Identifier = identifier;
            }
        }
    }

    /// <summary>"Patient/abc" → "Patient"; null for anything else.</summary>
    private static string? TypeOf(string reference)
    {
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && !reference.Contains(':', StringComparison.Ordinal) && reference.IndexOf('/', slash + 1) < 0 ? reference[..slash] : null;
    }

    /// <summary>
    /// A Type/id reference that cannot point at this server: a type JoinedUp does not keep, or a directory type
    /// (Organization, Practitioner, ...) whose id is not one of this server's numeric ids.
    /// </summary>
    private static bool NotKeptHere(string type, string reference) => type switch
    {
        _ when RecordMapping.StoredTypes.Contains(type) => false,
        "Organization" or "Practitioner" or "PractitionerRole" or "HealthcareService" =>
            !long.TryParse(reference[(type.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _),
        _ => true,
    };

    /// <summary>Every reference of every open entry, and the source ids among them looked up for the whole set in a few queries.</summary>
    private async System.Threading.Tasks.Task PrefetchReferencesAsync(List<Plan> plans, Dictionary<string, Plan> byFullUrl, CancellationToken ct)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in plans.Where(p => p.Result is null))
        {
            Collect(plan.Entry.Resource, plan.References);
            foreach (var reference in plan.References)
            {
                var target = reference.Reference!;
                if (byFullUrl.ContainsKey(target)) continue;
                var type = TypeOf(target);
                if (target.StartsWith("urn:", StringComparison.Ordinal) || (type is not null && RecordMapping.StoredTypes.Contains(type) && !_cache.TryGet(type, target, out _)))
                {
                    wanted.Add(target);
                }
            }
        }
        foreach (var chunk in wanted.Chunk(500))
        {
            var rows = await db.ResourceIdentifiers.AsNoTracking().Where(r => r.System == ResourceIdentifier.SourceSystem && chunk.Contains(r.Value))
                .Select(r => new { r.ResourceType, r.Value, r.ResourceId }).ToListAsync(ct).ConfigureAwait(false);
            foreach (var r in rows) _cache.Add(r.ResourceType, r.Value, r.ResourceId);
        }

        static void Collect(Base element, List<ResourceReference> found)
        {
            if (element is ResourceReference { Reference: { Length: > 0 } target } reference && !target.StartsWith('#')) found.Add(reference);
            foreach (var (_, value) in element.EnumerateElements())
            {
                switch (value)
                {
                    case Base child: Collect(child, found); break;
                    case System.Collections.IEnumerable list and not string:
                        foreach (var item in list)
                        {
                            if (item is Base b) Collect(b, found);
                        }
                        break;
                }
            }
        }
    }

    private static Identifier? OtherIdentifier(Resource resource) => resource switch
    {
        Organization o => o.Identifier.FirstOrDefault(),
        Practitioner p => p.Identifier.FirstOrDefault(),
        _ => null,
    };

    private static string DisplayName(Resource resource) => resource switch
    {
        Organization o => o.Name ?? "",
        Practitioner p => p.Name.FirstOrDefault() is { } n ? $"{string.Join(' ', n.Prefix)} {string.Join(' ', n.Given)} {n.Family}".Trim() : "",
        _ => resource.Id ?? "",
    };
}

/// <summary>
/// Source ids (a bundle's urn:uuid, an NDJSON resource's Type/id) already resolved to this server's ids, kept across
/// the chunks of one import so that each reference is looked up once. Holds only committed resources.
/// </summary>
public sealed class SourceIdCache
{
    private readonly Dictionary<(string Type, string Source), long> _ids = [];

    public bool TryGet(string type, string source, out long id) => _ids.TryGetValue((type, source), out id);

    public void Add(string type, string source, long id) => _ids[(type, source)] = id;

    public int Count => _ids.Count;
}

