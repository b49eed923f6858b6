using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace JoinedUp.Fhir;

/// <summary>FHIR R4 JSON with the Firely SDK: strict parsing (unknown elements and bad values are errors), compact output.</summary>
public static class FhirJson
{
    public const string ContentType = "application/fhir+json";

    /// <summary>Serialising: the SDK's converters, no indentation.</summary>
    public static readonly JsonSerializerOptions Write = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    /// <summary>Parsing: strict, so a client learns of every element the server would otherwise silently drop.</summary>
    public static readonly JsonSerializerOptions Read = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector).UsingMode(DeserializationMode.Strict);

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, resource.GetType(), Write);

    /// <summary>Parses JSON known to be valid (checked-in or stored by JoinedUp) as a resource of type <typeparamref name="T"/>.</summary>
    public static T Parse<T>(string json) where T : Resource =>
        JsonSerializer.Deserialize<T>(json, Read) ?? throw new InvalidOperationException($"The JSON holds no {typeof(T).Name}.");
}
