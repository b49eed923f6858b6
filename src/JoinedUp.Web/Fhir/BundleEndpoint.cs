using System.Globalization;
using Hl7.Fhir.Model;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// POST /fhir with a transaction or batch Bundle. A transaction is all or nothing: every entry is read and checked
/// (record rules included) before anything is written, references between entries (urn:uuid fullUrls, conditional
/// references) are resolved to this server's ids, and one bad or refused entry stores nothing. A batch stores each
/// entry on its own. Entries of types JoinedUp does not keep (Claim, ExplanationOfBenefit, ...) are reported in the
/// response (422 with an outcome) and not stored; <c>Prefer: handling=strict</c> makes them fail the transaction.
/// </summary>
internal static class BundleEndpoint
{
    public static void MapBundles(this RouteGroupBuilder fhir) =>
        fhir.MapPost("/", PostAsync).RequirePermission(Permission.RecordWrite)
            .WithName("FhirTransaction").WithSummary("Processes a transaction (atomic) or batch Bundle of creates.");

    private static async Task<IResult> PostAsync(HttpContext http, RecordAccessService access, JoinedUpDbContext db, TimeProvider clock, CancellationToken ct)
    {
        // Kestrel's own limit (30 MB) would refuse a large bundle before FhirBody can say so as an OperationOutcome.
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = FhirBody.MaxBundleBytes + (1024 * 1024);
        var (bundle, error) = await FhirBody.ReadAsync<Bundle>(http, ct, FhirBody.MaxBundleBytes).ConfigureAwait(false);
        if (error is not null) return error;
        if (bundle!.Type is not (Bundle.BundleType.Transaction or Bundle.BundleType.Batch))
        {
            return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"POST /fhir takes a Bundle of type transaction or batch (got {bundle.Type?.ToString().ToLowerInvariant() ?? "none"}).", "Bundle.type");
        }
        var transaction = bundle.Type == Bundle.BundleType.Transaction;
        var strict = http.Request.Headers["Prefer"].ToString().Contains("handling=strict", StringComparison.OrdinalIgnoreCase);
        var who = http.RequiredCaller();

