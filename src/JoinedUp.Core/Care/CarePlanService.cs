using System.Text.Json;
using JoinedUp.Access;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Care;

public enum CareOutcome
{
    Done,
    Created,
    NotFound,
    Invalid,

    /// <summary>Someone changed the item since the caller read it; nothing was saved.</summary>
    Conflict,

    /// <summary>No legitimate relationship: the same answer whether or not the plan exists.</summary>
    Refused,
}

public sealed record CareResult<T>(CareOutcome Outcome, T? Value, string? Problem = null) where T : class;

/// <summary>A goal as sent by a form or the API.</summary>
public sealed record GoalInput(string? Description, string? Measure, DateOnly? TargetDate, string? Status);

/// <summary>An activity as sent: owner is team (with a service code), staff (the caller), patient or carer.</summary>
public sealed record ActivityInput(string? Description, long? GoalId, string? Owner, string? ServiceCode, DateOnly? Due, string? Status);

/// <summary>A plan with its goals, activities and the history of changes, as the caller may see it.</summary>
public sealed record CarePlanView(CarePlan Plan, IReadOnlyList<Goal> Goals, IReadOnlyList<CarePlanActivity> Activities, IReadOnlyList<CarePlanChange> History, string AccessBasis,
    IReadOnlyList<GoalComment> Comments);

/// <summary>
/// Personalised care plans (issue 6, docs/adr/0005): one per person per episode, started by a member of staff with a
/// relationship, with goals in the person's own words. Every change is checked against the version the caller read
/// (a stale one is refused, naming who changed it and when), kept in <see cref="CarePlanChange"/> with who and why,
/// and audited. A plan is part of the record: who may read or change it is decided by <see cref="RecordAccessService"/>.
/// </summary>
public sealed class CarePlanService(JoinedUpDbContext db, RecordAccessService access, TimeProvider clock)
{
    public const int MaxText = 500;

    /// <summary>Days between reviews: the first is due this long after the plan starts, the next this long after each review.</summary>
    public const int ReviewIntervalDays = 28;

    private static readonly JsonSerializerOptions Json = new() { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>Starts the plan of the person's open episode, or returns the one already started (starting twice is harmless).</summary>
    public async Task<CareResult<CarePlan>> StartAsync(AccessPrincipal who, long patientId, string? title, CancellationToken ct)
    {
        if (who.Has(Roles.Patient) || who.Has(Roles.Carer)) return new(CareOutcome.Refused, null);
        var view = await OpenAsync(who, patientId, PermissionMatrix.Name(Permission.CarePlanWrite), $"Patient/{patientId}/CarePlan", ct).ConfigureAwait(false);
        if (view is null) return new(CareOutcome.Refused, null);
        var text = string.IsNullOrWhiteSpace(title) ? "My care plan" : title.Trim();
        if (text.Length > 200) return new(CareOutcome.Invalid, null, "Keep the plan's title under 200 characters.");
        var episode = await db.Episodes.AsNoTracking().Where(e => e.PatientId == patientId && e.ClosedAt == null).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (episode is null)
        {
            return new(CareOutcome.Invalid, null, "This person has no open episode of care. A plan belongs to an episode, which starts when the single point of access triages a referral: refer them first.");
        }
        var existing = await db.CarePlans.AsNoTracking().FirstOrDefaultAsync(p => p.EpisodeId == episode, ct).ConfigureAwait(false);
        if (existing is not null) return new(CareOutcome.Done, existing);
        var now = clock.GetUtcNow().UtcDateTime;
        var plan = new CarePlan
        {
            PatientId = patientId, EpisodeId = episode.Value, Status = CarePlanStatus.Draft, Title = text, CreatedAt = now, LastUpdated = now, LastUpdatedBy = who.DisplayName,
            ReviewDue = DateOnly.FromDateTime(UkClock.ToLocal(now)).AddDays(ReviewIntervalDays),
        };
        db.CarePlans.Add(plan);
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            // Another service started the episode's plan at the same moment: one plan per episode, so use theirs.
            db.ChangeTracker.Clear();
            return new(CareOutcome.Done, await db.CarePlans.AsNoTracking().FirstAsync(p => p.EpisodeId == episode, ct).ConfigureAwait(false));
        }
        await LogAsync(who, plan.Id, "plan", plan.Id, 1, null, plan, "plan started", ct).ConfigureAwait(false);
        return new(CareOutcome.Created, plan);
    }

