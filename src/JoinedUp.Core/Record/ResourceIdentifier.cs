namespace JoinedUp.Record;

/// <summary>
/// An identifier a resource was sent with (system and value), unique per resource type: conditional create
/// (<c>If-None-Exist: identifier=system|value</c>) and bulk import match on it, so that two identical creates, or an
/// import run again after a crash, make one resource. Imported resources also get their source id here (system
/// <see cref="SourceSystem"/>), so references between NDJSON files resolve. Never changed; removed only with the row.
/// </summary>
public sealed class ResourceIdentifier
{
    /// <summary>The system for "the id this resource had where it came from" (a urn:uuid fullUrl, or Type/id in NDJSON).</summary>
    public const string SourceSystem = "urn:joinedup:source-id";

    public long Id { get; set; }

    public required string ResourceType { get; set; }

    public required string System { get; set; }

    public required string Value { get; set; }

    public long ResourceId { get; set; }
}

/// <summary>
/// How far an import of one source file got: the file is known by its SHA-256, so a renamed copy is still the same
/// file. Each committed chunk moves <see cref="Position"/> in the same transaction as its rows, so an import stopped at
/// any point resumes after the last committed chunk, without duplicates.
/// </summary>
public sealed class ImportCheckpoint
{
    public long Id { get; set; }

    /// <summary>Lower-case hex SHA-256 of the file's bytes.</summary>
    public required string FileHash { get; set; }

    /// <summary>The file's name when it was last imported (for people reading the table).</summary>
    public required string FileName { get; set; }

    /// <summary>Entries (bundle entries or NDJSON lines) committed so far.</summary>
    public long Position { get; set; }

    public bool Completed { get; set; }

    public DateTime UpdatedAt { get; set; }
}
