using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Web.Record;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Web.Security;

public sealed record Me(string UserId, string Name, IReadOnlyList<string> Roles, string? Organisation, long? PatientId, IReadOnlyList<string> Permissions, IReadOnlyList<string>? TokenScopes);

public sealed record AuditItem(long Id, DateTime At, string? UserId, string? UserName, string? Role, string? Organisation, string? ClientId, long? PatientId, string Action, string Resource, string Outcome, string? Basis, string? Detail);

public sealed record AuditPage(IReadOnlyList<AuditItem> Entries, int Page, int PageSize, bool HasMore);

/// <summary>An access to the patient's own record, as the patient sees it.</summary>
public sealed record AccessToMyRecord(DateTime At, string Who, string? Role, string? Organisation, string What, bool Emergency, string? Reason);

public sealed record BreakGlassItem(long Id, long PatientId, string UserName, string Role, string? Organisation, string Reason, DateTime StartedAt, DateTime ExpiresAt, DateTime? ReviewedAt, string? ReviewOutcome, string? ReviewNote);

public sealed record BreakGlassReview(string? Outcome, string? Note);

public sealed record NewRelationship(long PatientId, string? Kind, int? TeamId, int? StaffMemberId, string? Source);

public sealed record RelationshipItem(long Id, long PatientId, string Kind, int? TeamId, int? StaffMemberId, DateTime StartedAt, DateTime? EndedAt, string Source);

public sealed record UserItem(string Id, string Email, string Name, IReadOnlyList<string> Roles, bool LockedOut, bool Demo);

/// <summary>Audit trail, break-glass review, relationships and users.</summary>
internal static class SecurityApi
{
    public const int PageSize = 50;

