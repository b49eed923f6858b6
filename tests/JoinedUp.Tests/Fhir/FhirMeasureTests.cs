using System.Net;
using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using JoinedUp.Fhir;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using FhirMeasure = Hl7.Fhir.Model.Measure;
using FhirValueSet = Hl7.Fhir.Model.ValueSet;

namespace JoinedUp.Tests.Fhir;

/// <summary>
/// The outcomes framework over FHIR (docs/adr/0006 4.5): generated Measure, ValueSet and the definition as Binary, and
/// $evaluate-measure from the quarter's official run, live, or for one patient. Every resource is parsed with the Firely
/// SDK in strict mode, which checks cardinality and primitive values, and serialised again.
/// </summary>
public class FhirMeasureTests
{
    private static readonly FinancialQuarter Quarter = new(2026, 1);
    private const string Period = "periodStart=2026-04-01&periodEnd=2026-06-30";

    private static async Task<(HttpStatusCode Status, T Resource)> GetAsync<T>(HttpClient client, string path) where T : Resource
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("application/fhir+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var resource = FhirJson.Parse<T>(body);
        // Round trip: what the SDK serialises parses to the same thing.
        Assert.True(resource.IsExactly(FhirJson.Parse<T>(FhirJson.Serialize(resource))), $"{path}: not the same after a round trip");
        return (response.StatusCode, resource);
    }

