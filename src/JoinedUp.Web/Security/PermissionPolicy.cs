using JoinedUp.Security;
using JoinedUp.Security.Audit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace JoinedUp.Web.Security;

/// <summary>
/// The single gate every endpoint and page goes through. Each declares a permission (<see cref="RequirePermission"/>,
/// or <c>[Authorize(Policy = Policies.X)]</c> on a page) or is explicitly public; anything else needs a sign-in (the
/// fallback policy). The check runs in the authorization middleware, before any handler code.
/// </summary>
public static class Policies
{
    public const string Prefix = "perm:";
    public const string RecordRead = Prefix + "record.read";
    public const string RecordSearch = Prefix + "record.search";
    public const string RecordWrite = Prefix + "record.write";
    public const string BreakGlass = Prefix + "record.break-glass";
    public const string ConsentManage = Prefix + "consent.manage";
    public const string ProxyManage = Prefix + "proxy.manage";
    public const string RelationshipManage = Prefix + "relationship.manage";
    public const string AuditOwn = Prefix + "audit.own";
    public const string AuditRead = Prefix + "audit.read";
    public const string BreakGlassReview = Prefix + "break-glass.review";
    public const string UsersManage = Prefix + "users.manage";
    public const string ReferralCreate = Prefix + "referral.create";
    public const string ReferralRead = Prefix + "referral.read";
    public const string ReferralTriage = Prefix + "referral.triage";
    public const string ReferralAccept = Prefix + "referral.accept";
    public const string TriageRulesManage = Prefix + "triage-rules.manage";
    public const string CarePlanRead = Prefix + "careplan.read";
    public const string CarePlanWrite = Prefix + "careplan.write";
    public const string CarePlanComment = Prefix + "careplan.comment";
    public const string TaskManage = Prefix + "task.manage";
    public const string NavigationManage = Prefix + "navigation.manage";
    public const string OutcomesRead = Prefix + "outcomes.read";
    public const string ExperienceRespond = Prefix + "experience.respond";
    public const string OutcomesManage = Prefix + "outcomes.manage";
    public const string PaymentRead = Prefix + "payment.read";
    public const string OutcomesPatientList = Prefix + "outcomes.patient-list";

    public static string For(Permission permission) => Prefix + PermissionMatrix.Name(permission);

    public static Permission? Parse(string policy) =>
        policy.StartsWith(Prefix, StringComparison.Ordinal)
            ? PermissionMatrix.AllPermissions.Cast<Permission?>().FirstOrDefault(p => string.Equals(PermissionMatrix.Name(p!.Value), policy[Prefix.Length..], StringComparison.Ordinal))
            : null;

    /// <summary>Requires the permission (role x action matrix, and a covering scope for bearer tokens).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, Permission permission) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(For(permission));

    /// <summary>The caller as the security rules see them; null when not signed in. Built once per request.</summary>
    public static AccessPrincipal? Caller(this HttpContext http)
    {
        if (http.Items.TryGetValue(typeof(AccessPrincipal), out var cached)) return cached as AccessPrincipal;
        var principal = AccessPrincipal.From(http.User, IsBearer(http));
        http.Items[typeof(AccessPrincipal)] = principal;
        return principal;
    }

    /// <summary>The caller of an endpoint that requires a permission (so is always signed in).</summary>
    public static AccessPrincipal RequiredCaller(this HttpContext http) =>
        http.Caller() ?? throw new InvalidOperationException("The endpoint requires a permission but the caller is not signed in; the policy did not run.");

