using Hl7.Fhir.Model;

namespace JoinedUp.Web.Fhir;

/// <summary>Responses of the FHIR API: resources as application/fhir+json, every error as an OperationOutcome.</summary>
internal static class FhirResults
{
    public static IResult Resource(Resource resource, int status = StatusCodes.Status200OK, Action<HttpResponse>? headers = null) =>
        new FhirResourceResult(resource, status, headers);

    public static OperationOutcome Outcome(OperationOutcome.IssueType code, string diagnostics, string? expression = null, OperationOutcome.IssueSeverity severity = OperationOutcome.IssueSeverity.Error)
    {
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = code, Diagnostics = diagnostics };
        if (expression is not null) issue.Expression = [expression];
        return new OperationOutcome { Issue = [issue] };
    }

    public static IResult Problem(int status, OperationOutcome.IssueType code, string diagnostics, string? expression = null) =>
        Resource(Outcome(code, diagnostics, expression), status);

    /// <summary>The one refusal for patient data on the FHIR API: the same whether or not the resource exists.</summary>
    public static IResult Forbidden() => Problem(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
        "You have no legitimate relationship with this record. A clinician may use emergency access (break-glass) with a reason; it is audited and reviewed.");

    private sealed class FhirResourceResult(Resource resource, int status, Action<HttpResponse>? headers) : IResult
    {
        public async System.Threading.Tasks.Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = FhirJson.ContentType + "; charset=utf-8";
            headers?.Invoke(httpContext.Response);
            await httpContext.Response.WriteAsync(FhirJson.Serialize(resource), httpContext.RequestAborted).ConfigureAwait(false);
        }
    }
}
