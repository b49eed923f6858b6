namespace JoinedUp.Record;

/// <summary>
/// One stored version of a resource written through the FHIR API: the full JSON the client sent (with its meta),
/// beside the relational row that holds what JoinedUp computes with (docs/adr/0003). Never changed or deleted.
/// </summary>
public sealed class ResourceVersion
{
    public long Id { get; set; }

    public required string ResourceType { get; set; }

    public long ResourceId { get; set; }

    public int VersionId { get; set; }

    public DateTime LastUpdated { get; set; }

    /// <summary>"create", "update" or "delete".</summary>
    public required string Method { get; set; }

    public required string Json { get; set; }
}