    /// <summary>The plan as the caller may see it; null when there is no such plan or the caller may not open the person's record.</summary>
    public async Task<CarePlanView?> GetAsync(AccessPrincipal who, long planId, CancellationToken ct)
    {
        var patientId = await db.CarePlans.AsNoTracking().Where(p => p.Id == planId).Select(p => (long?)p.PatientId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (patientId is null) return null;
        var view = await OpenAsync(who, patientId.Value, PermissionMatrix.Name(Permission.CarePlanRead), $"CarePlan/{planId}", ct).ConfigureAwait(false);
        if (view is null) return null;
        return await LoadAsync(planId, view.Basis, ct).ConfigureAwait(false);
    }

    /// <summary>Loads a plan for a caller whose access to the person was already decided (and audited).</summary>
    internal async Task<CarePlanView> LoadAsync(long planId, string basis, CancellationToken ct)
    {
        var plan = await db.CarePlans.AsNoTracking().FirstAsync(p => p.Id == planId, ct).ConfigureAwait(false);
        var goals = await db.Goals.AsNoTracking().Where(g => g.CarePlanId == planId).OrderBy(g => g.Id).ToListAsync(ct).ConfigureAwait(false);
        var activities = await db.CarePlanActivities.AsNoTracking().Where(a => a.CarePlanId == planId).OrderBy(a => a.Id).ToListAsync(ct).ConfigureAwait(false);
        var history = await db.CarePlanChanges.AsNoTracking().Where(c => c.CarePlanId == planId).OrderByDescending(c => c.Id).Take(200).ToListAsync(ct).ConfigureAwait(false);
        var comments = await db.GoalComments.AsNoTracking().Where(c => c.CarePlanId == planId).OrderBy(c => c.At).ThenBy(c => c.Id).ToListAsync(ct).ConfigureAwait(false);
        return new CarePlanView(plan, goals, activities, history, basis, comments);
    }

    public async Task<CareResult<Goal>> AddGoalAsync(AccessPrincipal who, long planId, GoalInput input, CancellationToken ct)
    {
        var plan = await PlanForChangeAsync(who, planId, ct).ConfigureAwait(false);
        if (plan is null) return new(CareOutcome.Refused, null);
        if (Validate(input, requireDescription: true) is { } problem) return new(CareOutcome.Invalid, null, problem);
        var now = clock.GetUtcNow().UtcDateTime;
        var goal = new Goal
        {
            CarePlanId = planId, Description = input.Description!.Trim(), Measure = Clean(input.Measure), TargetDate = input.TargetDate,
            Status = ParseStatus(input.Status) ?? GoalStatus.Active, ServiceId = await ServiceOfAsync(who, ct).ConfigureAwait(false), LastUpdated = now, LastUpdatedBy = who.DisplayName,
        };
        db.Goals.Add(goal);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await LogAsync(who, planId, "goal", goal.Id, 1, null, goal, "goal added", ct).ConfigureAwait(false);
        return new(CareOutcome.Created, goal);
    }

    /// <summary>Changes a goal if it is still at <paramref name="expectedVersion"/>; otherwise nothing is saved and the caller is told who changed it.</summary>
    public async Task<CareResult<Goal>> UpdateGoalAsync(AccessPrincipal who, long goalId, int expectedVersion, GoalInput input, string? reason, CancellationToken ct)
    {
        var goal = await db.Goals.FirstOrDefaultAsync(g => g.Id == goalId, ct).ConfigureAwait(false);
        if (goal is null || await PlanForChangeAsync(who, goal.CarePlanId, ct).ConfigureAwait(false) is null) return new(CareOutcome.Refused, null);
        if (Validate(input, requireDescription: false) is { } problem) return new(CareOutcome.Invalid, null, problem);
        if (reason is { Length: > MaxText }) return new(CareOutcome.Invalid, null, $"Keep the reason under {MaxText} characters.");
        if (input.Status is not null && ParseStatus(input.Status) is null)
        {
            return new(CareOutcome.Invalid, null, $"status must be one of {string.Join(", ", Enum.GetNames<GoalStatus>().Select(n => n.ToLowerInvariant()))}.");
        }
        if (goal.VersionId != expectedVersion) return new(CareOutcome.Conflict, goal, Stale(goal.LastUpdatedBy, goal.LastUpdated));
        var before = JsonSerializer.Serialize(goal, Json);
        if (input.Description is not null) goal.Description = input.Description.Trim();
        if (input.Measure is not null) goal.Measure = Clean(input.Measure);
        if (input.TargetDate is not null) goal.TargetDate = input.TargetDate;
        if (ParseStatus(input.Status) is { } status) goal.Status = status;
        goal.VersionId++;
        goal.LastUpdated = clock.GetUtcNow().UtcDateTime;
        goal.LastUpdatedBy = who.DisplayName;
        // The version the caller read is the condition of the update: a concurrent writer makes this one fail.
        db.Entry(goal).Property(g => g.VersionId).OriginalValue = expectedVersion;
        if (!await TrySaveAsync(ct).ConfigureAwait(false))
        {
            var current = await db.Goals.AsNoTracking().FirstAsync(g => g.Id == goalId, ct).ConfigureAwait(false);
            return new(CareOutcome.Conflict, current, Stale(current.LastUpdatedBy, current.LastUpdated));
        }
        await LogAsync(who, goal.CarePlanId, "goal", goal.Id, goal.VersionId, before, goal, Clean(reason) ?? "goal changed", ct).ConfigureAwait(false);
        return new(CareOutcome.Done, goal);
    }

    /// <summary>Adds something someone will do: a team (by service), the caller, the person or their carer.</summary>
    public async Task<CareResult<CarePlanActivity>> AddActivityAsync(AccessPrincipal who, long planId, ActivityInput input, CancellationToken ct)
    {
        var plan = await PlanForChangeAsync(who, planId, ct).ConfigureAwait(false);
        if (plan is null) return new(CareOutcome.Refused, null);
        if (string.IsNullOrWhiteSpace(input.Description)) return new(CareOutcome.Invalid, null, "Say what will be done, for example \"Dress the leg ulcer twice a week\".");
        if (input.Description.Length > MaxText) return new(CareOutcome.Invalid, null, $"Keep the activity under {MaxText} characters.");
        if (input.GoalId is { } goalId && !await db.Goals.AnyAsync(g => g.Id == goalId && g.CarePlanId == planId, ct).ConfigureAwait(false))
        {
            return new(CareOutcome.Invalid, null, $"Goal {goalId} is not in this plan: choose one of the plan's goals, or none.");
        }
        var status = ParseActivityStatus(input.Status);
        if (input.Status is not null && status is null)
        {
            return new(CareOutcome.Invalid, null, $"status must be one of {string.Join(", ", Enum.GetNames<ActivityStatus>().Select(n => n.ToLowerInvariant()))}.");
        }
        var activity = new CarePlanActivity { CarePlanId = planId, GoalId = input.GoalId, Description = input.Description.Trim(), Due = input.Due, Status = status ?? ActivityStatus.NotStarted };
        switch (input.Owner?.ToLowerInvariant())
        {
            case "team":
                var serviceCode = input.ServiceCode?.Trim();
                var team = await db.Teams.AsNoTracking().Where(t => t.Service!.Code == serviceCode).OrderBy(t => t.Id).Select(t => (int?)t.Id).FirstOrDefaultAsync(ct).ConfigureAwait(false);
                if (team is null) return new(CareOutcome.Invalid, null, $"There is no team for the service '{serviceCode}': give the service code of the team that will do it.");
                activity.OwnerKind = ActivityOwnerKind.Team;
                activity.OwnerTeamId = team;
                break;
            case "staff" or null:
                if (who.StaffMemberId is null) return new(CareOutcome.Invalid, null, "Name the owner: team (with serviceCode), patient or carer.");
                activity.OwnerKind = ActivityOwnerKind.StaffMember;
                activity.OwnerStaffMemberId = who.StaffMemberId;
                break;
            case "patient":
                activity.OwnerKind = ActivityOwnerKind.Patient;
                break;
            case "carer":
                activity.OwnerKind = ActivityOwnerKind.Carer;
                break;
            default:
                return new(CareOutcome.Invalid, null, "owner must be team (with serviceCode), staff, patient or carer.");
        }
        activity.LastUpdated = clock.GetUtcNow().UtcDateTime;
        activity.LastUpdatedBy = who.DisplayName;
        db.CarePlanActivities.Add(activity);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await LogAsync(who, planId, "activity", activity.Id, 1, null, activity, "activity added", ct).ConfigureAwait(false);
        return new(CareOutcome.Created, activity);
    }

    /// <summary>Changes an activity's status or due date if it is still at <paramref name="expectedVersion"/>.</summary>
    public async Task<CareResult<CarePlanActivity>> UpdateActivityAsync(AccessPrincipal who, long activityId, int expectedVersion, ActivityInput input, string? reason, CancellationToken ct)
    {
        var activity = await db.CarePlanActivities.FirstOrDefaultAsync(a => a.Id == activityId, ct).ConfigureAwait(false);
        if (activity is null || await PlanForChangeAsync(who, activity.CarePlanId, ct).ConfigureAwait(false) is null) return new(CareOutcome.Refused, null);
        var status = ParseActivityStatus(input.Status);
        if (input.Status is not null && status is null)
        {
            return new(CareOutcome.Invalid, null, $"status must be one of {string.Join(", ", Enum.GetNames<ActivityStatus>().Select(n => n.ToLowerInvariant()))}.");
        }
        if (input.Description is { Length: > MaxText } || reason is { Length: > MaxText }) return new(CareOutcome.Invalid, null, $"Keep the text under {MaxText} characters.");
        if (activity.VersionId != expectedVersion) return new(CareOutcome.Conflict, activity, Stale(activity.LastUpdatedBy, activity.LastUpdated));
        var before = JsonSerializer.Serialize(activity, Json);
        if (!string.IsNullOrWhiteSpace(input.Description)) activity.Description = input.Description.Trim();
        if (input.Due is not null) activity.Due = input.Due;
        if (status is not null) activity.Status = status.Value;
        activity.VersionId++;
        activity.LastUpdated = clock.GetUtcNow().UtcDateTime;
        activity.LastUpdatedBy = who.DisplayName;
        db.Entry(activity).Property(a => a.VersionId).OriginalValue = expectedVersion;
        if (!await TrySaveAsync(ct).ConfigureAwait(false))
        {
            var current = await db.CarePlanActivities.AsNoTracking().FirstAsync(a => a.Id == activityId, ct).ConfigureAwait(false);
            return new(CareOutcome.Conflict, current, Stale(current.LastUpdatedBy, current.LastUpdated));
        }
        await LogAsync(who, activity.CarePlanId, "activity", activity.Id, activity.VersionId, before, activity, Clean(reason) ?? "activity changed", ct).ConfigureAwait(false);
        return new(CareOutcome.Done, activity);
    }

    /// <summary>Records that the plan was agreed: by the person, their carer, or staff on their behalf (a note says why).</summary>
    /// <remarks>
    /// A patient always agrees as themself and a carer (with a proxy) as the carer, whatever <paramref name="by"/> says;
    /// staff record agreement given in person, or agree on the person's behalf with a note saying why.
    /// </remarks>
    public async Task<CareResult<CarePlan>> AgreeAsync(AccessPrincipal who, long planId, int expectedVersion, AgreedBy by, string? note, CancellationToken ct)
    {
        var plan = await PlanForChangeAsync(who, planId, ct, byPersonOrCarer: true).ConfigureAwait(false);
        if (plan is null) return new(CareOutcome.Refused, null);
        if (who.Has(Roles.Patient) && who.PatientId == plan.PatientId) by = AgreedBy.Patient;
        else if (who.Has(Roles.Carer)) by = AgreedBy.Carer;
        if (by == AgreedBy.StaffOnBehalf && (note is null || note.Trim().Length < 10))
        {
            return new(CareOutcome.Invalid, null, "Say how the person agreed, or why they could not (at least 10 characters): for example \"agreed by phone with her daughter present\".");
        }
        if (note is { Length: > MaxText }) return new(CareOutcome.Invalid, null, $"Keep the note under {MaxText} characters.");
        var tracked = await db.CarePlans.FirstAsync(p => p.Id == planId, ct).ConfigureAwait(false);
        if (tracked.VersionId != expectedVersion) return new(CareOutcome.Conflict, tracked, Stale(tracked.LastUpdatedBy, tracked.LastUpdated));
        var before = JsonSerializer.Serialize(tracked, Json);
        var now = clock.GetUtcNow().UtcDateTime;
        tracked.AgreedAt = now;
        tracked.AgreedBy = by;
        tracked.AgreedByName = who.DisplayName;
        tracked.AgreementNote = Clean(note);
        tracked.Status = CarePlanStatus.Active;
        tracked.VersionId++;
        tracked.LastUpdated = now;
        tracked.LastUpdatedBy = who.DisplayName;
        db.Entry(tracked).Property(p => p.VersionId).OriginalValue = expectedVersion;
        if (!await TrySaveAsync(ct).ConfigureAwait(false))
        {
            var current = await db.CarePlans.AsNoTracking().FirstAsync(p => p.Id == planId, ct).ConfigureAwait(false);
            return new(CareOutcome.Conflict, current, Stale(current.LastUpdatedBy, current.LastUpdated));
        }
        await LogAsync(who, planId, "plan", planId, tracked.VersionId, before, tracked, "plan agreed", ct).ConfigureAwait(false);
        return new(CareOutcome.Done, tracked);
    }

    /// <summary>Saves a versioned change; false (and nothing saved) when another writer changed the row first.</summary>
    private async Task<bool> TrySaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>
    /// Adds a comment to a goal: the person ("I managed the stairs today"), their carer, or the staff caring for them.
    /// Comments are kept as written, with who and when, and audited.
    /// </summary>
    public async Task<CareResult<GoalComment>> CommentAsync(AccessPrincipal who, long goalId, string? text, CancellationToken ct)
    {
        var planId = await db.Goals.AsNoTracking().Where(g => g.Id == goalId).Select(g => (long?)g.CarePlanId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
        if (planId is null || await PlanForChangeAsync(who, planId.Value, ct, byPersonOrCarer: true).ConfigureAwait(false) is not { } plan) return new(CareOutcome.Refused, null);
        if (string.IsNullOrWhiteSpace(text)) return new(CareOutcome.Invalid, null, "Write your comment first, for example \"I walked to the corner shop with my stick today\".");
        if (text.Length > 1000) return new(CareOutcome.Invalid, null, $"Keep the comment under 1000 characters (it has {text.Length}).");
        var author = who.Has(Roles.Patient) && who.PatientId == plan.PatientId ? CommentAuthor.Patient : who.Has(Roles.Carer) ? CommentAuthor.Carer : CommentAuthor.Staff;
        var comment = new GoalComment { GoalId = goalId, CarePlanId = plan.Id, Text = text.Trim(), Author = author, ByName = who.DisplayName, ByUserId = who.UserId, At = clock.GetUtcNow().UtcDateTime };
        db.GoalComments.Add(comment);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.CarePlanComment), $"Goal/{goalId}/comment/{comment.Id}", plan.PatientId,
            $"comment by the {author.ToString().ToLowerInvariant()}", null, ct).ConfigureAwait(false);
        return new(CareOutcome.Created, comment);
    }

