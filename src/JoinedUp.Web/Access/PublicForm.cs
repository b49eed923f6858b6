namespace JoinedUp.Web.Access;

/// <summary>
/// What the public forms that need no account share (/refer and /feedback): the hidden honeypot field and what to say
/// when it is filled. Antiforgery comes from the forms' &lt;AntiforgeryToken /&gt;, and the per-address rate limit on their
/// posts from <see cref="JoinedUp.Web.Security.SecuritySetup"/>.
/// </summary>
internal static class PublicForm
{
    /// <summary>The honeypot's name: hidden from people, filled by robots (and now and then by a browser's autofill).</summary>
    public const string HoneypotField = "website";

    /// <summary>A filled honeypot is a robot, or autofill: either way say what to do, and keep everything typed.</summary>
    public const string HoneypotProblem = "The form could not be sent. Clear the field labelled \"Leave this blank\" at the end of the form, then send it again.";

    /// <summary>True when the posted form filled the honeypot.</summary>
    public static bool HoneypotFilled(IFormCollection form) => !string.IsNullOrEmpty(form[HoneypotField].ToString());

    /// <summary>The posts that need no account and are rate limited per address.</summary>
    public static bool IsPublicPost(HttpRequest request) =>
        HttpMethods.IsPost(request.Method)
        && (request.Path.StartsWithSegments("/refer", StringComparison.OrdinalIgnoreCase) || request.Path.StartsWithSegments("/feedback", StringComparison.OrdinalIgnoreCase));
}
