using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace JoinedUp.Web.Fhir;

/// <summary>
/// Reads a resource from a request body, or says exactly what is wrong with it: 415 for a content type that is not
/// FHIR JSON, 413 over the size limit, 400 with an OperationOutcome naming each element that is malformed or unknown.
/// </summary>
internal static class FhirBody
{
    /// <summary>The largest single-resource body accepted (bundles and bulk import have their own limits).</summary>
    public const int MaxResourceBytes = 1024 * 1024;

    /// <summary>The largest transaction or batch bundle accepted; bigger loads go through bulk import.</summary>
    public const int MaxBundleBytes = 32 * 1024 * 1024;

    public static async Task<(T? Resource, IResult? Error)> ReadAsync<T>(HttpContext http, CancellationToken ct, int maxBytes = MaxResourceBytes) where T : Resource
    {
        var type = http.Request.ContentType?.Split(';')[0].Trim();
        if (type is not ("application/fhir+json" or "application/json"))
        {
            return (null, FhirResults.Problem(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                $"Send the resource as application/fhir+json (got '{type ?? "no content type"}')."));
        }
        if (http.Request.ContentLength > maxBytes) return (null, TooLarge(maxBytes));
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes) return (null, TooLarge(maxBytes));
            buffer.Write(chunk, 0, read);
        }
        var json = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        Resource? resource;
        try
        {
            resource = JsonSerializer.Deserialize<Resource>(json, FhirJson.Read);
        }
        catch (DeserializationFailedException ex)
        {
            var outcome = new OperationOutcome();
            foreach (var error in ex.Exceptions.Take(50))
            {
                // The SDK's errors carry the element's path (InstancePath) on a type that is not public in every version.
                var location = error.GetType().GetProperty("InstancePath")?.GetValue(error) as string;
                outcome.Issue.Add(new OperationOutcome.IssueComponent
                {
                    Severity = OperationOutcome.IssueSeverity.Error,
                    Code = OperationOutcome.IssueType.Structure,
                    Diagnostics = error.Message,
                    Expression = location is null ? [] : [location],
                });
            }
            return (null, FhirResults.Resource(outcome, StatusCodes.Status400BadRequest));
        }
        catch (JsonException ex)
        {
            return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Structure, $"The body is not valid JSON: {ex.Message}"));
        }
        if (resource is not T typed)
        {
            return (null, FhirResults.Problem(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                $"Expected a {typeof(T).Name} resource but the body is a {resource?.TypeName ?? "nothing"}.", "resourceType"));
        }
        return (typed, null);
    }

    private static IResult TooLarge(int maxBytes) => FhirResults.Problem(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooCostly,
        maxBytes == MaxResourceBytes
            ? $"The resource is larger than {maxBytes / 1024} KiB. Send large data as a transaction bundle or through bulk import."
            : $"The bundle is larger than {maxBytes / (1024 * 1024)} MiB. Split it, or load it with bulk import ($import or `joinedup import`).");
}
