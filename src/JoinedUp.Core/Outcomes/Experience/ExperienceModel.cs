namespace JoinedUp.Outcomes.Experience;

/// <summary>What made an invitation: a first contact on a referral route, or a finished encounter with a community service.</summary>
public enum ExperienceTrigger
{
    FirstContact = 1,
    Encounter = 2,
}

/// <summary>How an answer came in.</summary>
public enum ExperienceChannel
{
    /// <summary>In the signed-in patient view (/my/plan), by the patient or a carer with a proxy.</summary>
    PatientView = 1,

    /// <summary>By a public link (/feedback/{token}) that staff printed or read out.</summary>
    Link = 2,

    /// <summary>Made by <see cref="ExperienceSeeder"/> for demos and benchmarks.</summary>
    Synthetic = 3,
}

/// <summary>
/// That someone was asked, and whether they answered: never what they said (docs/adr/0006, 5). The token that opens
/// the public link is kept only as its SHA-256 hash; the job stores none (there is no e-mail or SMS channel yet), and
/// staff issue one on demand, replacing any earlier one.
/// </summary>
public sealed class ExperienceInvitation
{
    public long Id { get; set; }

    public long PatientId { get; set; }

    /// <summary>The questionnaire's id: <c>fft</c> or <c>experience</c>.</summary>
    public required string Questionnaire { get; set; }

    public int? ServiceId { get; set; }

    /// <summary>The person's registered practice when invited.</summary>
    public int? PracticeId { get; set; }

    public ExperienceTrigger Trigger { get; set; }

    /// <summary>The referral route or encounter that made it: one invitation per source at most (a unique index).</summary>
    public long SourceId { get; set; }

    public DateTime ContactAt { get; set; }

    /// <summary>Lower-case hex SHA-256 of the current link token, or null while no link was issued.</summary>
    public string? TokenHash { get; set; }

    public DateTime SentAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>The UK day it was answered (midnight UTC of that day): a time of day could be matched to a response.</summary>
    public DateTime? AnsweredAt { get; set; }
}

/// <summary>An anonymous response: no patient id, no invitation id, dates as days.</summary>
public sealed class ExperienceResponse
{
    public long Id { get; set; }

    public required string Questionnaire { get; set; }

    public required string QuestionnaireVersion { get; set; }

    public int? ServiceId { get; set; }

    public int? PracticeId { get; set; }

    public int? NetworkId { get; set; }

    public DateOnly ContactDate { get; set; }

    public DateOnly AuthoredDate { get; set; }

    public ExperienceChannel Channel { get; set; }
}

/// <summary>One answered item of a response: a choice's code, or free text.</summary>
public sealed class ExperienceAnswer
{
    public long ResponseId { get; set; }

    public required string LinkId { get; set; }

    public string? Code { get; set; }

    public string? Text { get; set; }
}

/// <summary>How far the invitation job has scanned, per trigger.</summary>
public sealed class ExperienceWatermark
{
    public ExperienceTrigger Trigger { get; set; }

    public DateTime ScannedTo { get; set; }
}
