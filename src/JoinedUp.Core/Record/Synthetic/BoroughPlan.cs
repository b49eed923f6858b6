using System.Globalization;
using JoinedUp.Directory;

namespace JoinedUp.Record.Synthetic;

/// <summary>A GP practice of the synthetic borough with the traits that make it differ from its neighbours.</summary>
public sealed class PlannedPractice
{
    public required string OdsCode { get; init; }
    public required string Name { get; init; }
    public required int NetworkIndex { get; init; }
    public required string Postcode { get; init; }

    /// <summary>Relative list size.</summary>
    public double ListWeight { get; init; }

    /// <summary>Multipliers on borough prevalence (list-size weighted mean 1).</summary>
    public double DiabetesFactor { get; set; }
    public double HypertensionFactor { get; set; }
    public double CopdFactor { get; set; }
    public double ChdFactor { get; set; }

    /// <summary>Chance that a due review or test is actually done and recorded.</summary>
    public double RecordingRate { get; init; }

    /// <summary>Added to every HbA1c (mmol/mol) and systolic pressure (mmHg) at this practice: how well it controls them.</summary>
    public double Hba1cOffset { get; init; }
    public double SystolicOffset { get; init; }

    /// <summary>Chance that a due childhood vaccination is given.</summary>
    public double ImmunisationCoverage { get; init; }

    /// <summary>Database id, set once the practice is stored.</summary>
    public int Id { get; set; }
}

/// <summary>A staff member of the demo borough.</summary>
public sealed record PlannedStaff(string StaffCode, string GivenName, string FamilyName, StaffRole Role, string? Profession, string OrganisationCode, string? TeamCode, bool IsTeamLead);

/// <summary>
/// The fixed shape of the synthetic borough for a seed: 8 networks of 36 practices (as in the seeds) with their
/// differing list sizes, prevalence, recording and immunisation coverage, and one demo member of staff per role.
/// </summary>
public sealed class BoroughPlan
{
    public const int NetworkCount = 8;
    public const int PracticeCount = 36;

    private static readonly string[] NetworkNames =
        ["Bethnal Green", "Bow", "Poplar", "Isle of Dogs", "Stepney", "Whitechapel", "Limehouse", "Spitalfields"];

    // District of each network, for practice postcodes.
    private static readonly string[] NetworkDistricts = ["E2", "E3", "E14", "E14", "E1", "E1", "E14", "E1"];

    private static readonly string[] PracticeWords =
        ["Health Centre", "Medical Centre", "Surgery", "Practice", "Group Practice", "Medical Practice"];

    private static readonly string[] PlaceWords =
        ["Chrisp Street", "Globe Town", "Roman Road", "Mile End", "Cable Street", "Brick Lane", "Jubilee", "Island",
         "St Paul's Way", "Harford", "Wapping", "Blackwall", "Limehouse Cut", "Victoria Park", "Arnold Road", "Barkantine",
         "Stroudley Walk", "Bromley", "Spitalfields", "Albion", "Grove Road", "Ruston", "Aberfeldy", "Merchant", "Old Ford",
         "Tredegar", "Docklands", "East One", "Shadwell", "Sutton Street", "Canary Wharf", "Lansbury", "St Katharine's",
         "Columbia", "Teviot", "Whitechapel"];

    public IReadOnlyList<string> Networks { get; }

    public IReadOnlyList<PlannedPractice> Practices { get; }

    public double[] PracticeCumulativeWeights { get; }

    public BoroughPlan(long seed)
    {
        var rng = Rng.ForStream(seed, purpose: 1, index: 0);
        Networks = NetworkNames;
        var practices = new List<PlannedPractice>(PracticeCount);
        for (var i = 0; i < PracticeCount; i++)
        {
            var network = i % NetworkCount;
            var district = NetworkDistricts[network];
            practices.Add(new PlannedPractice
            {
                OdsCode = string.Create(CultureInfo.InvariantCulture, $"Z{10001 + i}"),
                Name = $"{PlaceWords[i]} {PracticeWords[rng.Next(0, PracticeWords.Length)]}",
                NetworkIndex = network,
                Postcode = $"{district} {rng.Next(1, 10)}{PostcodeLetters(ref rng)}",
                // List sizes from about 4,000 to 16,000 (a 4x spread, as in inner London).
                ListWeight = 0.5 + rng.NextDouble() * 1.5,
                DiabetesFactor = LogNormal(ref rng, 0.22),
                HypertensionFactor = LogNormal(ref rng, 0.18),
                CopdFactor = LogNormal(ref rng, 0.35),
                ChdFactor = LogNormal(ref rng, 0.25),
                RecordingRate = 0.55 + rng.NextDouble() * 0.4,
                Hba1cOffset = rng.Normal(0, 4),
                SystolicOffset = rng.Normal(0, 4),
                ImmunisationCoverage = 0.78 + rng.NextDouble() * 0.19,
            });
        }
        // Make the list-size weighted mean of each factor exactly 1 so the borough hits the target prevalence.
        Normalise(practices, p => p.DiabetesFactor, (p, v) => p.DiabetesFactor = v);
        Normalise(practices, p => p.HypertensionFactor, (p, v) => p.HypertensionFactor = v);
        Normalise(practices, p => p.CopdFactor, (p, v) => p.CopdFactor = v);
        Normalise(practices, p => p.ChdFactor, (p, v) => p.ChdFactor = v);
        Practices = practices;
        PracticeCumulativeWeights = People.Cumulative(practices.Select(p => p.ListWeight));
    }

