using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace JoinedUp.Security.Audit;

/// <summary>How an audited attempt ended.</summary>
public static class AuditOutcome
{
    public const string Allowed = "allowed";

    /// <summary>Signed in but not permitted (no permission, no relationship, sensitive record).</summary>
    public const string Denied = "denied";

    /// <summary>No valid sign-in: no token, expired, wrong audience, bad signature.</summary>
    public const string Unauthenticated = "unauthenticated";
}

/// <summary>What happened, before it is stored and chained.</summary>
public sealed record AuditEvent
{
    public DateTime At { get; init; }

    public string? UserId { get; init; }

    public string? UserName { get; init; }

    public string? Role { get; init; }

    public string? OrganisationCode { get; init; }

    /// <summary>The OAuth client for token calls (an app or a system integration).</summary>
    public string? ClientId { get; init; }

    public long? PatientId { get; init; }

    /// <summary>The permission name or operation, e.g. "record.read", "record.search", "sign-in".</summary>
    public required string Action { get; init; }

    /// <summary>What was touched, e.g. "Patient/12", "GET /api/record/patients?nhsNumber", never a name or NHS number.</summary>
    public required string Resource { get; init; }

    public required string Outcome { get; init; }

    /// <summary>Why it was allowed (the relationship, or the break-glass reason) or why it was refused.</summary>
    public string? Basis { get; init; }

    public string? Detail { get; init; }
}

/// <summary>
/// One stored audit row. The table is append-only (database triggers refuse UPDATE and DELETE) and each row's
/// <see cref="Hash"/> covers its fields and the previous row's hash, so an edited, inserted or removed row breaks the
/// chain that <see cref="AuditVerifier"/> checks.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    public string? UserId { get; set; }

    public string? UserName { get; set; }

    public string? Role { get; set; }

    public string? OrganisationCode { get; set; }

    public string? ClientId { get; set; }

    public long? PatientId { get; set; }

    public required string Action { get; set; }

    public required string Resource { get; set; }

    public required string Outcome { get; set; }

    public string? Basis { get; set; }

    public string? Detail { get; set; }

    public required string PreviousHash { get; set; }

    public required string Hash { get; set; }

    /// <summary>The hash is an HMAC with the audit key (held outside the database), so it cannot be recomputed without it.</summary>
    public bool Keyed { get; set; }
}

/// <summary>The hash chain: SHA-256 over the previous hash and the row's fields in a fixed text form.</summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first row.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Both databases keep microseconds; times are cut to that before hashing so a stored row re-hashes the same.</summary>
    public static DateTime Normalise(DateTime at)
    {
        var utc = at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc);
        return new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
    }

    /// <summary>An audit key: Security__AuditKey as base64, at least 32 bytes. Null when the text is empty.</summary>
    public static byte[]? ParseKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64)) return null;
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new FormatException("Security__AuditKey is not base64. Make one with: openssl rand -base64 32");
        }
        return key.Length >= 32 ? key : throw new FormatException($"Security__AuditKey has {key.Length} bytes; it needs at least 32. Make one with: openssl rand -base64 32");
    }

    public static string Compute(string previousHash, DateTime at, string? userId, string? userName, string? role, string? organisationCode,
        string? clientId, long? patientId, string action, string resource, string outcome, string? basis, string? detail) =>
        Compute(null, previousHash, at, userId, userName, role, organisationCode, clientId, patientId, action, resource, outcome, basis, detail);

    /// <summary>SHA-256, or HMAC-SHA-256 when a key is given.</summary>
    public static string Compute(byte[]? key, string previousHash, DateTime at, string? userId, string? userName, string? role, string? organisationCode,
        string? clientId, long? patientId, string action, string resource, string outcome, string? basis, string? detail)
    {
        var sb = new StringBuilder(256);
        sb.Append(previousHash).Append('\n')
            .Append(Normalise(at).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
        foreach (var field in new[] { userId, userName, role, organisationCode, clientId, patientId?.ToString(CultureInfo.InvariantCulture), action, resource, outcome, basis, detail })
        {
            // Length-prefixed so that moving text from one field to the next changes the hash.
            sb.Append('\u001f').Append(field is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{field.Length}:{field}"));
        }
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        return Convert.ToHexStringLower(key is null ? SHA256.HashData(bytes) : HMACSHA256.HashData(key, bytes));
    }
}
