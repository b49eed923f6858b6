namespace JoinedUp.Fhir;

/// <summary>Identifier systems JoinedUp reads and writes (UK Core, and its own).</summary>
public static class FhirSystems
{
    public const string NhsNumber = "https://fhir.nhs.uk/Id/nhs-number";
    public const string OdsCode = "https://fhir.nhs.uk/Id/ods-organization-code";
    public const string LocalIdentifier = "https://joinedup.example/Id/local-identifier";
}