    private static string PostcodeLetters(ref Rng rng) =>
        string.Concat(People.PostcodeUnitLetters[rng.Next(0, People.PostcodeUnitLetters.Length)], People.PostcodeUnitLetters[rng.Next(0, People.PostcodeUnitLetters.Length)]);

    private static double LogNormal(ref Rng rng, double sigma) => Math.Exp(rng.Normal(0, sigma));

    private static void Normalise(List<PlannedPractice> practices, Func<PlannedPractice, double> get, Action<PlannedPractice, double> set)
    {
        var total = practices.Sum(p => p.ListWeight);
        var mean = practices.Sum(p => p.ListWeight * get(p)) / total;
        foreach (var p in practices) set(p, get(p) / mean);
    }

    /// <summary>One demo member of staff per role, and a lead and clinicians for every service team.</summary>
    public IReadOnlyList<PlannedStaff> Staff(IEnumerable<(string ServiceCode, string TeamCode, string ProviderCode)> teams, string leadProviderCode, string commissionerCode, string councilCode)
    {
        var rng = Rng.ForStream(0, purpose: 2, index: 0);
        var staff = new List<PlannedStaff>();
        var n = 0;
        PlannedStaff Make(StaffRole role, string org, string? profession = null, string? team = null, bool lead = false)
        {
            var community = People.Communities[rng.PickCumulative(People.CommunityCumulative)];
            var female = rng.Chance(0.6);
            var given = rng.Pick(female ? community.FemaleNames : community.MaleNames);
            var family = rng.Pick(community.FamilyNames);
            n++;
            return new PlannedStaff(string.Create(CultureInfo.InvariantCulture, $"STF-{n:D4}"), given, family, role, profession, org, team, lead);
        }

        foreach (var (service, team, provider) in teams)
        {
            var profession = Profession(service);
            staff.Add(Make(StaffRole.Clinician, provider, profession, team, lead: true));
            staff.Add(Make(StaffRole.Clinician, provider, profession, team));
            staff.Add(Make(StaffRole.Clinician, provider, profession, team));
            if (service == "spa")
            {
                for (var i = 0; i < 4; i++) staff.Add(Make(StaffRole.SpaCoordinator, provider, null, team));
            }
        }
        for (var i = 0; i < 6; i++) staff.Add(Make(StaffRole.CareNavigator, leadProviderCode));
        foreach (var p in Practices) staff.Add(Make(StaffRole.PracticeStaff, p.OdsCode, "Practice manager"));
        for (var i = 0; i < NetworkCount; i++) staff.Add(Make(StaffRole.NetworkLead, Practices[i].OdsCode, "GP"));
        staff.Add(Make(StaffRole.Commissioner, commissionerCode));
        staff.Add(Make(StaffRole.Commissioner, commissionerCode));
        staff.Add(Make(StaffRole.ProcurementLead, commissionerCode));
        for (var i = 0; i < 3; i++) staff.Add(Make(StaffRole.PanelMember, commissionerCode));
        staff.Add(Make(StaffRole.InformationGovernanceOfficer, leadProviderCode));
        staff.Add(Make(StaffRole.Administrator, leadProviderCode));
        staff.Add(Make(StaffRole.Clinician, councilCode, "Social worker"));
        return staff;
    }

    private static string Profession(string serviceCode) => serviceCode switch
    {
        "children-salt" => "Speech and language therapist",
        "adult-psychology" or "community-mental-health" => "Psychologist",
        "children-audiology" or "adult-audiology" => "Audiologist",
        "foot-health" => "Podiatrist",
        "stroke-rehab" or "inpatient-rehab-beds" => "Physiotherapist",
        "community-diabetes" => "Diabetes specialist nurse",
        "advocacy" => "Advocate",
        "interpreting" => "Interpreter",
        "children-safeguarding" => "Safeguarding nurse",
        "termination-of-pregnancy" => "Nurse specialist",
        _ => "Community nurse",
    };
}