    /// <summary>
    /// The plan when the caller may change it: a full view of the person's record, and staff only, except for what the
    /// person and their carer do themselves (comments and agreement, <paramref name="byPersonOrCarer"/>).
    /// </summary>
    private async Task<CarePlan?> PlanForChangeAsync(AccessPrincipal who, long planId, CancellationToken ct, bool byPersonOrCarer = false)
    {
        var plan = await db.CarePlans.AsNoTracking().FirstOrDefaultAsync(p => p.Id == planId, ct).ConfigureAwait(false);
        if (plan is null) return null;
        var personOrCarer = who.Has(Roles.Patient) || who.Has(Roles.Carer);
        if (personOrCarer && !byPersonOrCarer) return null;
        var action = byPersonOrCarer ? Permission.CarePlanComment : Permission.CarePlanWrite;
        var view = await OpenAsync(who, plan.PatientId, PermissionMatrix.Name(action), $"CarePlan/{planId}", ct).ConfigureAwait(false);
        return view is null ? null : plan;
    }

    /// <summary>Opens the record for a plan: only a full view (a relationship, not triage or break-glass) may change or read a plan.</summary>
    private async Task<RecordView?> OpenAsync(AccessPrincipal who, long patientId, string action, string resource, CancellationToken ct)
    {
        var opened = await access.OpenAsync(who, patientId, action, resource, ct).ConfigureAwait(false);
        return opened.View is { Level: AccessLevel.Full, Emergency: false } view ? view : null;
    }

