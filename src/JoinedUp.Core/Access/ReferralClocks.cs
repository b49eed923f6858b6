namespace JoinedUp.Access;

/// <summary>Which clock is running for a referral.</summary>
public enum ClockKind
{
    /// <summary>Received, waiting to be triaged.</summary>
    Triage = 1,

    /// <summary>Triaged, waiting for the first contact by a receiving service.</summary>
    FirstContact = 2,

    /// <summary>No clock: first contact made, or the referral ended.</summary>
    Stopped = 3,
}

/// <summary>A referral's running clock, computed from its times and urgency when asked (never stored, so never stale).</summary>
public sealed record ReferralClock(ClockKind Kind, DateTime? DueAt, TimeSpan? Left, bool Breached)
{
    public string Describe()
    {
        if (Kind == ClockKind.Stopped || Left is null) return "";
        var what = Kind == ClockKind.Triage ? "triage" : "first contact";
        var span = Left.Value.Duration();
        var text = span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min" : span.TotalDays < 2 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{(int)span.TotalDays} days";
        return Breached ? $"{what} overdue by {text}" : $"{what} due in {text}";
    }
}

/// <summary>
/// The waiting-time standards: triage within 30 minutes for an urgent community response and within one working day
/// otherwise; first contact within 2 hours, 2 days or 28 days of receipt by urgency.
/// </summary>
public static class ReferralClocks
{
    public static readonly TimeSpan UrgentTriage = TimeSpan.FromMinutes(30);

    public static TimeSpan FirstContactTarget(Urgency urgency) => urgency switch
    {
        Urgency.Within2Hours => TimeSpan.FromHours(2),
        Urgency.Within2Days => TimeSpan.FromDays(2),
        _ => TimeSpan.FromDays(28),
    };

    public static DateTime TriageDue(DateTime receivedAt, Urgency urgency) =>
        urgency == Urgency.Within2Hours ? receivedAt + UrgentTriage : UkClock.AddWorkingDay(receivedAt);

    public static DateTime FirstContactDue(DateTime receivedAt, Urgency urgency) => receivedAt + FirstContactTarget(urgency);

    public static ReferralClock For(ReferralStatus status, Urgency urgency, DateTime receivedAt, DateTime? firstContactAt, DateTime nowUtc)
    {
        DateTime due;
        ClockKind kind;
        if (status == ReferralStatus.Received)
        {
            kind = ClockKind.Triage;
            due = TriageDue(receivedAt, urgency);
        }
        else if (status is ReferralStatus.Routed or ReferralStatus.Accepted && firstContactAt is null)
        {
            kind = ClockKind.FirstContact;
            due = FirstContactDue(receivedAt, urgency);
        }
        else
        {
            return new ReferralClock(ClockKind.Stopped, null, null, false);
        }
        var left = due - nowUtc;
        return new ReferralClock(kind, due, left, left < TimeSpan.Zero);
    }

    public static string Describe(Urgency urgency) => urgency switch
    {
        Urgency.Within2Hours => "Urgent: within 2 hours",
        Urgency.Within2Days => "Within 2 days",
        _ => "Routine",
    };
}
