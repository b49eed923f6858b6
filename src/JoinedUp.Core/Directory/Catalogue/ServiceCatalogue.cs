using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace JoinedUp.Directory.Catalogue;

/// <summary>
/// The checked-in service catalogue (Directory/Catalogue/catalogue.json): the borough, the provider organisations and
/// every service with its eligibility, opening hours, capacity and sensitivity. Load it with <see cref="Load(string)"/>
/// or <see cref="LoadDefault"/>; both validate it and throw <see cref="CatalogueException"/> listing every problem.
/// </summary>
public sealed class ServiceCatalogue
{
    public required CatalogueBorough Borough { get; init; }

    public required IReadOnlyList<CatalogueOrganisation> Organisations { get; init; }

    public required IReadOnlyList<CatalogueService> Services { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    /// <summary>The catalogue built into JoinedUp.</summary>
    public static ServiceCatalogue LoadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("JoinedUp.Directory.catalogue.json")
            ?? throw new InvalidOperationException("The built-in service catalogue is missing from the assembly.");
        return Parse(stream, "built-in catalogue");
    }

    /// <summary>Loads and validates a catalogue file.</summary>
    public static ServiceCatalogue Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CatalogueException(path, [$"The catalogue file '{path}' does not exist."]);
        }
        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    /// <summary>Parses and validates catalogue JSON from a stream; <paramref name="source"/> names it in messages.</summary>
    public static ServiceCatalogue Parse(Stream stream, string source)
    {
        CatalogueDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize<CatalogueDocument>(stream, Json);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, column {ex.BytePositionInLine + 1}" : "";
            var path = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "" : $" (in {ex.Path})";
            throw new CatalogueException(source, [$"The catalogue is not valid JSON for JoinedUp{where}{path}: {FirstSentence(ex.Message)}"]);
        }
        if (doc is null)
        {
            throw new CatalogueException(source, ["The catalogue is empty (the file holds 'null')."]);
        }
        var errors = Validate(doc);
        if (errors.Count > 0)
        {
            throw new CatalogueException(source, errors);
        }
        return new ServiceCatalogue
        {
            Borough = doc.Borough!,
            Organisations = doc.Organisations!,
            Services = doc.Services!.Select(s => s.ToService()).ToList(),
        };
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static List<string> Validate(CatalogueDocument doc)
    {
        var errors = new List<string>();
        if (doc.Borough is null || string.IsNullOrWhiteSpace(doc.Borough.Name))
        {
            errors.Add("'borough.name' is missing: name the borough the catalogue serves.");
        }
        else if (doc.Borough.PostcodeDistricts is not { Count: > 0 })
        {
            errors.Add("'borough.postcodeDistricts' is empty: list the postcode districts (e.g. \"E1\") used to check residency.");
        }
        if (doc.Organisations is not { Count: > 0 })
        {
            errors.Add("'organisations' is empty: list the organisations that provide services.");
        }
        if (doc.Services is not { Count: > 0 })
        {
            errors.Add("'services' is empty: list at least one service.");
        }
        if (errors.Count > 0) return errors;

        var orgCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < doc.Organisations!.Count; i++)
        {
            var o = doc.Organisations[i];
            var at = $"organisations[{i}]";
            if (string.IsNullOrWhiteSpace(o.Code)) errors.Add($"{at}: 'code' is missing.");
            else if (!orgCodes.Add(o.Code)) errors.Add($"{at}: organisation code '{o.Code}' appears more than once.");
            if (string.IsNullOrWhiteSpace(o.Name)) errors.Add($"{at} ({o.Code}): 'name' is missing.");
            if (!Enum.IsDefined(o.Kind)) errors.Add($"{at} ({o.Code}): 'kind' is missing; use one of {string.Join(", ", Enum.GetNames<OrganisationKind>())}.");
            if (o.Kind == OrganisationKind.GpPractice) errors.Add($"{at} ({o.Code}): GP practices are not listed in the catalogue; they come with their networks from the borough.");
        }

        var serviceCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < doc.Services!.Count; i++)
        {
            var s = doc.Services[i];
            var at = $"services[{i}]" + (string.IsNullOrWhiteSpace(s.Code) ? "" : $" ({s.Code})");
            if (string.IsNullOrWhiteSpace(s.Code)) errors.Add($"{at}: 'code' is missing.");
            else if (!serviceCodes.Add(s.Code)) errors.Add($"{at}: service code '{s.Code}' appears more than once.");
            if (string.IsNullOrWhiteSpace(s.Name)) errors.Add($"{at}: 'name' is missing.");
            if (!Enum.IsDefined(s.Line)) errors.Add($"{at}: 'line' is missing; use one of {string.Join(", ", Enum.GetNames<ServiceLine>())}.");
            if (string.IsNullOrWhiteSpace(s.Provider)) errors.Add($"{at}: 'provider' is missing: give the code of an organisation listed under 'organisations'.");
            else if (!orgCodes.Contains(s.Provider)) errors.Add($"{at}: provider '{s.Provider}' is not one of the organisations listed ({string.Join(", ", orgCodes)}).");
            if (s.WeeklyCapacity is null) errors.Add($"{at}: 'weeklyCapacity' is missing: how many new people can the service take each week?");
            else if (s.WeeklyCapacity < 0) errors.Add($"{at}: 'weeklyCapacity' is {s.WeeklyCapacity}; it cannot be negative.");
            if (s.Sensitive is null) errors.Add($"{at}: 'sensitive' is missing: say true for services whose records only their own team may see, false otherwise.");

            var e = s.Eligibility;
            if (e is null) errors.Add($"{at}: 'eligibility' is missing (use {{}} when anyone is eligible).");
            else
            {
                if (e.MinAge is < 0 or > 130) errors.Add($"{at}: 'eligibility.minAge' {e.MinAge} is not an age in years.");
                if (e.MaxAge is < 0 or > 130) errors.Add($"{at}: 'eligibility.maxAge' {e.MaxAge} is not an age in years.");
                if (e.MinAge is { } min && e.MaxAge is { } max && min > max) errors.Add($"{at}: 'eligibility.minAge' ({min}) is above 'maxAge' ({max}), so nobody is eligible.");
                foreach (var code in e.Conditions ?? [])
                {
                    if (code.Length is < 6 or > 18 || !code.All(char.IsAsciiDigit)) errors.Add($"{at}: eligibility condition '{code}' is not a SNOMED CT concept id (6 to 18 digits).");
                }
            }

            var h = s.Hours;
            if (h is null) errors.Add($"{at}: 'hours' is missing: give availability, days, opens and closes.");
            else
            {
                if (!Enum.IsDefined(h.Availability)) errors.Add($"{at}: 'hours.availability' is missing; use InHours, OutOfHours or InAndOutOfHours.");
                if (string.IsNullOrWhiteSpace(h.Days) || !Enum.TryParse<OpenDays>(h.Days, ignoreCase: false, out var days) || days == OpenDays.None)
                    errors.Add($"{at}: 'hours.days' '{h.Days}' is not understood; use Weekdays, Weekend, Everyday or day names such as \"Monday, Wednesday\".");
                if (!TryTime(h.Opens)) errors.Add($"{at}: 'hours.opens' '{h.Opens}' is not a time; use 24-hour HH:mm such as \"08:30\".");
                if (!TryTime(h.Closes)) errors.Add($"{at}: 'hours.closes' '{h.Closes}' is not a time; use 24-hour HH:mm such as \"17:00\".");
            }
        }
        return errors;
    }

    private static bool TryTime(string? text) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    private sealed class CatalogueDocument
    {
        [JsonPropertyName("$comment")]
        public string? Comment { get; set; }

        public CatalogueBorough? Borough { get; set; }

        public List<CatalogueOrganisation>? Organisations { get; set; }

        public List<ServiceEntry>? Services { get; set; }
    }

    private sealed class ServiceEntry
    {
        public string? Code { get; set; }
        public string? Name { get; set; }
        public string? Description { get; set; }
        public ServiceLine Line { get; set; }
        public string? Provider { get; set; }
        public EligibilityEntry? Eligibility { get; set; }
        public HoursEntry? Hours { get; set; }
        public int? WeeklyCapacity { get; set; }
        public bool? Sensitive { get; set; }

        public CatalogueService ToService() => new()
        {
            Code = Code!,
            Name = Name!,
            Description = Description ?? "",
            Line = Line,
            ProviderCode = Provider!,
            MinAgeYears = Eligibility!.MinAge,
            MaxAgeYears = Eligibility.MaxAge,
            EligibleConditionCodes = Eligibility.Conditions ?? [],
            BoroughResidentsOnly = Eligibility.ResidentsOnly ?? false,
            Availability = Hours!.Availability,
            OpenDays = Enum.Parse<OpenDays>(Hours.Days!),
            OpensAt = TimeOnly.ParseExact(Hours.Opens!, "HH:mm", CultureInfo.InvariantCulture),
            ClosesAt = TimeOnly.ParseExact(Hours.Closes!, "HH:mm", CultureInfo.InvariantCulture),
            WeeklyCapacity = WeeklyCapacity!.Value,
            IsSensitive = Sensitive!.Value,
        };
    }

    private sealed class EligibilityEntry
    {
        public int? MinAge { get; set; }
        public int? MaxAge { get; set; }
        public List<string>? Conditions { get; set; }
        public bool? ResidentsOnly { get; set; }
    }

    private sealed class HoursEntry
    {
        public ServiceAvailability Availability { get; set; }
        public string? Days { get; set; }
        public string? Opens { get; set; }
        public string? Closes { get; set; }
    }
}