    public static bool IsBearer(HttpContext http) =>
        http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Turns "perm:record.read" into a policy on the fly.</summary>
internal sealed class PermissionPolicyProvider(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
{
    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName)
    {
        var permission = Policies.Parse(policyName);
        if (permission is null) return await base.GetPolicyAsync(policyName).ConfigureAwait(false);
        return new AuthorizationPolicyBuilder(SecuritySetup.Scheme)
            .RequireAuthenticatedUser()
            .AddRequirements(new PermissionRequirement(permission.Value))
            .Build();
    }
}

internal sealed record PermissionRequirement(Permission Permission) : IAuthorizationRequirement;

internal sealed class PermissionHandler(IHttpContextAccessor accessor) : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var http = accessor.HttpContext;
        var who = http is null ? AccessPrincipal.From(context.User, false) : http.Caller();
        if (who is not null && who.Can(requirement.Permission)) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Audits every refusal by the gate (401 and 403) before answering: APIs get a problem+json body, pages a redirect to
/// sign in or a "not allowed" page. Nothing about the resource is disclosed in either.
/// </summary>
internal sealed class AuditingResultHandler(AuditTrail audit, TimeProvider clock) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (context.GetEndpoint() is null)
        {
            // No such page or API: nothing to protect and nothing to audit (and no way to fill the trail with junk).
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var who = context.Caller();
        var permission = policy.Requirements.OfType<PermissionRequirement>().Select(r => PermissionMatrix.Name(r.Permission)).FirstOrDefault() ?? "sign-in required";
        var outcome = authorizeResult.Challenged || who is null ? AuditOutcome.Unauthenticated : AuditOutcome.Denied;
        var failure = context.Features.Get<Microsoft.AspNetCore.Authentication.IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message;
        await audit.RecordAsync(new AuditEvent
        {
            At = clock.GetUtcNow().UtcDateTime,
            UserId = who?.UserId,
            UserName = who?.DisplayName,
            Role = who?.PrimaryRole,
            OrganisationCode = who?.OrganisationCode,
            ClientId = context.User.FindFirst(JoinedUpClaims.ClientId)?.Value,
            Action = permission,
            Resource = $"{context.Request.Method} {context.Request.Path}",
            Outcome = outcome,
            Basis = outcome == AuditOutcome.Unauthenticated
                ? (failure ?? (Policies.IsBearer(context) ? "bearer token refused" : "not signed in"))
                : $"role(s) {string.Join(',', who!.Roles)} lack {permission}" + (who.Scopes is null ? "" : " or the token's scopes do not cover it"),
        }, context.RequestAborted).ConfigureAwait(false);

        if (IsApi(context.Request.Path))
        {
            var status = outcome == AuditOutcome.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            context.Response.StatusCode = status;
            if (status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"joinedup\"";
            }
            var detail = status == 401
                ? "Send a valid bearer token (Authorization: Bearer ...) from /connect/token, or sign in."
                : $"Your role does not allow {permission}" + (who?.Scopes is null ? "." : ", or your token's scopes do not cover it.") + Hint(permission);
            if (context.Request.Path.StartsWithSegments("/fhir", StringComparison.OrdinalIgnoreCase))
            {
                await JoinedUp.Web.Fhir.FhirResults.Problem(status,
                    status == 401 ? Hl7.Fhir.Model.OperationOutcome.IssueType.Login : Hl7.Fhir.Model.OperationOutcome.IssueType.Forbidden, detail).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            await context.Response.WriteAsJsonAsync(new ProblemDetailsLike(
                status == 401 ? "Sign-in required" : "Not allowed", detail, status), (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", context.RequestAborted).ConfigureAwait(false);
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
    }

    /// <summary>What to do instead, for refusals people meet in normal work.</summary>
    private static string Hint(string permission) => permission switch
    {
        "proxy.manage" => " Only the patient can give or withdraw a carer's access to their record, and only with their consent: a carer asks the person to add them from \"My record\" > \"Carers who can see my record\".",
        "careplan.write" => " The care team writes and changes goals and activities; the person and their carer comment on goals and agree the plan.",
        "navigation.manage" => " Ask a care navigator or the single point of access to change the navigator.",
        _ => "",
    };

    internal static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/fhir", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/connect", StringComparison.OrdinalIgnoreCase);
}
