using System.Globalization;
using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

/// <summary>What a clinician's caseload shows: everyone, only the overdue, what is due by the end of today, or plan reviews due within 7 days.</summary>
public enum CaseloadFilter
{
    All,
    Overdue,
    DueToday,
    ReviewDue,
}

/// <summary>Why a person the navigator looks after may be getting lost.</summary>
public enum AtRiskReason
{
    /// <summary>A hand-over the receiving service has not accepted by its due time.</summary>
    HandOverNotAccepted,

    /// <summary>A follow-up past its due time and not completed.</summary>
    MissedFollowUp,

    /// <summary>No contact for the number of days asked (default 14).</summary>
    NoContact,
}

/// <summary>Which tasks the team lead's list shows.</summary>
public enum TeamTaskList
{
    /// <summary>Tasks escalated to the team lead (level 2) and still open.</summary>
    Escalated,

    /// <summary>Hand-overs to the team waiting to be accepted.</summary>
    HandOvers,

    /// <summary>Open tasks of the team past their due time.</summary>
    Overdue,
}

/// <summary>A person on the caller's teams' caseload. Only what a worklist needs: the record itself is one click away.</summary>
public sealed record CaseloadRow(long PatientId, string Name, string? NhsNumber, string LocalIdentifier, DateTime? NextDueAt, string? NextDueWhat,
    DateTime? NextTaskDueAt, DateOnly? NextActivityDue, DateOnly? ReviewDue, bool Overdue, bool DueToday, bool ReviewSoon);

public sealed record CaseloadCounts(int People, int Overdue, int DueToday, int ReviewDue);

public sealed record CaseloadPage(IReadOnlyList<CaseloadRow> Rows, CaseloadCounts Counts, CaseloadFilter Filter, string? Next);

/// <summary>A person the caller navigates who may be getting lost, with every reason that applies.</summary>
public sealed record AtRiskRow(long PatientId, string Name, string? NhsNumber, string LocalIdentifier, IReadOnlyList<AtRiskReason> Reasons,
    DateTime? HandOverDueAt, DateTime? FollowUpDueAt, DateTime? LastContactAt, DateTime NavigatedSince, DateTime WaitingSince);

public sealed record AtRiskCounts(int Navigated, int AtRisk, int HandOverNotAccepted, int MissedFollowUp, int NoContact);

public sealed record AtRiskPage(IReadOnlyList<AtRiskRow> Rows, AtRiskCounts Counts, AtRiskReason? Reason, int NoContactDays, string? Next);

/// <summary>One task on the team lead's list.</summary>
public sealed record TeamTaskRow(long TaskId, long PatientId, string Name, string? NhsNumber, string LocalIdentifier, CareTaskKind Kind, CareTaskStatus Status,
    int TeamId, string TeamName, string Description, DateTime DueAt, int EscalationLevel, DateTime? EscalatedAt);

/// <summary>The figures of one team the caller leads.</summary>
public sealed record TeamCounts(int TeamId, string TeamName, int HandOversWaiting, int OverdueTasks, int EscalatedToLead, int Caseload);

public sealed record TeamPage(IReadOnlyList<TeamTaskRow> Rows, IReadOnlyList<TeamCounts> Teams, TeamCounts Totals, TeamTaskList Show, string? Next);

/// <summary>A worklist request that cannot be answered as asked (a bad cursor or filter): the message says what to send.</summary>
public sealed class WorklistRequestException(string message) : Exception(message);

/// <summary>
/// The care worklists (issue 6, docs/adr/0005 point 4): a clinician's caseload with what is due, a navigator's people
/// at risk of being lost, and a team lead's teams. Each lists only people the caller already has a relationship with
/// (caseload of their teams, their own navigator assignments, the teams they lead), so no record is opened per row;
/// reading a page is audited once. Every query is set-based and keyset-paged (a cursor of the last row's sort key,
/// never OFFSET), on covering indexes (JoinedUpDbContext.ConfigureCare), so a page costs the same on page 1 as on page 50.
/// </summary>
/// <remarks>
/// The caseload and at-risk queries are SQL with two small dialect differences (the date of a plan activity as a time,
/// LIMIT is shared): their next-due and last-contact keys mix a date column with time columns, which LINQ cannot
/// express on both providers. "Open" task means what escalation means: requested, or accepted and not a hand-over
/// (an accepted hand-over's own job is done; its work goes on the caseload as follow-ups). A plan activity due on a
/// day counts as due at the start of that day (UTC) for ordering, and overdue once that day has passed (UK date).
/// </remarks>
public sealed class CareWorklists(JoinedUpDbContext db, RecordAccessService access, TimeProvider clock)
{
    public const int MaxLimit = 200;
    public const int DefaultNoContactDays = 14;
    public const int ReviewWindowDays = 7;