    public static void MapSecurityApi(this WebApplication app)
    {
        app.MapGet("/api/me", Results<Ok<Me>, UnauthorizedHttpResult> (HttpContext http) =>
            {
                if (http.Caller() is not { } who) return TypedResults.Unauthorized();
                return TypedResults.Ok(new Me(who.UserId, who.DisplayName, who.Roles.Order(StringComparer.Ordinal).ToList(), who.OrganisationCode, who.PatientId,
                    PermissionMatrix.AllPermissions.Where(who.Can).Select(PermissionMatrix.Name).ToList(), who.Scopes?.Granted));
            })
            .RequireAuthorization()
            .WithTags("Security").WithName("Me").WithSummary("Who the caller is, and what the matrix lets them do.");

        app.MapGet("/api/me/record-access", async Task<Results<Ok<List<AccessToMyRecord>>, ProblemHttpResult>> (HttpContext http, JoinedUpDbContext db, RecordAccessService access, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                if (who.PatientId is not { } mine) return RecordApi.Problem(404, "No record linked", "Your account is not linked to a patient record.");
                await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.AuditOwn), $"Patient/{mine}/AuditEvent", mine, "the patient themself", null, ct).ConfigureAwait(false);
                return TypedResults.Ok(await AccessesToAsync(db, mine, ct).ConfigureAwait(false));
            })
            .RequirePermission(Permission.AuditOwn)
            .WithTags("Security").WithName("MyRecordAccess").WithSummary("Who has opened the caller's own record, including emergency access and its reason.");

        var group = app.MapGroup("/api/security").WithTags("Security");

        group.MapGet("/audit", async Task<Results<Ok<AuditPage>, ProblemHttpResult>> (long? patientId, string? userId, string? outcome, string? action, DateTime? from, DateTime? to, int? page,
                HttpContext http, JoinedUpDbContext db, RecordAccessService access, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var p = page ?? 1;
                if (p < 1 || p > 100_000) return RecordApi.Problem(400, "Bad page", "page starts at 1.");
                if (outcome is not (null or AuditOutcome.Allowed or AuditOutcome.Denied or AuditOutcome.Unauthenticated))
                {
                    return RecordApi.Problem(400, "Unknown outcome", "outcome is allowed, denied or unauthenticated.");
                }
                var query = Filter(db.AuditEntries.AsNoTracking(), patientId, userId, outcome, action, from, to);
                var rows = await query.OrderByDescending(e => e.Id).Skip((p - 1) * PageSize).Take(PageSize + 1)
                    .Select(e => new AuditItem(e.Id, e.At, e.UserId, e.UserName, e.Role, e.OrganisationCode, e.ClientId, e.PatientId, e.Action, e.Resource, e.Outcome, e.Basis, e.Detail))
                    .ToListAsync(ct).ConfigureAwait(false);
                await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.AuditRead), "AuditEvent", patientId, "information governance", userId is null ? null : $"user {userId}", ct).ConfigureAwait(false);
                return TypedResults.Ok(new AuditPage(rows.Take(PageSize).ToList(), p, PageSize, rows.Count > PageSize));
            })
            .RequirePermission(Permission.AuditRead)
            .WithName("SearchAudit").WithSummary("Searches the audit trail, newest first, 50 per page.");

        group.MapGet("/break-glass", async (bool? all, HttpContext http, JoinedUpDbContext db, RecordAccessService access, CancellationToken ct) =>
            {
                var list = await BreakGlassListAsync(db, all ?? false, ct).ConfigureAwait(false);
                await access.AuditAsync(http.RequiredCaller(), AuditOutcome.Allowed, PermissionMatrix.Name(Permission.BreakGlassReview), "BreakGlass?list", null, "information governance", $"{list.Count} accesses listed", ct).ConfigureAwait(false);
                return TypedResults.Ok(list);
            })
            .RequirePermission(Permission.BreakGlassReview)
            .WithName("BreakGlassReviewList").WithSummary("Emergency accesses waiting for review (all=true for reviewed ones too).");

        group.MapPost("/break-glass/{id:long}/review", async Task<Results<Ok<BreakGlassItem>, ProblemHttpResult>> (long id, BreakGlassReview body, HttpContext http,
                JoinedUpDbContext db, BreakGlassReviewService reviews, CancellationToken ct) =>
            {
                var result = await reviews.ReviewAsync(http.RequiredCaller(), id, body.Outcome, body.Note, ct).ConfigureAwait(false);
                return result switch
                {
                    BreakGlassReviewResult.Recorded => TypedResults.Ok((await BreakGlassListAsync(db, true, ct).ConfigureAwait(false)).First(b => b.Id == id)),
                    BreakGlassReviewResult.NotFound => RecordApi.Problem(404, "No such emergency access", $"There is no break-glass access with id {id}."),
                    BreakGlassReviewResult.AlreadyReviewed => RecordApi.Problem(409, "Already reviewed", "This access has already been reviewed."),
                    _ => RecordApi.Problem(422, "Review not recorded", BreakGlassReviewService.Message(result)),
                };
            })
            .RequirePermission(Permission.BreakGlassReview)
            .WithName("ReviewBreakGlass").WithSummary("Records the information governance review of one emergency access.");

        group.MapPost("/relationships", async Task<Results<Created<RelationshipItem>, ProblemHttpResult>> (NewRelationship body, HttpContext http,
                RecordAccessService access, RelationshipService relationships, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                // Only someone who may already open the record can route it, and never to themself or their own team.
                var opened = await access.OpenAsync(who, body.PatientId, PermissionMatrix.Name(Permission.RelationshipManage), $"Patient/{body.PatientId}/CareRelationship", ct).ConfigureAwait(false);
                if (opened.View is null) return RecordApi.NotAllowed();
                if (!Enum.TryParse<RelationshipKind>(body.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
                {
                    return RecordApi.Problem(422, "Unknown relationship kind", "kind is referral (to another team) or navigator (another care navigator).");
                }
                if (await relationships.CheckManualStartAsync(who, kind, body.TeamId, body.StaffMemberId, ct).ConfigureAwait(false) is { } problem)
                {
                    return RecordApi.Problem(422, "Relationship not started", problem);
                }
                try
                {
                    var r = await relationships.StartAsync(body.PatientId, kind, body.TeamId, body.StaffMemberId, body.Source?.Trim() is { Length: > 0 } s ? s[..Math.Min(s.Length, 200)] : $"started by {who.DisplayName}", ct).ConfigureAwait(false);
                    return TypedResults.Created($"/api/security/relationships/{r.Id}", new RelationshipItem(r.Id, r.PatientId, r.Kind.ToString(), r.TeamId, r.StaffMemberId, r.StartedAt, r.EndedAt, r.Source));
                }
                catch (SecurityRuleException ex)
                {
                    return RecordApi.Problem(422, "Relationship not started", ex.Message);
                }
            })
            .RequirePermission(Permission.RelationshipManage)
            .WithName("StartRelationship").WithSummary("Routes a patient the caller may already open: a referral to another team, or another care navigator.");

        group.MapDelete("/relationships/{id:long}", async Task<Results<NoContent, ProblemHttpResult>> (long id, string? reason, HttpContext http,
                JoinedUpDbContext db, RecordAccessService access, RelationshipService relationships, CancellationToken ct) =>
            {
                var who = http.RequiredCaller();
                var relationship = await db.CareRelationships.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct).ConfigureAwait(false);
                // The same refusal for a relationship that does not exist and one the caller may not touch.
                if (relationship is null)
                {
                    await access.AuditAsync(who, AuditOutcome.Denied, PermissionMatrix.Name(Permission.RelationshipManage), $"CareRelationship/{id}", null, "no such relationship", null, ct).ConfigureAwait(false);
                    return RecordApi.NotAllowed();
                }
                var opened = await access.OpenAsync(who, relationship.PatientId, PermissionMatrix.Name(Permission.RelationshipManage), $"CareRelationship/{id}", ct).ConfigureAwait(false);
                if (opened.View is null || !RelationshipService.MayEnd(who, relationship)) return RecordApi.NotAllowed();
                return await relationships.EndAsync(id, reason?.Trim() is { Length: > 0 } r ? r[..Math.Min(r.Length, 200)] : "episode ended", ct).ConfigureAwait(false)
                    ? TypedResults.NoContent()
                    : RecordApi.Problem(409, "Already ended", $"Relationship {id} has already ended.");
            })
            .RequirePermission(Permission.RelationshipManage)
            .WithName("EndRelationship").WithSummary("Ends a relationship when the episode ends.");

        group.MapGet("/users", async (JoinedUpDbContext db, CancellationToken ct) => TypedResults.Ok(await UsersAsync(db, ct).ConfigureAwait(false)))
            .RequirePermission(Permission.UsersManage)
            .WithName("ListUsers").WithSummary("Sign-ins and their roles. Patient and carer accounts are listed without names.");
    }

    internal static IQueryable<AuditEntry> Filter(IQueryable<AuditEntry> query, long? patientId, string? userId, string? outcome, string? action, DateTime? from, DateTime? to)
    {
        if (patientId is { } pid) query = query.Where(e => e.PatientId == pid);
        if (!string.IsNullOrWhiteSpace(userId)) query = query.Where(e => e.UserId == userId);
        if (!string.IsNullOrWhiteSpace(outcome)) query = query.Where(e => e.Outcome == outcome);
        if (!string.IsNullOrWhiteSpace(action)) query = query.Where(e => e.Action == action);
        // A time without a zone is taken as UTC (the trail's clock), never as the server's local time.
        if (from is { } f) { var fu = f.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(f, DateTimeKind.Utc) : f.ToUniversalTime(); query = query.Where(e => e.At >= fu); }
        if (to is { } t) { var tu = t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime(); query = query.Where(e => e.At < tu); }
        return query;
    }

    internal static async Task<List<AccessToMyRecord>> AccessesToAsync(JoinedUpDbContext db, long patientId, CancellationToken ct)
    {
        var rows = await db.AuditEntries.AsNoTracking()
            .Where(e => e.PatientId == patientId && e.Outcome == AuditOutcome.Allowed)
            .OrderByDescending(e => e.Id).Take(200)
            .Select(e => new { e.At, e.UserName, e.Role, e.OrganisationCode, e.Action, e.Basis })
            .ToListAsync(ct).ConfigureAwait(false);
        return rows.Select(e => new AccessToMyRecord(e.At, e.UserName ?? "unknown", e.Role, e.OrganisationCode, e.Action,
            e.Basis?.StartsWith("break-glass", StringComparison.Ordinal) == true || e.Action == PermissionMatrix.Name(Permission.BreakGlass),
            e.Basis)).ToList();
    }

    internal static async Task<List<BreakGlassItem>> BreakGlassListAsync(JoinedUpDbContext db, bool all, CancellationToken ct) =>
        await db.BreakGlassAccesses.AsNoTracking().Where(b => all || b.ReviewedAt == null).OrderBy(b => b.StartedAt).Take(500)
            .Select(b => new BreakGlassItem(b.Id, b.PatientId, b.UserName, b.Role, b.OrganisationCode, b.Reason, b.StartedAt, b.ExpiresAt, b.ReviewedAt,
                b.ReviewOutcome == null ? null : b.ReviewOutcome == BreakGlassReviewOutcome.Appropriate ? "appropriate" : "inappropriate", b.ReviewNote))
            .ToListAsync(ct).ConfigureAwait(false);

    internal static async Task<List<UserItem>> UsersAsync(JoinedUpDbContext db, CancellationToken ct)
    {
        var roles = await db.UserRoles.Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name }).ToListAsync(ct).ConfigureAwait(false);
        var byUser = roles.GroupBy(r => r.UserId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(x => x.Name!).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).Select(u => new { u.Id, u.Email, u.DisplayName, u.LockoutEnd, u.IsDemo, u.PatientId }).ToListAsync(ct).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        return users.Select(u =>
        {
            var r = byUser.GetValueOrDefault(u.Id) ?? [];
            // An administrator manages accounts, not records: a patient's or carer's name is personal data they do not need.
            var personal = r.Contains(Roles.Patient) || r.Contains(Roles.Carer);
            return new UserItem(u.Id, u.Email ?? "", personal ? "(patient or carer account)" : u.DisplayName, r, u.LockoutEnd > now, u.IsDemo);
        }).ToList();
    }
}
