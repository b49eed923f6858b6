namespace JoinedUp.Care;

public enum CarePlanStatus
{
    Draft = 1,
    Active = 2,
    Completed = 3,
}

/// <summary>Who agreed the plan: the person, their carer, or staff on their behalf (with a note saying why).</summary>
public enum AgreedBy
{
    Patient = 1,
    Carer = 2,
    StaffOnBehalf = 3,
}

/// <summary>
/// One personalised care plan per person per episode (served as FHIR CarePlan). Several services contribute: the plan's
/// own fields carry <see cref="VersionId"/>, and each goal and activity carries its own, so two services editing
/// different goals never conflict, and two editing the same one get a clear conflict instead of a lost change.
/// </summary>
public sealed class CarePlan
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public long EpisodeId { get; set; }

    public CarePlanStatus Status { get; set; }

    public required string Title { get; set; }

    public DateTime? AgreedAt { get; set; }

    public AgreedBy? AgreedBy { get; set; }

    public string? AgreedByName { get; set; }

    public string? AgreementNote { get; set; }

    public DateOnly? ReviewDue { get; set; }

    public DateTime CreatedAt { get; set; }

    public int VersionId { get; set; } = 1;

    public DateTime LastUpdated { get; set; }

    public string LastUpdatedBy { get; set; } = "";
}

public enum GoalStatus
{
    Proposed = 1,
    Active = 2,
    Achieved = 3,
    NotAchieved = 4,
    Cancelled = 5,
}

/// <summary>A goal in the person's own words, with how they will know they got there and by when (FHIR Goal).</summary>
public sealed class Goal
{
    public long Id { get; set; }

    public long CarePlanId { get; set; }

    /// <summary>The goal as the person said it, e.g. "Walk to the market on Saturdays".</summary>
    public required string Description { get; set; }

    /// <summary>How progress is measured, e.g. "walks 500 m with a stick".</summary>
    public string? Measure { get; set; }

    public DateOnly? TargetDate { get; set; }

    public GoalStatus Status { get; set; }

    /// <summary>The service that added it (null: the patient or their navigator).</summary>
    public int? ServiceId { get; set; }

    public int VersionId { get; set; } = 1;

    public DateTime LastUpdated { get; set; }

    public string LastUpdatedBy { get; set; } = "";
}

public enum ActivityOwnerKind
{
    Team = 1,
    StaffMember = 2,
    Patient = 3,
    Carer = 4,
}

public enum ActivityStatus
{
    NotStarted = 1,
    Scheduled = 2,
    InProgress = 3,
    Completed = 4,
    Cancelled = 5,
}

/// <summary>Something someone does towards the plan: owned by a team, a member of staff, the person or their carer.</summary>
public sealed class CarePlanActivity
{
    public long Id { get; set; }

    public long CarePlanId { get; set; }

    public long? GoalId { get; set; }

    public required string Description { get; set; }

    public ActivityOwnerKind OwnerKind { get; set; }

    public int? OwnerTeamId { get; set; }

    public int? OwnerStaffMemberId { get; set; }

    public DateOnly? Due { get; set; }

    public ActivityStatus Status { get; set; }

    public int VersionId { get; set; } = 1;

    public DateTime LastUpdated { get; set; }

    public string LastUpdatedBy { get; set; } = "";
}

/// <summary>Every change to a plan, a goal or an activity: who, when, why, and the item as it was before and after (JSON).</summary>
public sealed class CarePlanChange
{
    public long Id { get; set; }

    public long CarePlanId { get; set; }

    /// <summary>"plan", "goal" or "activity".</summary>
    public required string ItemKind { get; set; }

    public long ItemId { get; set; }

    /// <summary>The item's version after the change.</summary>
    public int ItemVersion { get; set; }

    public DateTime At { get; set; }

    public required string ByName { get; set; }

    public string? ByUserId { get; set; }

    public string? Reason { get; set; }

    public string? BeforeJson { get; set; }

    public required string AfterJson { get; set; }
}

/// <summary>Who wrote a comment on a goal.</summary>
public enum CommentAuthor
{
    Patient = 1,
    Carer = 2,
    Staff = 3,
}

/// <summary>
/// A comment on a goal, mostly from the person or their carer ("I managed the stairs today"). Comments are added,
/// never changed, so they need no version; staff see them on the plan and the navigator on the journey.
/// </summary>
public sealed class GoalComment
{
    public long Id { get; set; }

    public long GoalId { get; set; }

    public long CarePlanId { get; set; }

    public required string Text { get; set; }

    public CommentAuthor Author { get; set; }

    public required string ByName { get; set; }

    public string? ByUserId { get; set; }

    public DateTime At { get; set; }
}