        // Every entry must be a create (POST to its own type) in this version.
        var entries = new List<WriteEntry>();
        var requestProblems = new List<(int Index, string Message)>();
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            if (entry.Resource is null) { requestProblems.Add((i, "The entry has no resource.")); entries.Add(new WriteEntry(null, new Basic())); continue; }
            var method = entry.Request?.Method;
            var url = entry.Request?.Url;
            if (method != Bundle.HTTPVerb.POST || (url != entry.Resource.TypeName && url?.Split('?')[0] != entry.Resource.TypeName))
            {
                requestProblems.Add((i, $"Only creates are supported in bundles: request.method POST and request.url {entry.Resource.TypeName} (got {method?.ToString() ?? "no method"} {url}). Use PUT /fhir/{entry.Resource.TypeName}/<id> to update."));
            }
            entries.Add(new WriteEntry(entry.FullUrl, entry.Resource, entry.Request?.IfNoneExist));
        }
        if (transaction && requestProblems.Count > 0)
        {
            var outcome = new OperationOutcome();
            foreach (var (index, message) in requestProblems) outcome.Issue.Add(Issue(OperationOutcome.IssueType.NotSupported, message, $"Bundle.entry[{index}].request"));
            return FhirResults.Resource(outcome, StatusCodes.Status400BadRequest);
        }

        var gate = new HttpWriteGate(who, access, db);
        var writer = new RecordWriter(db, clock);
        WriteResult result;
        if (transaction)
        {
            if (strict && entries.Select(e => e.Resource.TypeName).Where(t => !RecordMapping.StoredTypes.Contains(t)).Distinct().ToList() is { Count: > 0 } unsupported)
            {
                return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.NotSupported,
                    $"Prefer: handling=strict and the transaction holds types this server does not store: {string.Join(", ", unsupported)}. Send it without handling=strict to store the rest and have these reported.",
                    "Bundle.entry.resource");
            }
            result = await writer.SaveAsync(entries, gate, WriteMode.Transaction, null, ct).ConfigureAwait(false);
            if (!result.Written) return TransactionFailed(result);
        }
        else
        {
            var results = new List<EntryResult>();
            var created = new Dictionary<long, int>();
            for (var i = 0; i < entries.Count; i++)
            {
                if (requestProblems.FirstOrDefault(p => p.Index == i) is { Message: { } message })
                {
                    results.Add(new EntryResult(i, entries[i].Resource.TypeName, EntryOutcome.Invalid, Reason: message));
                    continue;
                }
                var one = await writer.SaveAsync([entries[i]], gate, WriteMode.Transaction, null, ct).ConfigureAwait(false);
                results.Add(one.Entries[0] with { Index = i });
                foreach (var (patient, count) in one.CreatedByPatient) created[patient] = created.GetValueOrDefault(patient) + count;
            }
            result = new WriteResult(results, true, created, clock.GetUtcNow().UtcDateTime);
        }
        foreach (var (patientId, count) in result.CreatedByPatient)
        {
            await access.AuditAsync(who, AuditOutcome.Allowed, "record.create", $"Patient/{patientId}", patientId,
                transaction ? "transaction" : "batch", $"{count} resource(s) created", ct).ConfigureAwait(false);
        }
        return FhirResults.Resource(Response(http, result, transaction));
    }

    private static Bundle Response(HttpContext http, WriteResult result, bool transaction)
    {
        var baseUrl = FhirEndpoints.BaseUrl(http);
        var response = new Bundle { Type = transaction ? Bundle.BundleType.TransactionResponse : Bundle.BundleType.BatchResponse };
        foreach (var entry in result.Entries.OrderBy(e => e.Index))
        {
            var component = new Bundle.ResponseComponent
            {
                Status = entry.Outcome switch
                {
                    EntryOutcome.Created => "201 Created",
                    EntryOutcome.Existing => "200 OK",
                    EntryOutcome.NotStored => "422 Unprocessable Entity",
                    EntryOutcome.Refused => "403 Forbidden",
                    EntryOutcome.Ambiguous => "412 Precondition Failed",
                    _ => "400 Bad Request",
                },
            };
            if (entry.Id is { } id)
            {
                component.Location = $"{entry.ResourceType}/{id.ToString(CultureInfo.InvariantCulture)}" + (entry.Outcome == EntryOutcome.Created ? "/_history/1" : "");
                if (entry.Outcome == EntryOutcome.Created)
                {
                    component.Etag = "W/\"1\"";
                    component.LastModified = result.At;
                }
            }
            if (entry.Reason is not null)
            {
                var outcome = new OperationOutcome();
                var severity = entry.Outcome == EntryOutcome.NotStored ? OperationOutcome.IssueSeverity.Warning : OperationOutcome.IssueSeverity.Error;
                if (entry.Problems is { Count: > 0 } problems)
                {
                    foreach (var p in problems) outcome.Issue.Add(Issue(OperationOutcome.IssueType.Invalid, p.Message, $"Bundle.entry[{entry.Index}].resource.{Tail(p.Expression)}", severity));
                }
                else
                {
                    outcome.Issue.Add(Issue(entry.Outcome == EntryOutcome.NotStored ? OperationOutcome.IssueType.NotSupported : OperationOutcome.IssueType.Processing, entry.Reason, null, severity));
                }
                component.Outcome = outcome;
            }
            response.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = entry.Id is { } rid ? $"{baseUrl}/{entry.ResourceType}/{rid.ToString(CultureInfo.InvariantCulture)}" : null,
                Response = component,
            });
        }
        return response;
    }

    /// <summary>A failed transaction: nothing was stored; every problem, named by entry and element, in one outcome.</summary>
    private static IResult TransactionFailed(WriteResult result)
    {
        var failed = result.Entries.Where(e => e.Failed).ToList();
        var status = failed.Any(e => e.Outcome == EntryOutcome.Refused) ? StatusCodes.Status403Forbidden
            : failed.Any(e => e.Outcome == EntryOutcome.Ambiguous) ? StatusCodes.Status412PreconditionFailed
            : StatusCodes.Status400BadRequest;
        var outcome = new OperationOutcome();
        outcome.Issue.Add(Issue(OperationOutcome.IssueType.Processing,
            $"The transaction was not applied: nothing was stored. {failed.Count} of {result.Entries.Count} entries have a problem; fix them and send it again.", null));
        foreach (var entry in failed.Take(100))
        {
            var code = entry.Outcome switch
            {
                EntryOutcome.Refused => OperationOutcome.IssueType.Forbidden,
                EntryOutcome.Ambiguous => OperationOutcome.IssueType.MultipleMatches,
                _ => OperationOutcome.IssueType.Invalid,
            };
            if (entry.Problems is { Count: > 0 } problems)
            {
                foreach (var p in problems) outcome.Issue.Add(Issue(code, $"Entry {entry.Index} ({entry.ResourceType}): {p.Message}", $"Bundle.entry[{entry.Index}].resource.{Tail(p.Expression)}"));
            }
            else
            {
                outcome.Issue.Add(Issue(code, $"Entry {entry.Index} ({entry.ResourceType}): {entry.Reason}", $"Bundle.entry[{entry.Index}]"));
            }
        }
        return FhirResults.Resource(outcome, status);
    }

    /// <summary>"Observation.code.coding" → "code.coding" (the element below the resource).</summary>
    private static string Tail(string expression)
    {
        var dot = expression.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? expression : expression[(dot + 1)..];
    }

    private static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueType code, string message, string? expression, OperationOutcome.IssueSeverity severity = OperationOutcome.IssueSeverity.Error)
    {
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = code, Diagnostics = message };
        if (expression is not null) issue.Expression = [expression];
        return issue;
    }
}

