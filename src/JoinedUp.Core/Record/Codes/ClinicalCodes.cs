using System.Reflection;
using System.Text.Json;

namespace JoinedUp.Record.Codes;

/// <summary>What a code in the checked-in list is for.</summary>
public enum CodeCategory
{
    Condition = 1,
    Observation = 2,
    Procedure = 3,
    Immunisation = 4,
    Medication = 5,
    EncounterType = 6,
}

/// <summary>One entry of the checked-in code list (Record/Codes/codes.json).</summary>
public sealed record ClinicalCode(string System, string Code, string Display, CodeCategory Category, string? Unit = null, string? Key = null);

/// <summary>
/// The small checked-in list of codes the outcome measures and dashboards need (conditions, tests, the UK childhood
/// immunisation schedule, common medicines). JoinedUp stores any code it is given; this list is what it generates,
/// labels and measures on. Every constant below appears in codes.json (a test checks it).
/// </summary>
public static class ClinicalCodes
{
    // Conditions (SNOMED CT)
    public const string DiabetesMellitus = "73211009";
    public const string Type1Diabetes = "46635009";
    public const string Type2Diabetes = "44054006";
    public const string EssentialHypertension = "59621000";
    public const string Copd = "13645005";
    public const string CoronaryHeartDisease = "414545008"; // ischaemic heart disease
    public const string Stroke = "230690007";

    // Observations (SNOMED CT)
    public const string HbA1c = "999791000000106";
    public const string BloodPressure = "75367002";
    public const string SystolicBloodPressure = "271649006";
    public const string DiastolicBloodPressure = "271650006";
    public const string SerumCholesterol = "1005671000000105";
    public const string CopdReview = "394703002";

    // Encounter types (SNOMED CT)
    public const string Consultation = "11429006";

    /// <summary>All diabetes codes: a person with any of these has diabetes.</summary>
    public static readonly IReadOnlyList<string> Diabetes = [DiabetesMellitus, Type1Diabetes, Type2Diabetes];

    private static readonly Lazy<IReadOnlyList<ClinicalCode>> List = new(LoadList);

    /// <summary>Every code in the checked-in list.</summary>
    public static IReadOnlyList<ClinicalCode> All => List.Value;

    /// <summary>The entry for a code, or null when the code is not in the list (it may still be stored as given).</summary>
    public static ClinicalCode? Find(string system, string code) =>
        All.FirstOrDefault(c => string.Equals(c.System, system, StringComparison.Ordinal) && string.Equals(c.Code, code, StringComparison.Ordinal));

    /// <summary>The entry with the given key (e.g. "mmr-1"), or throws: keys are fixed by this code.</summary>
    public static ClinicalCode ByKey(string key) =>
        All.FirstOrDefault(c => string.Equals(c.Key, key, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"The code list has no entry with key '{key}'.");

    private static List<ClinicalCode> LoadList()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("JoinedUp.Record.codes.json")
            ?? throw new InvalidOperationException("The built-in code list is missing from the assembly.");
#pragma warning disable CA1869 // read once per process
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
            ReadCommentHandling = JsonCommentHandling.Skip,
        };
#pragma warning restore CA1869
        var doc = JsonSerializer.Deserialize<CodeListDocument>(stream, options)
            ?? throw new InvalidOperationException("The built-in code list is empty.");
        return doc.Codes;
    }

    private sealed record CodeListDocument(string? Comment, List<ClinicalCode> Codes);
}
