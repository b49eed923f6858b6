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
                var patientId = form.PatientId;
                if (patientId is null)
                {
                    if (!NhsNumber.TryParse(form.NhsNumber, out var number, out var error)) return Results.LocalRedirect($"{back}?error={Uri.EscapeDataString(error!)}");
                    var digits = number.Value.Value;
                    patientId = await db.Patients.Where(p => p.NhsNumber == digits).Select(p => (long?)p.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                    if (patientId is null)
                    {
                        await access.AuditAsync(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.BreakGlass), "Patient?nhsNumber", null, "no patient with that NHS number", form.Reason, ct).ConfigureAwait(false);
                        return Results.LocalRedirect($"{back}?error={Uri.EscapeDataString("No patient record has that NHS number. Check it and try again.")}");
                    }
                }
                var result = await access.BreakGlassAsync(who, patientId.Value, form.Reason, options, ct).ConfigureAwait(false);
                return result.Access is null
                    ? Results.LocalRedirect($"{back}?error={Uri.EscapeDataString(result.Problem!)}")
                    : Results.LocalRedirect($"/record/{patientId}");
            })
            .RequirePermission(Permission.BreakGlass).ExcludeFromDescription();

        app.MapPost("/my/consent", async Task<IResult> ([FromForm] ConsentForm form, HttpContext http, RecordAccessService access, ConsentService consent, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId is not { } mine || !who.Has(Roles.Patient)) return Results.LocalRedirect("/my?error=" + Uri.EscapeDataString("Only a patient changes their own choices here."));
                ConsentKind? kind = form.Kind switch { "sharing-dissent" => ConsentKind.SharingDissent, "national-opt-out" => ConsentKind.NationalOptOut, _ => null };
                if (kind is null) return Results.LocalRedirect("/my?error=" + Uri.EscapeDataString("Choose which setting to change."));
                var opened = await access.OpenAsync(who, mine, PermissionMatrix.Name(Permission.ConsentManage), $"Patient/{mine}/Consent", ct).ConfigureAwait(false);
                if (opened.View is null) return Results.LocalRedirect("/account/denied");
                await consent.SetAsync(who, mine, kind.Value, form.InForce, "changed by the patient online", ct).ConfigureAwait(false);
                return Results.LocalRedirect("/my?done=" + Uri.EscapeDataString("Your choice is saved. You can change it at any time."));
            })
            .RequirePermission(Permission.ConsentManage).ExcludeFromDescription();

        app.MapPost("/my/proxies", async Task<IResult> ([FromForm] ProxyForm form, HttpContext http, RecordAccessService access, CarerProxyService proxies, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId is not { } mine) return Results.LocalRedirect("/my");
                if (string.IsNullOrWhiteSpace(form.CarerEmail)) return Results.LocalRedirect("/my?error=" + Uri.EscapeDataString("Enter your carer's email address."));
                try
                {
                    var proxy = await proxies.GrantAsync(who, mine, form.CarerEmail, ct).ConfigureAwait(false);
                    await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ProxyManage), $"Patient/{mine}/Proxy/{proxy.Id}", mine, "granted by the patient", null, ct).ConfigureAwait(false);
                    return Results.LocalRedirect("/my?done=" + Uri.EscapeDataString("Your carer can now see your record."));
                }
                catch (SecurityRuleException ex)
                {
                    return Results.LocalRedirect("/my?error=" + Uri.EscapeDataString(ex.Message));
                }
            })
            .RequirePermission(Permission.ProxyManage).ExcludeFromDescription();

        app.MapPost("/my/proxies/{proxyId:long}/withdraw", async Task<IResult> (long proxyId, [FromForm] LogoutForm form, HttpContext http, RecordAccessService access, CarerProxyService proxies, CancellationToken ct) =>
            {
                _ = form;
                var who = http.RequiredCaller();
                if (who.PatientId is not { } mine) return Results.LocalRedirect("/my");
                if (!await proxies.WithdrawAsync(who, mine, proxyId, ct).ConfigureAwait(false)) return Results.LocalRedirect("/my?error=" + Uri.EscapeDataString("That access was already withdrawn."));
                await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.ProxyManage), $"Patient/{mine}/Proxy/{proxyId}", mine, "withdrawn by the patient", null, ct).ConfigureAwait(false);
                return Results.LocalRedirect("/my?done=" + Uri.EscapeDataString("Access withdrawn. Your carer can no longer see your record."));
            })
            .RequirePermission(Permission.ProxyManage).ExcludeFromDescription();

        app.MapPost("/ig/break-glass/{id:long}/review", async Task<IResult> (long id, [FromForm] ReviewForm form, HttpContext http, JoinedUpDbContext db,
                RecordAccessService access, TimeProvider clock, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                BreakGlassReviewOutcome? outcome = form.Outcome switch { "appropriate" => BreakGlassReviewOutcome.Appropriate, "inappropriate" => BreakGlassReviewOutcome.Inappropriate, _ => null };
                if (outcome is null) return Results.LocalRedirect("/ig/break-glass?error=" + Uri.EscapeDataString("Choose appropriate or inappropriate."));
                if (outcome == BreakGlassReviewOutcome.Inappropriate && string.IsNullOrWhiteSpace(form.Note))
                {
                    return Results.LocalRedirect("/ig/break-glass?error=" + Uri.EscapeDataString("Add a note saying why the access was inappropriate."));
                }
                var item = await db.BreakGlassAccesses.FirstOrDefaultAsync(b => b.Id == id && b.ReviewedAt == null, ct).ConfigureAwait(false);
                if (item is null) return Results.LocalRedirect("/ig/break-glass?error=" + Uri.EscapeDataString("That access was already reviewed."));
                item.ReviewedAt = clock.GetUtcNow().UtcDateTime;
                item.ReviewedByUserId = who.UserId;
                item.ReviewOutcome = outcome;
                item.ReviewNote = form.Note?.Trim();
                await db.SaveChangesAsync(ct).ConfigureAwait(false);
                await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.BreakGlassReview), $"BreakGlass/{id}", item.PatientId, form.Outcome, item.ReviewNote, ct).ConfigureAwait(false);
                return Results.LocalRedirect("/ig/break-glass");
            })
            .RequirePermission(Permission.BreakGlassReview).ExcludeFromDescription();
    }
}