/// <summary>The borough the catalogue serves; its postcode districts decide residency.</summary>
public sealed class CatalogueBorough
{
    public required string Name { get; init; }

    public required List<string> PostcodeDistricts { get; init; }
}

/// <summary>A provider organisation named in the catalogue.</summary>
public sealed class CatalogueOrganisation
{
    public required string Code { get; init; }

    public required string Name { get; init; }

    public OrganisationKind Kind { get; init; }
}

/// <summary>A validated catalogue service.</summary>
public sealed class CatalogueService
{
    public required string Code { get; init; }
    public required string Name { get; init; }
    public required string Description { get; init; }
    public ServiceLine Line { get; init; }
    public required string ProviderCode { get; init; }
    public int? MinAgeYears { get; init; }
    public int? MaxAgeYears { get; init; }
    public required List<string> EligibleConditionCodes { get; init; }
    public bool BoroughResidentsOnly { get; init; }
    public ServiceAvailability Availability { get; init; }
    public OpenDays OpenDays { get; init; }
    public TimeOnly OpensAt { get; init; }
    public TimeOnly ClosesAt { get; init; }
    public int WeeklyCapacity { get; init; }
    public bool IsSensitive { get; init; }
}

/// <summary>The catalogue file is malformed; <see cref="Problems"/> lists every problem found, each saying what to fix.</summary>
public sealed class CatalogueException(string source, IReadOnlyList<string> problems)
    : Exception($"The service catalogue '{source}' has {problems.Count} problem(s):{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", problems)}")
{
    public string CatalogueSource { get; } = source;

    public IReadOnlyList<string> Problems { get; } = problems;
}
