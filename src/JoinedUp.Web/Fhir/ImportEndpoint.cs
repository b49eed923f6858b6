using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Security;
using Microsoft.AspNetCore.Http.Features;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// POST /fhir/$import: bulk import through the API, with the same engine as `joinedup import`. The body is NDJSON
/// (application/fhir+ndjson, one resource per line, patients before their entries) or a Bundle. The caller's record
/// rules apply to every entry (a GP system registers patients at its practice and adds to records it has a
/// relationship with). The answer is an OperationOutcome that says what was stored and what was not, by type, count
/// and reason. Sending the same data again stores nothing twice, so an interrupted import is resumed by sending it again.
/// </summary>
internal static class ImportEndpoint
{
    /// <summary>The largest body $import takes; bigger loads go through `joinedup import` on the server.</summary>
    public const long MaxImportBytes = 256L * 1024 * 1024;

    public static void MapImport(this RouteGroupBuilder fhir) =>
        fhir.MapPost("/$import", ImportAsync).RequirePermission(Permission.RecordWrite)
            .WithName("FhirImport").WithSummary("Bulk import of NDJSON or a Bundle: stores what JoinedUp keeps, reports the rest by type, count and reason.");

    private static async Task<IResult> ImportAsync(HttpContext http, RecordAccessService access, JoinedUpDbContext db, StorageOptions storage, AuditTrail audit,
        TimeProvider clock, CancellationToken ct)
    {
        var type = http.Request.ContentType?.Split(';')[0].Trim();
        var ndjson = type is "application/fhir+ndjson" or "application/ndjson" or "application/x-ndjson";
        if (!ndjson && type is not ("application/fhir+json" or "application/json"))
        {
            return FhirResults.Problem(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                $"Send NDJSON (application/fhir+ndjson, one resource per line) or a Bundle (application/fhir+json); got '{type ?? "no content type"}'.");
        }
        if (http.Request.ContentLength > MaxImportBytes) return TooLarge();
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxImportBytes;

        var who = http.RequiredCaller();
        var gate = new HttpWriteGate(who, access, db);
        var options = new ImportOptions
        {
            Operator = who.DisplayName,
            AuditAs = new JoinedUp.Security.Audit.AuditEvent
            {
                Action = "record.import",
                Resource = "",
                Outcome = AuditOutcome.Allowed,
                UserId = who.UserId,
                UserName = who.DisplayName,
                Role = who.PrimaryRole,
                OrganisationCode = who.OrganisationCode,
                ClientId = who.ClientId,
                Basis = "$import",
            },
        };
        var importer = new BulkImporter(storage, audit, clock);
        var summary = new ImportSummary();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (ndjson)
            {
                using var reader = new StreamReader(http.Request.Body);
                await importer.ImportNdjsonAsync(reader, 0, _ => gate, options, new SourceIdCache(), summary, null, null, ct).ConfigureAwait(false);
            }
            else
            {
                Bundle? bundle;
                try
                {
                    bundle = await JsonSerializer.DeserializeAsync<Bundle>(http.Request.Body, FhirJson.Read, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is JsonException or DeserializationFailedException or InvalidCastException or NotSupportedException)
                {
                    return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Structure, $"The body is not a FHIR Bundle: {ex.Message.Split('\n')[0]}");
                }
                if (bundle is null) return FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Required, "The body is empty.");
                await importer.ImportBundleAsync(bundle, _ => gate, options, new SourceIdCache(), summary, null, ct).ConfigureAwait(false);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(summary);
        }
        summary.Elapsed = watch.Elapsed;
        return FhirResults.Resource(Outcome(summary));
    }

    private static IResult TooLarge(ImportSummary? partial = null) => FhirResults.Problem(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooCostly,
        $"$import takes at most {MaxImportBytes / (1024 * 1024)} MiB. Split the data, or load it on the server with `joinedup import`." +
        (partial is { StoredTotal: > 0 } ? $" {partial.StoredTotal:N0} resources were stored before the limit; sending the same data again does not store them twice." : ""));

    /// <summary>The import's summary as an OperationOutcome: what was stored (information), not stored (warning) and failed (error).</summary>
    internal static OperationOutcome Outcome(ImportSummary summary)
    {
        var outcome = new OperationOutcome();
        void Add(OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType code, string text) =>
            outcome.Issue.Add(new OperationOutcome.IssueComponent { Severity = severity, Code = code, Diagnostics = text });
        Add(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational,
            $"Stored {summary.StoredTotal:N0} resources in {summary.Elapsed.TotalSeconds:F1} s; {summary.AlreadyPresent.Values.Sum():N0} were already here; {summary.NotStoredTotal:N0} not stored.");
        foreach (var (type, count) in summary.Stored) Add(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational, $"Stored {count:N0} {type}.");
        foreach (var (type, count) in summary.AlreadyPresent) Add(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Duplicate, $"{count:N0} {type} already here, not stored again.");
        foreach (var ((type, reason), count) in summary.NotStored)
        {
            var failed = summary.IsFailure(type, reason);
            Add(failed ? OperationOutcome.IssueSeverity.Error : OperationOutcome.IssueSeverity.Warning,
                failed ? OperationOutcome.IssueType.Invalid : OperationOutcome.IssueType.NotSupported, $"Not stored: {count:N0} {type}: {reason}");
        }
        return outcome;
    }
}
