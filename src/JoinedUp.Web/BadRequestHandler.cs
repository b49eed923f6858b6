using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;

namespace JoinedUp.Web;

/// <summary>
/// Turns request errors the caller can fix into 400 with a message, instead of the generic 500: a form without a
/// valid antiforgery token (a cross-site post, or a page left open too long), or a body that cannot be read.
/// </summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var antiforgery = exception as AntiforgeryValidationException ?? exception.InnerException as AntiforgeryValidationException;
        string detail;
        var status = StatusCodes.Status400BadRequest;
        if (antiforgery is not null)
        {
            detail = "The form did not come from a JoinedUp page or has expired. Go back, reload the page and try again.";
        }
        else if (exception is BadHttpRequestException bad)
        {
            detail = bad.Message;
            status = bad.StatusCode; // e.g. 413 when a body is larger than the server takes
        }
        else
        {
            return false;
        }
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = status, Title = "The request could not be accepted", Detail = detail },
            Exception = exception,
        }).ConfigureAwait(false);
    }
}
