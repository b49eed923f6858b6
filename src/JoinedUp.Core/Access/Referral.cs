namespace JoinedUp.Access;

/// <summary>Where a referral is in its journey through the single point of access.</summary>
public enum ReferralStatus
{
    /// <summary>Taken in, waiting for triage.</summary>
    Received = 1,

    /// <summary>Triaged and routed to one or more services, none has taken the person on yet.</summary>
    Routed = 2,

    /// <summary>At least one receiving service has taken the person on.</summary>
    Accepted = 3,

    /// <summary>Triage found no service for the person (with the reason and where they were signposted).</summary>
    Declined = 4,

    /// <summary>Finished: every route ended.</summary>
    Closed = 5,
}

/// <summary>
/// One referral to community health services, from any source and through any door (staff form, public form, REST,
/// FHIR <c>ServiceRequest</c>). The person's details as the referrer gave them are kept beside the matched record, so
/// a self-referral can be matched later and nothing the referrer said is lost.
/// </summary>
public sealed class Referral
{
    public long Id { get; set; }

    /// <summary>The reference people quote: "R-" and 8 characters from an alphabet without look-alikes.</summary>
    public required string Reference { get; set; }

    /// <summary>The matched patient; null for a self-referral not yet matched to a record.</summary>
    public long? PatientId { get; set; }

    /// <summary>The episode of care the referral belongs to once triaged.</summary>
    public long? EpisodeId { get; set; }

    public ReferralSource Source { get; set; }

    // The person as the referrer described them.
    public required string GivenName { get; set; }

    public required string FamilyName { get; set; }

    public DateOnly? BirthDate { get; set; }

    public string? NhsNumber { get; set; }

    public string? Postcode { get; set; }

    public string? Phone { get; set; }

    public string? Email { get; set; }

    /// <summary>Why the person is referred, in the referrer's words.</summary>
    public required string Reason { get; set; }

    /// <summary>An optional SNOMED CT code for the reason.</summary>
    public string? ReasonCode { get; set; }

    /// <summary>The service the referrer asked for; null when the single point of access decides.</summary>
    public int? RequestedServiceId { get; set; }

    public Urgency? RequestedUrgency { get; set; }

    /// <summary>The urgency in force: suggested by the rules at intake, decided at triage.</summary>
    public Urgency Urgency { get; set; }

    public ReferralStatus Status { get; set; }

    public bool InterpreterNeeded { get; set; }

    /// <summary>ISO 639-1 code of the language the person prefers, when not English.</summary>
    public string? Language { get; set; }

    public bool AdvocacyRequested { get; set; }

    public DateTime ReceivedAt { get; set; }

    public DateTime? TriagedAt { get; set; }

    /// <summary>First contact by any receiving service (the second clock stops here).</summary>
    public DateTime? FirstContactAt { get; set; }

    /// <summary>An open referral for the same person and service this one was linked to instead of being duplicated.</summary>
    public long? LinkedReferralId { get; set; }

    /// <summary>
    /// "patient:service" while this is the primary open referral for that pair; a unique index on it makes a second
    /// one, even sent at the same instant, a linked referral instead of a duplicate. Cleared when the referral ends.
    /// </summary>
    public string? OpenKey { get; set; }

    // Who referred.
    public string? ReferrerUserId { get; set; }

    public required string ReferrerName { get; set; }

    public string? ReferrerOrganisationCode { get; set; }

    public string? ReferrerClientId { get; set; }

    /// <summary>How to reach the referrer (a self-referrer: their own phone or email).</summary>
    public string? ReferrerContact { get; set; }

    /// <summary>The caller's Idempotency-Key, unique with <see cref="IdempotencyOwner"/>: a retried submission finds this referral.</summary>
    public string? IdempotencyKey { get; set; }

    /// <summary>Who the key belongs to: the user or client id (keys of different callers never collide).</summary>
    public string? IdempotencyOwner { get; set; }

    /// <summary>SHA-256 of the submission, so that a key reused for a different referral is refused.</summary>
    public string? RequestHash { get; set; }

    // The triage decision.
    public string? TriagedByUserId { get; set; }

    public string? TriagedByName { get; set; }