    private static async Task<OperationOutcome> ProblemAsync(HttpClient client, string path, HttpStatusCode expected)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: expected {(int)expected}, got {(int)response.StatusCode} {body}");
        return FhirJson.Parse<OperationOutcome>(body);
    }

    private static string Evaluate(string measure, string query = Period) => $"/fhir/Measure/{measure}/$evaluate-measure?{query}";

    private static int? Count(IEnumerable<MeasureReport.PopulationComponent> populations, string code) => populations.SingleOrDefault(p => p.Code!.Coding[0].Code == code)?.Count;

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Measures_and_value_sets_are_generated_from_the_definitions_parse_with_Firely_and_link_the_raw_definition(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var library = app.Factory.Services.GetRequiredService<MeasureLibrary>();
        using var lead = await app.SignInAsync(SecureApp.Email(Roles.NetworkLead));

        var (status, measure) = await GetAsync<FhirMeasure>(lead, "/fhir/Measure/diabetes-hba1c");
        Assert.Equal(HttpStatusCode.OK, status);
        var definition = library.Find("diabetes-hba1c")!;
        Assert.Equal("https://joinedup.example/fhir/Measure/diabetes-hba1c", measure.Url);
        Assert.Equal(definition.Version, measure.Version);
        Assert.Equal("DiabetesHba1c", measure.Name);
        Assert.Equal(definition.Title, measure.Title);
        Assert.Equal(PublicationStatus.Active, measure.Status);
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/measure-scoring", "proportion"), (measure.Scoring!.Coding[0].System, measure.Scoring!.Coding[0].Code));
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/measure-improvement-notation", "increase"), (measure.ImprovementNotation!.Coding[0].System, measure.ImprovementNotation!.Coding[0].Code));
        Assert.Equal("quality", measure.Topic[0].Coding[0].Code);
        var populations = measure.Group.Single().Population;
        Assert.Equal(["initial-population", "denominator", "denominator-exclusion", "numerator", "denominator-exception"], populations.Select(p => p.Code!.Coding[0].Code));
        Assert.All(populations, p => Assert.Equal("text/x-joinedup-measure", p.Criteria!.Language));
        Assert.Equal(["/population", "/population", "/exclusions", "/numerator", "/exceptions"], populations.Select(p => p.Criteria!.Expression_));
        Assert.Equal(["network", "practice"], measure.Group[0].Stratifier.Select(s => s.Code!.Coding[0].Code));

        // The raw definition: exactly the file that was read (its SHA-256 is the definition's hash).
        var link = measure.RelatedArtifact.Single(a => a.Label == "definition").Document!.Url!;
        Assert.EndsWith("/fhir/Binary/measure-diabetes-hba1c", link, StringComparison.Ordinal);
        var (_, binary) = await GetAsync<Binary>(lead, "/fhir/Binary/measure-diabetes-hba1c");
        Assert.Equal("application/json", binary.ContentType);
        Assert.Equal(definition.Sha256, Convert.ToHexStringLower(SHA256.HashData(binary.Data!)));
        Assert.Contains("\"numerator\"", Encoding.UTF8.GetString(binary.Data!), StringComparison.Ordinal);

        // A measure without exclusions or exceptions has only the populations it defines.
        var (_, simple) = await GetAsync<FhirMeasure>(lead, "/fhir/Measure/triage-1day");
        var triage = library.Find("triage-1day")!;
        Assert.Equal(triage.Exclusions.Count > 0, simple.Group[0].Population.Any(p => p.Code!.Coding[0].Code == "denominator-exclusion"));
        Assert.Equal(triage.Exceptions.Count > 0, simple.Group[0].Population.Any(p => p.Code!.Coding[0].Code == "denominator-exception"));

        var (_, all) = await GetAsync<Bundle>(lead, "/fhir/Measure");
        Assert.Equal(library.Measures.Count, all.Total);
        Assert.All(all.Entry, e => Assert.IsType<FhirMeasure>(e.Resource));
        var (_, byUrl) = await GetAsync<Bundle>(lead, "/fhir/Measure?url=" + Uri.EscapeDataString($"https://joinedup.example/fhir/Measure/diabetes-hba1c|{definition.Version}"));
        Assert.Equal("diabetes-hba1c", byUrl.Entry.Single().Resource!.Id);
        var (_, byTitle) = await GetAsync<Bundle>(lead, "/fhir/Measure?title=hba1c");
        Assert.Contains(byTitle.Entry, e => e.Resource!.Id == "diabetes-hba1c");
        Assert.DoesNotContain(byTitle.Entry, e => e.Resource!.Id == "triage-1day");

        var (_, valueSet) = await GetAsync<FhirValueSet>(lead, "/fhir/ValueSet/qof-dm-cod");
        var stored = library.ValueSets["qof-dm-cod"];
        Assert.True(valueSet.IsExactly(FhirJson.Parse<FhirValueSet>(stored.Json)), "the ValueSet is the stored one");
        Assert.Equal(stored.Codes.Select(c => c.Code), valueSet.Compose!.Include.SelectMany(i => i.Concept).Select(c => c.Code));
        var (_, sets) = await GetAsync<Bundle>(lead, "/fhir/ValueSet");
        Assert.Equal(library.ValueSets.Count, sets.Total);

        var unknown = await ProblemAsync(lead, "/fhir/Measure/no-such-measure", HttpStatusCode.NotFound);
        Assert.Equal(OperationOutcome.IssueType.NotFound, unknown.Issue[0].Code);
        await ProblemAsync(lead, "/fhir/ValueSet/no-such-set", HttpStatusCode.NotFound);
        await ProblemAsync(lead, Evaluate("no-such-measure"), HttpStatusCode.NotFound);

        // outcomes.read is needed: a clinician has none.
        using var clinician = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal(HttpStatusCode.Forbidden, (await clinician.GetAsync("/fhir/Measure/diabetes-hba1c")).StatusCode);

        using var anonymous = app.Anonymous();
        var (_, capability) = await GetAsync<CapabilityStatement>(anonymous, "/fhir/metadata");
        var measures = capability.Rest[0].Resource.Single(r => r.Type == "Measure");
        Assert.Equal("evaluate-measure", measures.Operation.Single().Name);
        Assert.Contains(capability.Rest[0].Resource, r => r.Type == "ValueSet");
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Population_report_is_the_quarters_official_run_with_strata_score_and_interval_and_bad_periods_are_422(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var runner = app.Factory.Services.GetRequiredService<OutcomesRunner>();
        var run = (await runner.RunAsync(Quarter, RunPurpose.Official, "test", null, CancellationToken.None)).Run;
        var rows = await app.QueryAsync(db => db.MeasureResults.AsNoTracking().Where(r => r.RunId == run.Id && r.MeasureKey == "diabetes-hba1c").ToListAsync());
        var borough = rows.Single(r => r.Level == MeasureLevel.Borough);
        Assert.True(borough.Denominator > 0, "the demo borough has people with diabetes");

        // A network lead may read the official figures (outcomes.read) though not run anything.
        using var lead = await app.SignInAsync(SecureApp.Email(Roles.NetworkLead));
        var (status, report) = await GetAsync<MeasureReport>(lead, Evaluate("diabetes-hba1c"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(MeasureReport.MeasureReportStatus.Complete, report.Status);
        Assert.Equal(MeasureReport.MeasureReportType.Summary, report.Type);
        Assert.Equal($"https://joinedup.example/fhir/Measure/diabetes-hba1c|{app.Factory.Services.GetRequiredService<MeasureLibrary>().Find("diabetes-hba1c")!.Version}", report.Measure);
        Assert.Equal(("https://joinedup.example/fhir/measure-run", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), (report.Identifier.Single().System, report.Identifier.Single().Value));
        // The measure's own period: 12 months ending on the quarter's last day.
        Assert.Equal(("2025-07-01", "2026-06-30"), (report.Period!.Start, report.Period.End));
        Assert.Equal("increase", report.ImprovementNotation!.Coding[0].Code);
        var group = report.Group.Single();
        Assert.Equal((int)borough.InitialPopulation, Count(group.Population, "initial-population"));
        Assert.Equal((int)borough.Denominator, Count(group.Population, "denominator"));
        Assert.Equal((int)borough.Excluded, Count(group.Population, "denominator-exclusion"));
        Assert.Equal((int)borough.Excepted, Count(group.Population, "denominator-exception"));
        Assert.Equal((int)borough.Numerator, Count(group.Population, "numerator"));
        Assert.Equal(borough.Rate, group.MeasureScore!.Value);
        var interval = (Hl7.Fhir.Model.Range)group.MeasureScore!.GetExtension("https://joinedup.example/fhir/StructureDefinition/measure-score-interval")!.Value!;
        Assert.Equal(Math.Round((decimal)borough.CiLow!.Value, 6), interval.Low!.Value);
        Assert.Equal(Math.Round((decimal)borough.CiHigh!.Value, 6), interval.High!.Value);
        Assert.Equal(["network", "practice"], group.Stratifier.Select(s => s.Code[0].Coding[0].Code));
        foreach (var stratifier in group.Stratifier)
        {
            var level = Enum.Parse<MeasureLevel>(stratifier.Code[0].Coding[0].Code!, ignoreCase: true);
            var expected = rows.Where(r => r.Level == level).OrderBy(r => r.UnitKey, StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(r => r.UnitKey), stratifier.Stratum.Select(s => s.Value!.Text));
            Assert.Equal(expected.Select(r => (int)r.Numerator), stratifier.Stratum.Select(s => s.Population.Single(p => p.Code!.Coding[0].Code == "numerator").Count!.Value));
            Assert.Equal(expected.Select(r => r.Rate), stratifier.Stratum.Select(s => s.MeasureScore?.Value));
        }

        // POST with Parameters gives the same report, and a system client (client credentials) may ask too.
        var parameters = new Parameters();
        parameters.Add("periodStart", new Date("2026-04-01"));
        parameters.Add("periodEnd", new Date("2026-06-30"));
        parameters.Add("reportType", new Code("population"));
        var posted = await lead.PostAsync("/fhir/Measure/diabetes-hba1c/$evaluate-measure", new StringContent(FhirJson.Serialize(parameters), Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var postedReport = FhirJson.Parse<MeasureReport>(await posted.Content.ReadAsStringAsync());
        Assert.Equal(Count(group.Population, "numerator"), Count(postedReport.Group[0].Population, "numerator"));
        using var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.rs"));
        var (systemStatus, systemReport) = await GetAsync<MeasureReport>(system, Evaluate("diabetes-hba1c"));
        Assert.Equal(HttpStatusCode.OK, systemStatus);
        Assert.Equal(report.Identifier[0].Value, systemReport.Identifier[0].Value);

        // Periods: exactly a financial quarter, as days.
        foreach (var bad in new[] { "periodStart=2026-04-01&periodEnd=2026-06-29", "periodStart=2026-04-01&periodEnd=2026-03-31", "periodStart=2026-01-01&periodEnd=2026-12-31",
                     "periodStart=yesterday&periodEnd=2026-06-30", "periodEnd=2026-06-30", "periodStart=2026-05-01&periodEnd=2026-07-31" })
        {
            var outcome = await ProblemAsync(lead, Evaluate("diabetes-hba1c", bad), HttpStatusCode.UnprocessableEntity);
            Assert.Contains("financial quarter", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        }
        var before = await ProblemAsync(lead, Evaluate("diabetes-hba1c", "periodStart=2026-04-01&periodEnd=2026-03-31"), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("before periodStart", before.Issue[0].Diagnostics, StringComparison.Ordinal);
        var list = await ProblemAsync(lead, Evaluate("diabetes-hba1c", Period + "&reportType=subject-list"), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("patient list API", list.Issue[0].Diagnostics, StringComparison.Ordinal);
        await ProblemAsync(lead, Evaluate("diabetes-hba1c", Period + "&reportType=bogus"), HttpStatusCode.UnprocessableEntity);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Without_an_official_run_only_outcomes_manage_and_system_clients_evaluate_live(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var runner = app.Factory.Services.GetRequiredService<OutcomesRunner>();

        using var lead = await app.SignInAsync(SecureApp.Email(Roles.NetworkLead));
        var refused = await ProblemAsync(lead, Evaluate("triage-1day"), HttpStatusCode.NotFound);
        Assert.Contains("no official results", refused.Issue[0].Diagnostics, StringComparison.Ordinal);

        // An ad hoc run is not the quarter's figures of record: still live.
        await runner.RunAsync(Quarter, RunPurpose.Adhoc, "test", null, CancellationToken.None);
        await ProblemAsync(lead, Evaluate("triage-1day"), HttpStatusCode.NotFound);

        var live = (await runner.EvaluateAsync(Quarter, ["triage-1day"], null, CancellationToken.None)).Single();
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        var (status, report) = await GetAsync<MeasureReport>(commissioner, Evaluate("triage-1day"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(report.Identifier);
        Assert.Equal((int)live.Borough.Denominator, Count(report.Group[0].Population, "denominator"));
        Assert.Equal((int)live.Borough.Numerator, Count(report.Group[0].Population, "numerator"));
        Assert.Equal(live.Borough.Rate(live.Definition), report.Group[0].MeasureScore?.Value);
        Assert.Equal((live.Period.Start.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), live.Period.End.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), (report.Period!.Start, report.Period.End));
        Assert.Equal(live.Definition.Levels.Where(l => l != MeasureLevel.Borough).Select(l => l.ToString().ToLowerInvariant()), report.Group[0].Stratifier.Select(s => s.Code[0].Coding[0].Code));

        using var system = app.Bearer(await app.ClientCredentialsTokenAsync("system/*.rs"));
        var (systemStatus, _) = await GetAsync<MeasureReport>(system, Evaluate("triage-1day"));
        Assert.Equal(HttpStatusCode.OK, systemStatus);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async System.Threading.Tasks.Task Subject_report_is_authorised_and_audited_like_a_read_of_the_patient_and_a_stranger_is_refused(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        var library = app.Factory.Services.GetRequiredService<MeasureLibrary>();
        var storage = app.Factory.Services.GetRequiredService<StorageOptions>();
        var m = library.Find("diabetes-hba1c")!;
        var period = JoinedUp.Outcomes.Measures.Sql.MeasureCompiler.PeriodFor(m, Quarter);
        IReadOnlyList<MeasureSubjectRow> subjects;
        var evaluator = new MeasureEvaluator(storage);
        await using (var connection = await JoinedUpStorage.OpenConnectionAsync(storage, CancellationToken.None))
        {
            await evaluator.PrepareAsync(connection, library, [period], CancellationToken.None);
            subjects = await evaluator.SubjectsAsync(connection, m, period, CancellationToken.None);
        }
        // Someone on the diabetes register, registered at the demo practice so that its practice staff may open their record
        // (the measure asks only that they are registered somewhere, so their flags stay as evaluated).
        var person = subjects.First(s => s.Denominator);
        await app.QueryAsync(async db =>
        {
            var practiceId = await db.Organisations.Where(o => o.OdsCode == DemoSecurity.DemoPractice).Select(o => o.Id).SingleAsync();
            return await db.Patients.Where(p => p.Id == person.PatientId).ExecuteUpdateAsync(u => u.SetProperty(p => p.RegisteredPracticeId, practiceId));
        });
        var ours = (await app.QueryAsync(db => db.Patients.Where(p => p.RegisteredPractice!.OdsCode == DemoSecurity.DemoPractice).Select(p => p.Id).ToListAsync())).ToHashSet();

        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        var (status, report) = await GetAsync<MeasureReport>(practice, Evaluate("diabetes-hba1c", Period + $"&subject=Patient/{person.PatientId}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(MeasureReport.MeasureReportType.Individual, report.Type);
        Assert.Equal($"Patient/{person.PatientId}", report.Subject!.Reference);
        var populations = report.Group.Single().Population;
        Assert.Equal(1, Count(populations, "initial-population"));
        Assert.Equal(person.Denominator ? 1 : 0, Count(populations, "denominator"));
        Assert.Equal(person.Excluded ? 1 : 0, Count(populations, "denominator-exclusion"));
        Assert.Equal(person.Excepted ? 1 : 0, Count(populations, "denominator-exception"));
        Assert.Equal(person.Numerator ? 1 : 0, Count(populations, "numerator"));
        var audit = await app.AuditAsync(e => e.PatientId == person.PatientId && e.Resource.Contains("$evaluate-measure", StringComparison.Ordinal));
        Assert.Equal(AuditOutcome.Allowed, Assert.Single(audit).Outcome);

        // Someone of the practice outside the measure's population: all counts 0.
        var outside = ours.First(id => subjects.All(s => s.PatientId != id));
        var (_, none) = await GetAsync<MeasureReport>(practice, Evaluate("diabetes-hba1c", Period + $"&reportType=subject&subject=Patient/{outside}"));
        Assert.All(none.Group[0].Population, p => Assert.Equal(0, p.Count));

        // A stranger is refused as a read of their record would be, and the refusal is audited.
        var stranger = await app.StrangerAsync();
        var refused = await ProblemAsync(practice, Evaluate("diabetes-hba1c", Period + $"&subject=Patient/{stranger}"), HttpStatusCode.Forbidden);
        Assert.Equal(OperationOutcome.IssueType.Forbidden, refused.Issue[0].Code);
        Assert.Equal(HttpStatusCode.Forbidden, (await practice.GetAsync($"/fhir/Patient/{stranger}")).StatusCode);
        var denied = await app.AuditAsync(e => e.PatientId == stranger && e.Resource.Contains("$evaluate-measure", StringComparison.Ordinal));
        Assert.Equal(AuditOutcome.Denied, Assert.Single(denied).Outcome);

        // Event subjects: the report counts that person's referrals.
        var triage = library.Find("triage-1day")!;
        var triagePeriod = JoinedUp.Outcomes.Measures.Sql.MeasureCompiler.PeriodFor(triage, Quarter);
        IReadOnlyList<MeasureSubjectRow> referrals;
        await using (var connection = await JoinedUpStorage.OpenConnectionAsync(storage, CancellationToken.None))
        {
            await evaluator.PrepareAsync(connection, library, [triagePeriod], CancellationToken.None);
            referrals = await evaluator.SubjectsAsync(connection, triage, triagePeriod, CancellationToken.None);
        }
        var referred = referrals.GroupBy(r => r.PatientId).OrderByDescending(g => g.Count()).First();
        await app.QueryAsync(async db =>
        {
            var practiceId = await db.Organisations.Where(o => o.OdsCode == DemoSecurity.DemoPractice).Select(o => o.Id).SingleAsync();
            return await db.Patients.Where(p => p.Id == referred.Key).ExecuteUpdateAsync(u => u.SetProperty(p => p.RegisteredPracticeId, practiceId));
        });
        var (_, events) = await GetAsync<MeasureReport>(practice, Evaluate("triage-1day", Period + $"&subject=Patient/{referred.Key}"));
        Assert.Equal(referred.Count(), Count(events.Group[0].Population, "initial-population"));
        Assert.Equal(referred.Count(r => r.Numerator), Count(events.Group[0].Population, "numerator"));

        // A commissioner sees aggregates only: never one person's report.
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        await ProblemAsync(commissioner, Evaluate("diabetes-hba1c", Period + $"&subject=Patient/{person.PatientId}"), HttpStatusCode.Forbidden);
        await ProblemAsync(practice, Evaluate("diabetes-hba1c", Period + "&reportType=subject"), HttpStatusCode.UnprocessableEntity);
    }
}
