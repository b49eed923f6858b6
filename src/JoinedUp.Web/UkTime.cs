using System.Globalization;

namespace JoinedUp.Web;

/// <summary>Times shown to people are UK local time (GMT or BST); everything stored is UTC.</summary>
internal static class UkTime
{
    private static readonly TimeZoneInfo? London = Find();

    private static TimeZoneInfo? Find()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return null;
        }
    }

    /// <summary>"23 Nov 2026 18:05", in UK time; with " UTC" appended when the machine has no time zone data.</summary>
    public static string Format(DateTime utc)
    {
        var value = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        return London is null
            ? value.ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture) + " UTC"
            : TimeZoneInfo.ConvertTimeFromUtc(value, London).ToString("d MMM yyyy HH:mm", CultureInfo.InvariantCulture);
    }
}