    private bool Postgres => db.Database.ProviderName?.Contains("Npgsql", StringComparison.Ordinal) == true;

    /// <summary>An activity's due date as a time at the start of that day (UTC), for ordering with task due times.</summary>
    private string ActivityDueAsTime(string column) => Postgres ? $"({column}::timestamp AT TIME ZONE 'UTC')" : $"({column} || ' 00:00:00')";

    private static string Least(string a, string b) => $"CASE WHEN {a} IS NULL OR {b} < {a} THEN {b} ELSE {a} END";

    private static string Greatest(string a, string b) => $"CASE WHEN {a} IS NULL OR {b} > {a} THEN {b} ELSE {a} END";

    private static string Ids(IEnumerable<int> ids) => string.Join(",", ids.Order().Select(i => i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Open for the team: requested, or accepted and not a hand-over (the escalation rule).</summary>
    /// <remarks>Written as an IN on status (an index seek on to_team_id, status, due_at) with the kind checked from the same index.</remarks>
    private const string OpenTask = "(t.status IN (1, 2) AND (t.status = 1 OR t.kind <> 1))";

    // ------------------------------------------------------------------ clinician: my caseload

    /// <summary>
    /// People on the open caseload of the caller's teams, with the next due contact (the earliest open task for those
    /// teams, or plan activity owned by them that is not started or scheduled), the plan review date, and whether
    /// anything is overdue. Sorted by next due (nothing due last), then patient id.
    /// </summary>
    public async Task<CaseloadPage> CaseloadAsync(AccessPrincipal who, CaseloadFilter filter, string? after, int limit, CancellationToken ct)
    {
        limit = Limit(limit);
        var cursor = after is null ? null : ParseCursor(after, allowNoTime: true);
        var now = clock.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(UkClock.ToLocal(now));
        var endOfToday = UkClock.ToUtc(today.AddDays(1).ToDateTime(TimeOnly.MinValue));
        var reviewBy = today.AddDays(ReviewWindowDays);
        var teams = who.TeamIds.ToList();
        if (teams.Count == 0)
        {
            await AuditListAsync(who, "caseload", 0, ct).ConfigureAwait(false);
            return new CaseloadPage([], new CaseloadCounts(0, 0, 0, 0), filter, null);
        }
        var t = Ids(teams);
        var onCaseload = $"r.team_id IN ({t}) AND r.kind = 1 AND r.ended_at IS NULL";

        // The page. Sorting people by their next due item would mean working out every person's next due item, and a
        // team's caseload runs to thousands. So the candidates come first: the team's open tasks and activities in due
        // order from the cursor on (a few hundred index entries), whose people are the only ones who can be next. Their
        // rows are exact up to the cut (the due time of the last item read, when more were left): anyone due before it
        // has an item among those read. Too few rows before the cut reads four times as many; at the end of the list,
        // or with nobody left with anything due, the whole caseload is worked out (only the last pages pay for that).
        List<CaseloadSql>? found = null;
        if (filter != CaseloadFilter.ReviewDue && cursor is not { At: null })
        {
            var taskBound = filter switch { CaseloadFilter.Overdue => now, CaseloadFilter.DueToday => endOfToday, _ => Far };
            // An activity's day may be today for a person who is overdue on a task: read today's activities for both filters.
            var activityBound = filter == CaseloadFilter.All ? DateOnly.MaxValue : today;
            for (var take = (limit + 1) * 4; take <= 20_000 && found is null; take *= 4)
            {
                var (people, cut, exhausted) = await CandidatesAsync(t, cursor?.At, taskBound, activityBound, take, ct).ConfigureAwait(false);
                if (people.Count == 0 && !exhausted) continue;
                var rows = people.Count == 0 ? [] : await CaseloadRowsAsync(t, $"SELECT DISTINCT r.patient_id AS pid FROM care_relationship r WHERE {onCaseload} AND r.patient_id IN ({string.Join(",", people.Select(x => x.ToString(CultureInfo.InvariantCulture)))})",
                    filter, cursor, limit, now, today, endOfToday, reviewBy, cut, ct).ConfigureAwait(false);
                if (rows.Count > limit || (exhausted && filter != CaseloadFilter.All)) found = rows;
                else if (exhausted) break; // the people with nothing due come next: the whole caseload below
            }
        }
        found ??= await CaseloadRowsAsync(t, filter == CaseloadFilter.ReviewDue
                ? $"SELECT DISTINCT r.patient_id AS pid FROM care_relationship r WHERE {onCaseload} AND EXISTS (SELECT 1 FROM care_plan cp WHERE cp.patient_id = r.patient_id AND cp.status <> 3 AND cp.review_due <= {{3}})"
                : $"SELECT DISTINCT r.patient_id AS pid FROM care_relationship r WHERE {onCaseload}",
            filter, cursor, limit, now, today, endOfToday, reviewBy, null, ct).ConfigureAwait(false);

        // The counts, from the items rather than per person: overdue and due-today people are those with such an item.
        var items = $"""
            SELECT t.patient_id AS pid FROM care_task t WHERE t.to_team_id IN ({t}) AND {OpenTask} AND t.due_at < @TaskBefore
            UNION
            SELECT cp.patient_id FROM care_plan_activity a JOIN care_plan cp ON cp.id = a.care_plan_id
            WHERE a.owner_team_id IN ({t}) AND a.status IN (1, 2) AND a.due @Cmp {"{1}"} AND cp.status <> 3
            """;
        var caseloadOf = $"EXISTS (SELECT 1 FROM care_relationship r WHERE r.patient_id = x.pid AND {onCaseload})";
        var counts = $"""
            SELECT
                (SELECT COUNT(DISTINCT r.patient_id) FROM care_relationship r WHERE {onCaseload}) AS "People",
                (SELECT COUNT(*) FROM ({items.Replace("@TaskBefore", "{0}", StringComparison.Ordinal).Replace("@Cmp", "<", StringComparison.Ordinal)}) x WHERE {caseloadOf}) AS "Overdue",
                (SELECT COUNT(*) FROM ({items.Replace("@TaskBefore", "{2}", StringComparison.Ordinal).Replace("@Cmp", "<=", StringComparison.Ordinal)}) x WHERE {caseloadOf}) AS "DueToday",
                (SELECT COUNT(*) FROM (SELECT DISTINCT cp.patient_id AS pid FROM care_plan cp WHERE cp.status <> 3 AND cp.review_due <= {"{3}"}) x WHERE {caseloadOf}) AS "ReviewDue"
            """;
        var c = (await db.Database.SqlQueryRaw<CaseloadCountSql>(counts, now, today, endOfToday, reviewBy).ToListAsync(ct).ConfigureAwait(false)).Single();

        var more = found.Count > limit;
        var list = found.Take(limit).Select(r =>
        {
            var taskDue = Utc(r.TaskDueAt);
            var what = r.NextDueAt is null ? null : taskDue is { } td && (r.ActivityDue is not { } ad || td <= ad.ToDateTime(TimeOnly.MinValue)) ? "task" : "activity";
            return new CaseloadRow(r.PatientId, $"{r.FamilyName.ToUpperInvariant()}, {r.GivenName}", r.NhsNumber, r.LocalIdentifier, Utc(r.NextDueAt), what,
                taskDue, r.ActivityDue, r.ReviewDue, r.Overdue == 1, r.DueToday == 1, r.ReviewSoon == 1);
        }).ToList();
        await AuditListAsync(who, "caseload", list.Count, ct).ConfigureAwait(false);
        var last = list.LastOrDefault();
        return new CaseloadPage(list, new CaseloadCounts((int)c.People, (int)c.Overdue, (int)c.DueToday, (int)c.ReviewDue), filter,
            more && last is not null ? Cursor(last.NextDueAt, last.PatientId) : null);
    }

    /// <summary>"Later than anything": the cut when every item was read.</summary>
    private static readonly DateTime Far = new(9999, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// The people of the first <paramref name="take"/> open tasks and activities of the teams due from
    /// <paramref name="from"/> on, and the cut: the earliest of the last due times read from a list that had more.
    /// </summary>
    private async Task<(List<long> People, DateTime Cut, bool Exhausted)> CandidatesAsync(string teams, DateTime? from, DateTime taskBefore, DateOnly activityUpTo, int take, CancellationToken ct)
    {
        var start = from ?? new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var taskSql = $"""
            SELECT t.patient_id AS "PatientId", t.due_at AS "DueAt" FROM care_task t
            WHERE t.to_team_id IN ({teams}) AND {OpenTask} AND t.due_at >= {"{0}"} AND t.due_at < {"{1}"}
            ORDER BY t.due_at LIMIT {"{2}"}
            """;
        var activitySql = $"""
            SELECT cp.patient_id AS "PatientId", a.due AS "Due" FROM care_plan_activity a JOIN care_plan cp ON cp.id = a.care_plan_id
            WHERE a.owner_team_id IN ({teams}) AND a.status IN (1, 2) AND a.due IS NOT NULL AND a.due >= {"{0}"} AND a.due <= {"{1}"} AND cp.status <> 3
            ORDER BY a.due LIMIT {"{2}"}
            """;
        var tasks = await db.Database.SqlQueryRaw<TaskDueSql>(taskSql, start, taskBefore, take).ToListAsync(ct).ConfigureAwait(false);
        var activities = await db.Database.SqlQueryRaw<ActivityDueSql>(activitySql, DateOnly.FromDateTime(start), activityUpTo, take).ToListAsync(ct).ConfigureAwait(false);
        var cut = Far;
        if (tasks.Count == take) cut = DateTime.SpecifyKind(tasks[^1].DueAt, DateTimeKind.Utc);
        if (activities.Count == take && activities[^1].Due.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) is var day && day < cut) cut = day;
        var people = tasks.Select(x => x.PatientId).Concat(activities.Select(x => x.PatientId)).Distinct().Order().ToList();
        return (people, cut, cut == Far);
    }

    /// <summary>Works out next due, review and flags for the people <paramref name="peopleSql"/> selects, and returns the page (limit + 1 rows).</summary>
    private async Task<List<CaseloadSql>> CaseloadRowsAsync(string teams, string peopleSql, CaseloadFilter filter, CursorKey? cursor, int limit, DateTime now, DateOnly today, DateTime endOfToday,
        DateOnly reviewBy, DateTime? cut, CancellationToken ct)
    {
        var t = peopleSql;
        // {0} now, {1} today, {2} end of today (UTC), {3} review-by date, {4} cursor time, {5} cursor patient, {6} limit + 1, {7} cut
        var rows = $$"""
            WITH people AS MATERIALIZED (
                {{t}}
            ),
            due AS MATERIALIZED (
                SELECT p.pid,
                    (SELECT MIN(t.due_at) FROM care_task t WHERE t.patient_id = p.pid AND t.to_team_id IN ({{teams}}) AND {{OpenTask}}) AS task_due,
                    (SELECT MIN(a.due) FROM care_plan cp JOIN care_plan_activity a ON a.care_plan_id = cp.id
                        WHERE cp.patient_id = p.pid AND cp.status <> 3 AND a.owner_team_id IN ({{teams}}) AND a.status IN (1, 2) AND a.due IS NOT NULL) AS activity_due,
                    (SELECT MIN(cp.review_due) FROM care_plan cp WHERE cp.patient_id = p.pid AND cp.status <> 3) AS review_due
                FROM people p
            ),
            keyed AS (
                SELECT d.pid, d.task_due, d.activity_due, d.review_due,
                    {{Least("d.task_due", ActivityDueAsTime("d.activity_due"))}} AS next_due,
                    CASE WHEN d.task_due < {0} OR d.activity_due < {1} THEN 1 ELSE 0 END AS overdue,
                    CASE WHEN d.task_due < {2} OR d.activity_due <= {1} THEN 1 ELSE 0 END AS due_today,
                    CASE WHEN d.review_due <= {3} THEN 1 ELSE 0 END AS review_soon
                FROM due d
            ),
            page AS (
                SELECT k.* FROM keyed k
                WHERE @filter AND @keyset AND @cut
                ORDER BY CASE WHEN k.next_due IS NULL THEN 1 ELSE 0 END, k.next_due, k.pid
                LIMIT {6}
            )
            SELECT k.pid AS "PatientId", pt.family_name AS "FamilyName", pt.given_name AS "GivenName", pt.nhs_number AS "NhsNumber", pt.local_identifier AS "LocalIdentifier",
                k.next_due AS "NextDueAt", k.task_due AS "TaskDueAt", k.activity_due AS "ActivityDue", k.review_due AS "ReviewDue",
                k.overdue AS "Overdue", k.due_today AS "DueToday", k.review_soon AS "ReviewSoon"
            FROM page k JOIN patient pt ON pt.id = k.pid
            ORDER BY CASE WHEN k.next_due IS NULL THEN 1 ELSE 0 END, k.next_due, k.pid
            """;
        var where = filter switch
        {
            CaseloadFilter.Overdue => "k.overdue = 1",
            CaseloadFilter.DueToday => "k.due_today = 1",
            CaseloadFilter.ReviewDue => "k.review_soon = 1",
            _ => "1 = 1",
        };
        var keyset = cursor switch
        {
            null => "1 = 1",
            { At: null } => "k.next_due IS NULL AND k.pid > {5}",
            _ => "(k.next_due IS NULL OR k.next_due > {4} OR (k.next_due = {4} AND k.pid > {5}))",
        };
        var sql = rows.Replace("@filter", where, StringComparison.Ordinal).Replace("@keyset", keyset, StringComparison.Ordinal)
            .Replace("@cut", cut is null ? "1 = 1" : "k.next_due < {7}", StringComparison.Ordinal);
        object[] args = [now, today, endOfToday, reviewBy, cursor?.At ?? now, cursor?.Id ?? 0L, limit + 1, cut ?? Far];
        return await db.Database.SqlQueryRaw<CaseloadSql>(sql, args).ToListAsync(ct).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ navigator: people at risk of being lost

    /// <summary>
    /// People the caller navigates (their open navigator relationships) with a hand-over not accepted past its due
    /// time, a missed follow-up, or no contact for <paramref name="noContactDays"/> days. Contact is the latest of: a
    /// service's first contact on a referral route, a hand-over accepted, a task completed, a change to the care plan;
    /// with none yet, the day the navigator was assigned starts the count. Longest waiting first.
    /// </summary>
    public async Task<AtRiskPage> AtRiskAsync(AccessPrincipal who, AtRiskReason? reason, int noContactDays, string? after, int limit, CancellationToken ct)
    {
        limit = Limit(limit);
        if (noContactDays is < 1 or > 365) throw new WorklistRequestException("Give the days without contact (days) between 1 and 365.");
        var cursor = after is null ? null : ParseCursor(after, allowNoTime: false);
        var now = clock.GetUtcNow().UtcDateTime;
        var quietSince = now.AddDays(-noContactDays);
        if (who.StaffMemberId is not { } staff)
        {
            await AuditListAsync(who, "at-risk", 0, ct).ConfigureAwait(false);
            return new AtRiskPage([], new AtRiskCounts(0, 0, 0, 0, 0), reason, noContactDays, null);
        }
        var waiting = Least(Least("r.handover_due", "r.followup_due"), $"CASE WHEN r.quiet = 1 THEN {Greatest("r.last_contact", "r.since")} END");
        var contact = Greatest(Greatest("d.route_contact", "d.handover_accepted"), Greatest("d.task_completed", "d.plan_changed"));
        // {0} now, {1} quiet since (now - N days), {2} staff id, {3} cursor time, {4} cursor patient, {5} limit + 1
        var rows = $$"""
            WITH people AS MATERIALIZED (
                SELECT r.patient_id AS pid, MIN(r.started_at) AS since FROM care_relationship r
                WHERE r.staff_member_id = {2} AND r.kind = 3 AND r.ended_at IS NULL
                GROUP BY r.patient_id
            ),
            facts AS MATERIALIZED (
                SELECT p.pid, p.since,
                    (SELECT MIN(t.due_at) FROM care_task t WHERE t.patient_id = p.pid AND t.kind = 1 AND t.status = 1 AND t.due_at < {0}) AS handover_due,
                    (SELECT MIN(t.due_at) FROM care_task t WHERE t.patient_id = p.pid AND t.kind = 2 AND t.status IN (1, 2) AND t.due_at < {0}) AS followup_due,
                    (SELECT MAX(rt.first_contact_at) FROM referral rf JOIN referral_route rt ON rt.referral_id = rf.id WHERE rf.patient_id = p.pid) AS route_contact,
                    (SELECT MAX(t.accepted_at) FROM care_task t WHERE t.patient_id = p.pid AND t.kind = 1) AS handover_accepted,
                    (SELECT MAX(t.completed_at) FROM care_task t WHERE t.patient_id = p.pid AND t.kind IN (1, 2, 3)) AS task_completed,
                    (SELECT MAX(ch.at) FROM care_plan cp JOIN care_plan_change ch ON ch.care_plan_id = cp.id WHERE cp.patient_id = p.pid) AS plan_changed
                FROM people p
            ),
            contact AS (
                SELECT d.pid, d.since, d.handover_due, d.followup_due, {{contact}} AS last_contact FROM facts d
            ),
            risk AS (
                SELECT c.pid, c.since, c.handover_due, c.followup_due, c.last_contact,
                    CASE WHEN {{Greatest("c.last_contact", "c.since")}} < {1} THEN 1 ELSE 0 END AS quiet
                FROM contact c
            ),
            keyed AS (
                SELECT r.*, {{waiting}} AS waiting_since
                FROM risk r
                WHERE r.handover_due IS NOT NULL OR r.followup_due IS NOT NULL OR r.quiet = 1
            )
            """;
        var where = reason switch
        {
            AtRiskReason.HandOverNotAccepted => "k.handover_due IS NOT NULL",
            AtRiskReason.MissedFollowUp => "k.followup_due IS NOT NULL",
            AtRiskReason.NoContact => "k.quiet = 1",
            _ => "1 = 1",
        };
        var keyset = cursor is null ? "1 = 1" : "(k.waiting_since > {3} OR (k.waiting_since = {3} AND k.pid > {4}))";
        var page = rows + $$"""
            , counted AS (
                SELECT k.*, (SELECT COUNT(*) FROM people) AS c_navigated, COUNT(*) OVER () AS c_risk,
                    SUM(CASE WHEN k.handover_due IS NOT NULL THEN 1 ELSE 0 END) OVER () AS c_handover,
                    SUM(CASE WHEN k.followup_due IS NOT NULL THEN 1 ELSE 0 END) OVER () AS c_followup,
                    SUM(k.quiet) OVER () AS c_quiet
                FROM keyed k
            )
            SELECT k.pid AS "PatientId", pt.family_name AS "FamilyName", pt.given_name AS "GivenName", pt.nhs_number AS "NhsNumber", pt.local_identifier AS "LocalIdentifier",
                k.handover_due AS "HandOverDueAt", k.followup_due AS "FollowUpDueAt", k.last_contact AS "LastContactAt", k.since AS "Since", k.quiet AS "Quiet", k.waiting_since AS "WaitingSince",
                k.c_navigated AS "CountNavigated", k.c_risk AS "CountAtRisk", k.c_handover AS "CountHandOver", k.c_followup AS "CountFollowUp", k.c_quiet AS "CountNoContact"
            FROM counted k JOIN patient pt ON pt.id = k.pid
            WHERE {{where}} AND {{keyset}}
            ORDER BY k.waiting_since, k.pid
            LIMIT {5}
            """;
        var counts = rows + """
            SELECT (SELECT COUNT(*) FROM people) AS "Navigated", COUNT(*) AS "AtRisk",
                COALESCE(SUM(CASE WHEN k.handover_due IS NOT NULL THEN 1 ELSE 0 END), 0) AS "HandOver",
                COALESCE(SUM(CASE WHEN k.followup_due IS NOT NULL THEN 1 ELSE 0 END), 0) AS "FollowUp",
                COALESCE(SUM(k.quiet), 0) AS "NoContact"
            FROM keyed k
            """;
        object[] args = [now, quietSince, staff, cursor?.At ?? now, cursor?.Id ?? 0L, limit + 1];
        var found = await db.Database.SqlQueryRaw<AtRiskSql>(page, args).ToListAsync(ct).ConfigureAwait(false);
        var c = found.Count > 0
            ? new AtRiskCountSql { Navigated = found[0].CountNavigated, AtRisk = found[0].CountAtRisk, HandOver = found[0].CountHandOver, FollowUp = found[0].CountFollowUp, NoContact = found[0].CountNoContact }
            : (await db.Database.SqlQueryRaw<AtRiskCountSql>(counts, args).ToListAsync(ct).ConfigureAwait(false)).Single();
        var more = found.Count > limit;
        var list = found.Take(limit).Select(r =>
        {
            var reasons = new List<AtRiskReason>(3);
            if (r.HandOverDueAt is not null) reasons.Add(AtRiskReason.HandOverNotAccepted);
            if (r.FollowUpDueAt is not null) reasons.Add(AtRiskReason.MissedFollowUp);
            if (r.Quiet == 1) reasons.Add(AtRiskReason.NoContact);
            return new AtRiskRow(r.PatientId, $"{r.FamilyName.ToUpperInvariant()}, {r.GivenName}", r.NhsNumber, r.LocalIdentifier, reasons,
                Utc(r.HandOverDueAt), Utc(r.FollowUpDueAt), Utc(r.LastContactAt), Utc(r.Since)!.Value, Utc(r.WaitingSince)!.Value);
        }).ToList();
        await AuditListAsync(who, "at-risk", list.Count, ct).ConfigureAwait(false);
        var last = list.LastOrDefault();
        return new AtRiskPage(list, new AtRiskCounts((int)c.Navigated, (int)c.AtRisk, (int)c.HandOver, (int)c.FollowUp, (int)c.NoContact), reason, noContactDays,
            more && last is not null ? Cursor(last.WaitingSince, last.PatientId) : null);
    }

    // ------------------------------------------------------------------ team lead: my teams

    /// <summary>The teams the caller leads (team membership marked lead, as escalation finds the lead).</summary>
    public async Task<IReadOnlyList<int>> LedTeamsAsync(AccessPrincipal who, CancellationToken ct)
    {
        if (who.StaffMemberId is not { } staff) return [];
        return await db.TeamMemberships.AsNoTracking().Where(m => m.StaffMemberId == staff && m.IsLead).Select(m => m.TeamId).OrderBy(id => id).ToListAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// For each team the caller leads: hand-overs waiting, overdue open tasks, tasks escalated to the lead (level 2)
    /// and caseload size; and one list of tasks (escalated by default), oldest due first.
    /// </summary>
    public async Task<TeamPage> TeamAsync(AccessPrincipal who, TeamTaskList show, string? after, int limit, CancellationToken ct)
    {
        limit = Limit(limit);
        var cursor = after is null ? null : ParseCursor(after, allowNoTime: false);
        var now = clock.GetUtcNow().UtcDateTime;
        var led = await LedTeamsAsync(who, ct).ConfigureAwait(false);
        if (led.Count == 0)
        {
            await AuditListAsync(who, "team", 0, ct).ConfigureAwait(false);
            var none = new TeamCounts(0, "", 0, 0, 0, 0);
            return new TeamPage([], [], none, show, null);
        }
        var names = await db.Teams.AsNoTracking().Where(x => led.Contains(x.Id)).Select(x => new { x.Id, x.Name }).ToDictionaryAsync(x => x.Id, x => x.Name, ct).ConfigureAwait(false);
        var open = db.CareTasks.AsNoTracking().Where(x => x.ToTeamId != null && led.Contains(x.ToTeamId.Value)
            && (x.Status == CareTaskStatus.Requested || (x.Status == CareTaskStatus.Accepted && x.Kind != CareTaskKind.HandOver)));
        // One pass over the teams' open tasks, on the covering (to_team_id, status, due_at, kind, escalation_level) index.
        var counted = await open.GroupBy(x => x.ToTeamId!.Value)
            .Select(g => new
            {
                g.Key,
                Waiting = g.Sum(x => x.Kind == CareTaskKind.HandOver && x.Status == CareTaskStatus.Requested ? 1 : 0),
                Overdue = g.Sum(x => x.DueAt < now ? 1 : 0),
                Escalated = g.Sum(x => x.EscalationLevel == 2 ? 1 : 0),
            })
            .ToListAsync(ct).ConfigureAwait(false);
        var waiting = counted.ToDictionary(x => x.Key, x => x.Waiting);
        var overdue = counted.ToDictionary(x => x.Key, x => x.Overdue);
        var escalated = counted.ToDictionary(x => x.Key, x => x.Escalated);
        var caseload = await db.CareRelationships.AsNoTracking().Where(r => r.TeamId != null && led.Contains(r.TeamId.Value) && r.Kind == RelationshipKind.Caseload && r.EndedAt == null)
            .GroupBy(r => r.TeamId!.Value).Select(g => new { g.Key, N = g.Select(r => r.PatientId).Distinct().Count() }).ToDictionaryAsync(x => x.Key, x => x.N, ct).ConfigureAwait(false);
        var teams = led.Select(id => new TeamCounts(id, names.GetValueOrDefault(id, ""), waiting.GetValueOrDefault(id), overdue.GetValueOrDefault(id),
            escalated.GetValueOrDefault(id), caseload.GetValueOrDefault(id))).ToList();
        var totals = new TeamCounts(0, "All my teams", teams.Sum(x => x.HandOversWaiting), teams.Sum(x => x.OverdueTasks), teams.Sum(x => x.EscalatedToLead), teams.Sum(x => x.Caseload));

        var query = show switch
        {
            TeamTaskList.HandOvers => open.Where(x => x.Kind == CareTaskKind.HandOver && x.Status == CareTaskStatus.Requested),
            TeamTaskList.Overdue => open.Where(x => x.DueAt < now),
            _ => open.Where(x => x.EscalationLevel == 2),
        };
        if (cursor is { At: { } at, Id: var id0 }) query = query.Where(x => x.DueAt > at || (x.DueAt == at && x.Id > id0));
        var found = await query.OrderBy(x => x.DueAt).ThenBy(x => x.Id).Take(limit + 1)
            .Join(db.Patients, x => x.PatientId, p => p.Id, (x, p) => new
            {
                x.Id, x.PatientId, p.FamilyName, p.GivenName, p.NhsNumber, p.LocalIdentifier, x.Kind, x.Status, Team = x.ToTeamId!.Value, x.Description, x.DueAt, x.EscalationLevel, x.EscalatedAt,
            })
            .OrderBy(x => x.DueAt).ThenBy(x => x.Id)
            .ToListAsync(ct).ConfigureAwait(false);
        var more = found.Count > limit;
        var list = found.Take(limit).Select(x => new TeamTaskRow(x.Id, x.PatientId, $"{x.FamilyName.ToUpperInvariant()}, {x.GivenName}", x.NhsNumber, x.LocalIdentifier, x.Kind, x.Status,
            x.Team, names.GetValueOrDefault(x.Team, ""), x.Description.Length > 140 ? x.Description[..139] + "…" : x.Description,
            DateTime.SpecifyKind(x.DueAt, DateTimeKind.Utc), x.EscalationLevel, Utc(x.EscalatedAt))).ToList();
        await AuditListAsync(who, "team", list.Count, ct).ConfigureAwait(false);
        var last = list.LastOrDefault();
        return new TeamPage(list, teams, totals, show, more && last is not null ? Cursor(last.DueAt, last.TaskId) : null);
    }

    // ------------------------------------------------------------------ cursors, audit, helpers

    private sealed record CursorKey(DateTime? At, long Id);

    /// <summary>The cursor is the last row's sort key: "ticks.id" (or "-.id" when the row has nothing due).</summary>
    private static string Cursor(DateTime? at, long id) =>
        string.Create(CultureInfo.InvariantCulture, $"{(at is { } a ? a.Ticks.ToString(CultureInfo.InvariantCulture) : "-")}.{id}");

    private static CursorKey ParseCursor(string text, bool allowNoTime)
    {
        var parts = text.Split('.');
        if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            if (parts[0] == "-" && allowNoTime) return new CursorKey(null, id);
            if (long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTime.MaxValue.Ticks)
            {
                return new CursorKey(new DateTime(ticks, DateTimeKind.Utc), id);
            }
        }
        throw new WorklistRequestException("The 'after' cursor is not one this worklist gave: use the 'next' value of the previous page as it is, or leave it out to start from the top.");
    }

    private static int Limit(int limit) => limit is < 1 or > MaxLimit
        ? throw new WorklistRequestException($"Ask for between 1 and {MaxLimit} rows a page (limit).")
        : limit;

    private static DateTime? Utc(DateTime? value) => value is { } v ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : null;

    private Task AuditListAsync(AccessPrincipal who, string list, int count, CancellationToken ct) =>
        access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.TaskManage), $"CareTask?worklist={list}", null, $"care worklist: {list}",
            string.Create(CultureInfo.InvariantCulture, $"{count} listed"), ct);

    private sealed class CaseloadSql
    {
        public long PatientId { get; set; }
        public string FamilyName { get; set; } = "";
        public string GivenName { get; set; } = "";
        public string? NhsNumber { get; set; }
        public string LocalIdentifier { get; set; } = "";
        public DateTime? NextDueAt { get; set; }
        public DateTime? TaskDueAt { get; set; }
        public DateOnly? ActivityDue { get; set; }
        public DateOnly? ReviewDue { get; set; }
        public int Overdue { get; set; }
        public int DueToday { get; set; }
        public int ReviewSoon { get; set; }
    }

    private sealed class TaskDueSql
    {
        public long PatientId { get; set; }
        public DateTime DueAt { get; set; }
    }

    private sealed class ActivityDueSql
    {
        public long PatientId { get; set; }
        public DateOnly Due { get; set; }
    }

    private sealed class CaseloadCountSql
    {
        public long People { get; set; }
        public long Overdue { get; set; }
        public long DueToday { get; set; }
        public long ReviewDue { get; set; }
    }

    private sealed class AtRiskSql
    {
        public long PatientId { get; set; }
        public string FamilyName { get; set; } = "";
        public string GivenName { get; set; } = "";
        public string? NhsNumber { get; set; }
        public string LocalIdentifier { get; set; } = "";
        public DateTime? HandOverDueAt { get; set; }
        public DateTime? FollowUpDueAt { get; set; }
        public DateTime? LastContactAt { get; set; }
        public DateTime? Since { get; set; }
        public int Quiet { get; set; }
        public DateTime? WaitingSince { get; set; }
        public long CountNavigated { get; set; }
        public long CountAtRisk { get; set; }
        public long CountHandOver { get; set; }
        public long CountFollowUp { get; set; }
        public long CountNoContact { get; set; }
    }

    private sealed class AtRiskCountSql
    {
        public long Navigated { get; set; }
        public long AtRisk { get; set; }
        public long HandOver { get; set; }
        public long FollowUp { get; set; }
        public long NoContact { get; set; }
    }
}
