using System.Diagnostics;
using System.Globalization;
using JoinedUp.Care;
using JoinedUp.Security;
using JoinedUp.Web.Security;

namespace JoinedUp.Web.Care;

/// <summary>
/// The care worklists over REST (issue 6, docs/adr/0005 point 4): a clinician's caseload, a navigator's people at risk
/// of being lost, a team lead's teams. Keyset paged: send the previous page's <c>next</c> as <c>after</c>; <c>limit</c>
/// is 1 to 200 (50 when left out). A bad cursor, filter or limit is 422 with what to send.
/// </summary>
internal static class CareWorklistApi
{
    public const int DefaultLimit = 50;

    public static void MapCareWorklistApi(this WebApplication app)
    {
        var group = app.MapGroup("/api/care/worklists").WithTags("Care");
        // The time spent in the endpoint up to the response starting, for the benchmark (bench/RESULTS.md, issue 6) and for
        // anyone looking at a slow worklist in the browser's network panel.
        group.AddEndpointFilter(async (context, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            var response = context.HttpContext.Response;
            response.OnStarting(() =>
            {
                response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture, $"app;dur={Stopwatch.GetElapsedTime(start).TotalMilliseconds:F2}");
                return Task.CompletedTask;
            });
            return await next(context).ConfigureAwait(false);
        });

        group.MapGet("/caseload", (string? filter, string? after, int? limit, HttpContext http, CareWorklists worklists, CancellationToken ct) =>
                Answer(async () =>
                {
                    var f = ParseEnum<CaseloadFilter>(filter, "filter", "all, overdue, due-today or review-due") ?? CaseloadFilter.All;
                    return await worklists.CaseloadAsync(http.RequiredCaller(), f, after, limit ?? DefaultLimit, ct).ConfigureAwait(false);
                }))
            .RequirePermission(Permission.TaskManage)
            .WithName("CaseloadWorklist").WithSummary("People on my teams' caseload with their next due contact, plan review date and overdue flag; filter=overdue|due-today|review-due.");

        group.MapGet("/at-risk", (string? reason, int? days, string? after, int? limit, HttpContext http, CareWorklists worklists, CancellationToken ct) =>
                Answer(async () =>
                {
                    var r = ParseEnum<AtRiskReason>(reason, "reason", "hand-over-not-accepted, missed-follow-up or no-contact (or leave it out for all)");
                    return await worklists.AtRiskAsync(http.RequiredCaller(), r, days ?? CareWorklists.DefaultNoContactDays, after, limit ?? DefaultLimit, ct).ConfigureAwait(false);
                }))
            .RequirePermission(Permission.TaskManage)
            .WithName("AtRiskWorklist").WithSummary("People I navigate who may be getting lost: hand-over not accepted, missed follow-up, or no contact for `days` days (14).");

        group.MapGet("/team", (string? show, string? after, int? limit, HttpContext http, CareWorklists worklists, CancellationToken ct) =>
                Answer(async () =>
                {
                    var s = ParseEnum<TeamTaskList>(show, "show", "escalated, hand-overs or overdue") ?? TeamTaskList.Escalated;
                    return await worklists.TeamAsync(http.RequiredCaller(), s, after, limit ?? DefaultLimit, ct).ConfigureAwait(false);
                }))
            .RequirePermission(Permission.TaskManage)
            .WithName("TeamWorklist").WithSummary("For the teams I lead: hand-overs waiting, overdue tasks, tasks escalated to me, caseload size; and the escalated (or hand-overs, overdue) tasks.");
    }

    private static async Task<IResult> Answer<T>(Func<Task<T>> read)
    {
        try
        {
            return TypedResults.Ok(await read().ConfigureAwait(false));
        }
        catch (WorklistRequestException e)
        {
            return TypedResults.Problem(detail: e.Message, statusCode: 422, title: "Not a worklist request");
        }
    }

    /// <summary>Accepts the name as JSON writes it ("DueToday") or as a URL would ("due-today", "due_today"); null when absent.</summary>
    internal static T? ParseEnum<T>(string? text, string name, string allowed) where T : struct, Enum
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var plain = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (Enum.TryParse<T>(plain, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(plain, out _)) return value;
        throw new WorklistRequestException($"'{text}' is not a {name} this worklist knows: use {allowed}.");
    }
}
