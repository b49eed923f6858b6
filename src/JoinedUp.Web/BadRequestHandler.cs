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
        if (antiforgery is not null)
        {
            detail = "The form did not come from a JoinedUp page or has expired. Go back, reload the page and try again.";
        }
        else if (exception is BadHttpRequestException bad)
        {
            detail = bad.Message;
        }
        else
        {
            return false;
        }
        httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = { Status = 400, Title = "The request could not be accepted", Detail = detail },
            Exception = exception,
        }).ConfigureAwait(false);
    }
}
