using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Security;

internal sealed class BreakGlassForm
{
    public long? PatientId { get; set; }

    public string? NhsNumber { get; set; }

    public string? Reason { get; set; }
}

internal sealed class ConsentForm
{
    public string? Kind { get; set; }

    public bool InForce { get; set; }
}

internal sealed class ProxyForm
{
    public string? CarerEmail { get; set; }
}

internal sealed class ReviewForm
{
    public string? Outcome { get; set; }

    public string? Note { get; set; }
}

/// <summary>
/// The web pages' form posts (antiforgery-checked because they bind forms). Each goes through the same permission gate
/// and services as the JSON API, then redirects back with a message.
/// </summary>
internal static class FormEndpoints
{
    public static void MapSecurityForms(this WebApplication app)
    {
        app.MapPost("/record/break-glass", async Task<IResult> ([FromForm] BreakGlassForm form, HttpContext http, RecordAccessService access,
                JoinedUpDbContext db, SecurityOptions options, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var back = form.PatientId is { } pid ? $"/record/{pid}" : "/record";
                // The reason comes first: no record is looked up, not even by NHS number, without one.
                var reason = form.Reason?.Trim() ?? "";
                if (reason.Length < options.BreakGlassMinimumReasonLength) return Results.LocalRedirect($"{back}?error=reason");
                if (reason.Length > 1000) return Results.LocalRedirect($"{back}?error=reason-long");
                var patientId = form.PatientId;
                if (patientId is null)
                {
                    if (!NhsNumber.TryParse(form.NhsNumber, out var number, out _)) return Results.LocalRedirect($"{back}?error=nhs");
                    var digits = number.Value.Value;
                    patientId = await db.Patients.Where(p => p.NhsNumber == digits).Select(p => (long?)p.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                    if (patientId is null)
                    {
                        await access.AuditAsync(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.BreakGlass), "Patient?nhsNumber", null, "no patient with that NHS number", reason, ct).ConfigureAwait(false);
                        return Results.LocalRedirect($"{back}?error=not-found");
                    }
                }
                var result = await access.BreakGlassAsync(who, patientId.Value, reason, options, ct).ConfigureAwait(false);
                return result.Access is null
                    ? Results.LocalRedirect($"{back}?error={(result.Problem is null ? "not-found" : "reason")}")
                    : Results.LocalRedirect($"/record/{patientId}");
            })
            .RequirePermission(Permission.BreakGlass).ExcludeFromDescription();

        app.MapPost("/my/consent", async Task<IResult> ([FromForm] ConsentForm form, HttpContext http, RecordAccessService access, ConsentService consent, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId is not { } mine || !who.Has(Roles.Patient)) return Results.LocalRedirect("/my?error=not-patient");
                ConsentKind? kind = form.Kind switch { "sharing-dissent" => ConsentKind.SharingDissent, "national-opt-out" => ConsentKind.NationalOptOut, _ => null };
                if (kind is null) return Results.LocalRedirect("/my?error=choose");
                var opened = await access.OpenAsync(who, mine, PermissionMatrix.Name(Permission.ConsentManage), $"Patient/{mine}/Consent", ct).ConfigureAwait(false);
                if (opened.View is null) return Results.LocalRedirect("/account/denied");
                await consent.SetAsync(who, mine, kind.Value, form.InForce, "changed by the patient online", ct).ConfigureAwait(false);
                return Results.LocalRedirect("/my?done=consent");
            })
            .RequirePermission(Permission.ConsentManage).ExcludeFromDescription();

        app.MapPost("/my/proxies", async Task<IResult> ([FromForm] ProxyForm form, HttpContext http, RecordAccessService access, CarerProxyService proxies, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId is not { } mine) return Results.LocalRedirect("/my");
                if (string.IsNullOrWhiteSpace(form.CarerEmail)) return Results.LocalRedirect("/my?error=carer-email");
                try
                {
                    var proxy = await proxies.GrantAsync(who, mine, form.CarerEmail, ct).ConfigureAwait(false);
                    await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ProxyManage), $"Patient/{mine}/Proxy/{proxy.Id}", mine, "granted by the patient", null, ct).ConfigureAwait(false);
                    return Results.LocalRedirect("/my?done=proxy-granted");
                }
                catch (SecurityRuleException)
                {
                    return Results.LocalRedirect("/my?error=carer-unknown");
                }
            })
            .RequirePermission(Permission.ProxyManage).ExcludeFromDescription();

        app.MapPost("/my/proxies/{proxyId:long}/withdraw", async Task<IResult> (long proxyId, [FromForm] EmptyForm form, HttpContext http, RecordAccessService access, CarerProxyService proxies, CancellationToken ct) =>
            {
                _ = form;
                var who = http.RequiredCaller();
                if (who.PatientId is not { } mine) return Results.LocalRedirect("/my");
                if (!await proxies.WithdrawAsync(who, mine, proxyId, ct).ConfigureAwait(false)) return Results.LocalRedirect("/my?error=withdrawn");
                await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ProxyManage), $"Patient/{mine}/Proxy/{proxyId}", mine, "withdrawn by the patient", null, ct).ConfigureAwait(false);
                return Results.LocalRedirect("/my?done=proxy-withdrawn");
            })
            .RequirePermission(Permission.ProxyManage).ExcludeFromDescription();

        app.MapPost("/ig/break-glass/{id:long}/review", async Task<IResult> (long id, [FromForm] ReviewForm form, HttpContext http, BreakGlassReviewService reviews, CancellationToken ct) =>
            {
                var result = await reviews.ReviewAsync(http.RequiredCaller(), id, form.Outcome, form.Note, ct).ConfigureAwait(false);
                return Results.LocalRedirect(result == BreakGlassReviewResult.Recorded ? "/ig/break-glass" : $"/ig/break-glass?error={BreakGlassReviewService.Code(result)}");
            })
            .RequirePermission(Permission.BreakGlassReview).ExcludeFromDescription();
    }
}
