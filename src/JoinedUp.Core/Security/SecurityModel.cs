using Microsoft.AspNetCore.Identity;

namespace JoinedUp.Security;

/// <summary>
/// A person who signs in. Roles are ASP.NET Core Identity roles named as in <see cref="Roles"/>. Staff users are
/// linked to a <see cref="Directory.StaffMember"/> (their organisation and teams come from there); a patient user is
/// linked to their own record; a carer user to no record (what they may see comes from proxies the patient grants).
/// </summary>
public sealed class JoinedUpUser : IdentityUser
{
    public required string DisplayName { get; set; }

    public int? StaffMemberId { get; set; }

    public long? PatientId { get; set; }

    /// <summary>ODS code of the user's organisation for staff without a staff record (set for every staff user).</summary>
    public string? OrganisationCode { get; set; }

    /// <summary>One of the demo borough's sign-ins; these are removed when the app runs outside demo mode.</summary>
    public bool IsDemo { get; set; }
}

/// <summary>Why a member of staff may open a patient's record, other than registration at their practice (which the record itself says).</summary>
public enum RelationshipKind
{
    /// <summary>The patient is on a team's caseload (an accepted referral).</summary>
    Caseload = 1,

    /// <summary>An open referral to a service, before it is accepted.</summary>
    Referral = 2,

    /// <summary>A care navigator is assigned to the patient.</summary>
    Navigator = 3,

    /// <summary>The single point of access is triaging an open referral: limited to what triage needs.</summary>
    Triage = 4,
}

/// <summary>
/// A legitimate relationship between a team (or one navigator) and a patient. Created by the event that justifies it
/// (accepted referral, assignment) and ended when the episode ends; never deleted, so the history stays.
/// </summary>
public sealed class CareRelationship
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public RelationshipKind Kind { get; set; }

    /// <summary>The team whose members the relationship covers (caseload, referral, triage).</summary>
    public int? TeamId { get; set; }

    /// <summary>The one member of staff it covers (navigator).</summary>
    public int? StaffMemberId { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? EndedAt { get; set; }

    /// <summary>What created it, e.g. "referral 123" or "assigned by STF-0004".</summary>
    public required string Source { get; set; }

    public string? EndReason { get; set; }
}

/// <summary>A patient's permission for a carer (a user) to see their record. Withdrawn proxies are kept, with who and when.</summary>
public sealed class CarerProxy
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public required string CarerUserId { get; set; }

    public DateTime GrantedAt { get; set; }

    public required string GrantedByUserId { get; set; }

    public DateTime? WithdrawnAt { get; set; }

    public string? WithdrawnByUserId { get; set; }
}

public enum BreakGlassReviewOutcome
{
    Appropriate = 1,
    Inappropriate = 2,
}

/// <summary>An emergency opening of a record without a relationship: time-limited, audited, shown to the patient, reviewed by IG.</summary>
public sealed class BreakGlassAccess
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public required string UserId { get; set; }

    public required string UserName { get; set; }

    public required string Role { get; set; }

    public string? OrganisationCode { get; set; }

    public required string Reason { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? ReviewedAt { get; set; }

    public string? ReviewedByUserId { get; set; }

    public BreakGlassReviewOutcome? ReviewOutcome { get; set; }

    public string? ReviewNote { get; set; }
}

public enum ConsentKind
{
    /// <summary>Dissent from sharing the record with other organisations.</summary>
    SharingDissent = 1,

    /// <summary>National data opt-out from secondary use.</summary>
    NationalOptOut = 2,
}

/// <summary>One change of a patient's consent: the history behind <see cref="Record.Patient.SharingDissent"/> and <see cref="Record.Patient.NationalOptOut"/>.</summary>
public sealed class ConsentDecision
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    public ConsentKind Kind { get; set; }

    /// <summary>True: the dissent or opt-out is now in force; false: it was withdrawn.</summary>
    public bool InForce { get; set; }

    public DateTime RecordedAt { get; set; }

    public required string RecordedByUserId { get; set; }

    public required string RecordedByName { get; set; }

    public string? Note { get; set; }
}