    /// <summary>The coordinator's reason for changing the rules' suggestion; null when the suggestion was followed.</summary>
    public string? OverrideReason { get; set; }

    public string? TriageNote { get; set; }

    /// <summary>The version of the triage rules the suggestion came from.</summary>
    public int? TriageRuleVersion { get; set; }

    /// <summary>For a declined referral: why, and where the person was signposted.</summary>
    public string? DeclineReason { get; set; }

    public int VersionId { get; set; } = 1;

    public DateTime LastUpdated { get; set; }
}

/// <summary>What became of a referral at one receiving service.</summary>
public enum RouteStatus
{
    /// <summary>Sent to the service, waiting for it to take the person on.</summary>
    Waiting = 1,

    Accepted = 2,

    Declined = 3,

    /// <summary>The service finished with the person.</summary>
    Completed = 4,
}

/// <summary>A referral routed to one service's team by triage (or an interpreter or advocate booked for it).</summary>
public sealed class ReferralRoute
{
    public long Id { get; set; }

    public long ReferralId { get; set; }

    public Referral? Referral { get; set; }

    public int ServiceId { get; set; }

    public int TeamId { get; set; }

    public Urgency Urgency { get; set; }

    public RouteStatus Status { get; set; }

    /// <summary>True for an interpreter or advocacy booking rather than a service taking the person on.</summary>
    public bool IsBooking { get; set; }

    /// <summary>Why this service: the rule's reason, or the coordinator's.</summary>
    public required string Reason { get; set; }

    /// <summary>The wait expected when routed, from the service's capacity and queue (days).</summary>
    public int? ExpectedWaitDays { get; set; }

    public DateTime RoutedAt { get; set; }

    public DateTime? AcceptedAt { get; set; }

    public string? AcceptedByName { get; set; }

    public DateTime? FirstContactAt { get; set; }

    public string? DeclineReason { get; set; }

    public int VersionId { get; set; } = 1;
}

/// <summary>An episode of care: from the first referral that is triaged until every service has finished. One holistic assessment per episode.</summary>
public sealed class Episode
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public DateTime OpenedAt { get; set; }

    public DateTime? ClosedAt { get; set; }
}

/// <summary>
/// An assessment stored as a FHIR QuestionnaireResponse: the holistic one ("tell us once", <see cref="Scope"/> =
/// <see cref="HolisticScope"/>) filled once per episode and read by every service, and each service's own additions
/// (scope = the service code).
/// </summary>
public sealed class Assessment
{
    public const string HolisticScope = "holistic";

    public long Id { get; set; }

    public long EpisodeId { get; set; }

    public long PatientId { get; set; }

    /// <summary>"holistic", or the code of the service that added its own section.</summary>
    public required string Scope { get; set; }

    /// <summary>The canonical URL of the Questionnaire answered.</summary>
    public required string Questionnaire { get; set; }

    /// <summary>The QuestionnaireResponse, as FHIR JSON.</summary>
    public required string ResponseJson { get; set; }

    public DateTime AuthoredAt { get; set; }

    public required string AuthorName { get; set; }

    public string? AuthorUserId { get; set; }

    public int VersionId { get; set; } = 1;

    public DateTime LastUpdated { get; set; }
}

/// <summary>One version of the triage rules: every edit is kept with who and when; the highest version is in force.</summary>
public sealed class TriageRuleVersion
{
    /// <summary>The version number (1, 2, ...).</summary>
    public int Id { get; set; }

    public required string Json { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string CreatedByName { get; set; }

    public string? CreatedByUserId { get; set; }

    public string? Note { get; set; }
}

/// <summary>A document sent with a referral (a letter, a photo of a discharge summary), kept with it.</summary>
public sealed class ReferralAttachment
{
    public const int MaxBytes = 5 * 1024 * 1024;

    public static readonly IReadOnlyList<string> AllowedTypes = ["application/pdf", "image/jpeg", "image/png"];

    public long Id { get; set; }

    public long ReferralId { get; set; }

    public Referral? Referral { get; set; }

    public required string FileName { get; set; }

    public required string ContentType { get; set; }

    public required byte[] Content { get; set; }

    public DateTime AddedAt { get; set; }
}