    private async Task<int?> ServiceOfAsync(AccessPrincipal who, CancellationToken ct)
    {
        if (who.TeamIds.Count == 0) return null;
        var team = who.TeamIds.Min();
        return await db.Teams.AsNoTracking().Where(t => t.Id == team).Select(t => (int?)t.ServiceId).FirstOrDefaultAsync(ct).ConfigureAwait(false);
    }

    private async Task LogAsync(AccessPrincipal who, long planId, string kind, long itemId, int version, string? before, object after, string reason, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        db.CarePlanChanges.Add(new CarePlanChange
        {
            CarePlanId = planId, ItemKind = kind, ItemId = itemId, ItemVersion = version, At = now, ByName = who.DisplayName, ByUserId = who.UserId,
            Reason = reason.Length > MaxText ? reason[..MaxText] : reason, BeforeJson = before, AfterJson = JsonSerializer.Serialize(after, after.GetType(), Json),
        });
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        var patientId = await db.CarePlans.AsNoTracking().Where(p => p.Id == planId).Select(p => p.PatientId).FirstAsync(ct).ConfigureAwait(false);
        await access.AuditAsync(who, AuditOutcome.Allowed, PermissionMatrix.Name(Permission.CarePlanWrite), $"CarePlan/{planId}/{kind}/{itemId}", patientId, reason, $"version {version}", ct).ConfigureAwait(false);
    }

    private static string? Validate(GoalInput input, bool requireDescription)
    {
        if (requireDescription && string.IsNullOrWhiteSpace(input.Description)) return "Write the goal in the person's own words, for example \"Walk to the market on Saturdays\".";
        if (input.Description is { Length: > MaxText } || input.Measure is { Length: > MaxText }) return $"Keep the goal and its measure under {MaxText} characters each.";
        if (input.Description is not null && input.Description.Trim().Length == 0) return "A goal cannot be blank: write it in the person's own words.";
        return null;
    }

    private static GoalStatus? ParseStatus(string? text) => text is null ? null : Enum.TryParse<GoalStatus>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : null;

    private static ActivityStatus? ParseActivityStatus(string? text) => text is null ? null : Enum.TryParse<ActivityStatus>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : null;

    private static string Stale(string by, DateTime at) =>
        $"{(string.IsNullOrEmpty(by) ? "Someone" : by)} changed this at {UkClock.ToLocal(at):HH:mm} on {UkClock.ToLocal(at):d MMM yyyy} since you opened it. Reload to see their change, then make yours again: nothing of yours was saved.";

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
