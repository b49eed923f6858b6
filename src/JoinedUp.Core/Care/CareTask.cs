namespace JoinedUp.Care;

public enum CareTaskKind
{
    /// <summary>A hand-over from one service to another: open until the receiving service accepts it.</summary>
    HandOver = 1,

    /// <summary>A follow-up due by a time (for example a call within 48 hours of discharge).</summary>
    FollowUp = 2,

    PlanReview = 3,
}

public enum CareTaskStatus
{
    Requested = 1,
    Accepted = 2,
    Rejected = 3,
    Completed = 4,
    Cancelled = 5,
}

/// <summary>
/// Work between services that must not be lost (served as FHIR Task): hand-overs stay open until the receiving team
/// accepts, follow-ups until done. Overdue tasks escalate to the navigator, then the team lead (docs/adr/0005).
/// </summary>
public sealed class CareTask
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public long? EpisodeId { get; set; }

    public CareTaskKind Kind { get; set; }

    public CareTaskStatus Status { get; set; }

    public int? FromTeamId { get; set; }

    public int? ToTeamId { get; set; }

    public required string Description { get; set; }

    public DateTime DueAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string CreatedByName { get; set; }

    public DateTime? AcceptedAt { get; set; }

    public string? AcceptedByName { get; set; }

    public string? RejectionReason { get; set; }

    /// <summary>When the owning team completed it: a contact, for the navigator's "no contact for N days".</summary>
    public DateTime? CompletedAt { get; set; }

    public string? CompletedByName { get; set; }

    /// <summary>0 on time; 1 escalated to the navigator; 2 escalated to the team lead.</summary>
    public int EscalationLevel { get; set; }

    public DateTime? EscalatedAt { get; set; }

    public int VersionId { get; set; } = 1;
}