/// <summary>
/// The record rules for writes through the API: patients are registered by their GP practice (its staff or system)
/// for that practice; entries are added to an existing record only with a full care relationship (not emergency or
/// triage access). Each decision about an existing patient is audited by <see cref="RecordAccessService"/>.
/// </summary>
internal sealed class HttpWriteGate(AccessPrincipal who, RecordAccessService access, JoinedUpDbContext db) : IWriteGate
{
    private int? _practiceId;

    public int? RecordingServiceId { get; private set; }

    public async Task<(int? PracticeId, string? Refusal)> RegisterAsync(string? practiceCode, CancellationToken ct)
    {
        if (!(who.Has(Roles.PracticeStaff) || who.Has(Roles.System)) || who.OrganisationCode is null)
        {
            await access.AuditAsync(who, AuditOutcome.Denied, "record.create", "Patient", null, "only a GP practice registers patients", null, ct).ConfigureAwait(false);
            return (null, "Patients are registered by their GP practice (its staff or its system). Referrals for people not yet registered go to the single point of access.");
        }
        if (practiceCode is not null && practiceCode != who.OrganisationCode) return (null, $"You register patients for {who.OrganisationCode}, not {practiceCode}.");
        _practiceId ??= await db.Organisations.AsNoTracking().Where(o => o.OdsCode == who.OrganisationCode).Select(o => (int?)o.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        return _practiceId is null ? (null, $"{who.OrganisationCode} is not an organisation in this borough's directory.") : (_practiceId, null);
    }

    public async Task<string?> MayWriteAsync(long patientId, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, PermissionMatrix.Name(Permission.RecordWrite), $"Patient/{patientId}", ct).ConfigureAwait(false);
        if (opened.View is null) return "You have no legitimate relationship with this patient's record.";
        if (opened.View.Emergency || opened.View.Level != AccessLevel.Full) return "Emergency and triage access can read but not add to the record.";
        if (opened.View.OwnServiceIds.Count == 1) RecordingServiceId = opened.View.OwnServiceIds[0];
        return null;
    }
}
