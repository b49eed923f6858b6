using System.Net;
using System.Text.Json;
using JoinedUp.Directory;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Results;
using JoinedUp.Record;
using JoinedUp.Security;
using JoinedUp.Security.Audit;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using JoinedUp.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Outcomes;

/// <summary>
/// The people behind a figure (docs/adr/0006 4.4) over HTTP on SQLite and PostgreSQL: scope by the record rules, refusals
/// with the reason, one audit entry per view with the count, national opt-outs left out of exports only, and 422s that
/// say what to fix. Lists are live evaluations of the quarter on the demo borough.
/// </summary>
public class MeasurePatientListTests
{
    private const string Quarter = "2026-27-Q1";
    private const string Api = "/api/outcomes/measures";
    private const string Snomed = "http://snomed.info/sct";
    private static readonly string Action = PermissionMatrix.Name(Permission.OutcomesPatientList);

    private static async Task<JsonElement> ListAsync(HttpClient client, string measure, string query)
    {
        var response = await client.GetAsync($"{Api}/{measure}/patients?quarter={Quarter}&{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>Builds people with diabetes at a practice: <paramref name="met"/> with an HbA1c of 50 mmol/mol in the quarter, <paramref name="recall"/> without.</summary>
    private static Task<List<long>> DiabeticsAsync(SecureApp app, string practice, int met, int recall) => app.QueryAsync(async db =>
    {
        var practiceId = await db.Organisations.Where(o => o.OdsCode == practice).Select(o => o.Id).FirstAsync();
        var ids = new List<long>();
        for (var i = 0; i < met + recall; i++)
        {
            var p = new Patient { LocalIdentifier = "PL" + Guid.NewGuid().ToString("N")[..12], GivenName = "Listed", FamilyName = $"Person{i:00}", BirthDate = new DateOnly(1960, 1, 1), RegisteredPracticeId = practiceId, LastUpdated = DateTime.UtcNow };
            db.Patients.Add(p);
            await db.SaveChangesAsync();
            db.Add(new Condition { PatientId = p.Id, Code = "73211009", CodeSystem = Snomed, OnsetDate = new DateOnly(2015, 1, 1), Status = ConditionStatus.Active, LastUpdated = DateTime.UtcNow });
            if (i < met)
            {
                db.Add(new Observation { PatientId = p.Id, Code = "999791000000106", CodeSystem = Snomed, EffectiveAt = new DateTime(2026, 5, 1, 9, 0, 0, DateTimeKind.Utc), Value = 50, Unit = "mmol/mol", LastUpdated = DateTime.UtcNow });
            }
            await db.SaveChangesAsync();
            ids.Add(p.Id);
        }
        return ids;
    });

    private static Task<string> OtherPracticeAsync(SecureApp app) =>
        app.QueryAsync(db => db.Organisations.Where(o => o.Kind == OrganisationKind.GpPractice && o.OdsCode != DemoSecurity.DemoPractice).OrderBy(o => o.OdsCode).Select(o => o.OdsCode).FirstAsync());

    private static List<JsonElement> People(JsonElement list) => list.GetProperty("people").EnumerateArray().ToList();

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Practice_staff_list_only_their_own_practices_people_another_practices_cell_is_403_and_each_view_is_audited_once_with_the_count(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        var other = await OtherPracticeAsync(app);
        var built = await DiabeticsAsync(app, DemoSecurity.DemoPractice, met: 2, recall: 2);
        await DiabeticsAsync(app, other, met: 1, recall: 1);

        // The borough cell: only the demo practice's people are listed; the rest are counted as not shown, with the reason.
        var borough = await ListAsync(practice, "diabetes-hba1c", "level=borough&population=denominator&limit=500");
        var listed = People(borough);
        var inPopulation = borough.GetProperty("inPopulation").GetInt32();
        Assert.True(listed.Count > 0, "the demo practice has people with diabetes in the denominator");
        Assert.True(inPopulation > listed.Count, "other practices' people are in the borough's denominator too");
        Assert.Equal(inPopulation - listed.Count, borough.GetProperty("notShown").GetInt32());
        Assert.Contains("other practices", borough.GetProperty("notShownReason").GetString(), StringComparison.Ordinal);
        Assert.All(listed, p => Assert.Equal(DemoSecurity.DemoPractice, p.GetProperty("practice").GetString()));
        var ids = listed.Select(p => p.GetProperty("patientId").GetInt64()).ToList();
        var registeredAt = await app.QueryAsync(db => db.Patients.Where(p => ids.Contains(p.Id)).Select(p => p.RegisteredPractice!.OdsCode).Distinct().ToListAsync());
        Assert.Equal([DemoSecurity.DemoPractice], registeredAt);
        Assert.All(listed, p => Assert.Equal($"/record/{p.GetProperty("patientId").GetInt64()}", p.GetProperty("record").GetString()));

        // The practice's own cell holds exactly those people, and nobody is hidden.
        var own = await ListAsync(practice, "diabetes-hba1c", $"level=practice&unit={DemoSecurity.DemoPractice}&population=denominator&limit=500");
        Assert.Equal(ids.Order(), People(own).Select(p => p.GetProperty("patientId").GetInt64()).Order());
        Assert.Equal(0, own.GetProperty("notShown").GetInt32());
        Assert.Equal(listed.Count, own.GetProperty("inPopulation").GetInt32());

        // The populations split the denominator as the figures do.
        int Count(JsonElement l) => l.GetProperty("visible").GetInt32();
        var parts = 0;
        foreach (var population in new[] { "numerator", "not-numerator", "excluded", "excepted" })
        {
            parts += Count(await ListAsync(practice, "diabetes-hba1c", $"level=practice&unit={DemoSecurity.DemoPractice}&population={population}"));
        }
        Assert.Equal(listed.Count, parts);
        var recall = People(await ListAsync(practice, "diabetes-hba1c", $"level=practice&unit={DemoSecurity.DemoPractice}&population=not-numerator")).Select(p => p.GetProperty("patientId").GetInt64()).ToList();
        Assert.Contains(built[2], recall);
        Assert.Contains(built[3], recall);
        Assert.DoesNotContain(built[0], recall);

        // Another practice's cell: counts only, 403 with the reason.
        var refused = await practice.GetAsync($"{Api}/diabetes-hba1c/patients?quarter={Quarter}&level=practice&unit={other}&population=denominator");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains($"own practice ({DemoSecurity.DemoPractice})", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // One audit entry per view (seven views, one refusal), each with the cell, the population and the number listed; none per person.
        var entries = await app.AuditAsync(e => e.Action == Action && e.Role == Roles.PracticeStaff);
        var allowed = entries.Where(e => e.Outcome == AuditOutcome.Allowed).ToList();
        Assert.Equal(7, allowed.Count);
        Assert.All(entries, e => Assert.Null(e.PatientId));
        Assert.Equal($"Measure/diabetes-hba1c/patients?quarter={Quarter}&level=borough&unit=borough&population=denominator", allowed[0].Resource);
        Assert.StartsWith($"{listed.Count} listed ({listed.Count} in your scope of {inPopulation} in the population; {inPopulation - listed.Count} not shown)", allowed[0].Detail, StringComparison.Ordinal);
        var denied = Assert.Single(entries, e => e.Outcome == AuditOutcome.Denied);
        Assert.Contains($"unit={other}", denied.Resource, StringComparison.Ordinal);

        // Keyset paging: a page of one, then the next after it.
        var first = await ListAsync(practice, "diabetes-hba1c", "level=borough&population=denominator&limit=1");
        var next = first.GetProperty("next").GetString();
        Assert.Equal(listed[0].GetProperty("subjectId").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), next);
        var second = await ListAsync(practice, "diabetes-hba1c", $"level=borough&population=denominator&limit=1&after={next}");
        Assert.Equal(listed[1].GetProperty("subjectId").GetInt64(), Assert.Single(People(second)).GetProperty("subjectId").GetInt64());
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Commissioners_get_403_clinicians_see_their_teams_people_and_the_measure_page_links_to_the_cells_the_caller_may_list(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        await DiabeticsAsync(app, DemoSecurity.DemoPractice, met: 1, recall: 1);
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        var list = $"/outcomes/measures/diabetes-hba1c/patients?quarter={Quarter}&level=borough&population=denominator";

        var api = await commissioner.GetAsync($"{Api}/diabetes-hba1c/patients?quarter={Quarter}&level=borough&population=denominator");
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains(Action, await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var csv = await commissioner.GetAsync(list.Replace("/patients?", "/patients.csv?", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Redirect, csv.StatusCode);
        Assert.Contains("/account/denied", csv.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var page = await commissioner.GetAsync(list);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Contains("/account/denied", page.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Empty(await app.AuditAsync(e => e.Action == Action && e.Outcome == AuditOutcome.Allowed));

        // A clinician: only people in their teams' care with a full view (a triage-only relationship is not enough); another team's service is 403.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        var nursing = await app.QueryAsync(db => db.CareRelationships.Where(r => r.Kind == RelationshipKind.Caseload).Select(r => r.TeamId!.Value).FirstAsync());
        var cared = await DiabeticsAsync(app, await OtherPracticeAsync(app), met: 0, recall: 2);
        await app.QueryAsync(async db =>
        {
            db.CareRelationships.Add(new CareRelationship { PatientId = cared[0], Kind = RelationshipKind.Caseload, TeamId = nursing, StartedAt = DateTime.UtcNow, Source = "test" });
            db.CareRelationships.Add(new CareRelationship { PatientId = cared[1], Kind = RelationshipKind.Triage, TeamId = nursing, StartedAt = DateTime.UtcNow, Source = "test" });
            return await db.SaveChangesAsync();
        });
        var mine = await ListAsync(nurse, "diabetes-hba1c", "level=borough&population=not-numerator&limit=500");
        var patients = People(mine).Select(p => p.GetProperty("patientId").GetInt64()).ToList();
        Assert.Contains(cared[0], patients);
        Assert.DoesNotContain(cared[1], patients);
        var inCare = await app.QueryAsync(db => db.CareRelationships.Where(r => patients.Contains(r.PatientId) && r.TeamId == nursing && r.EndedAt == null && r.Kind != RelationshipKind.Triage)
            .Select(r => r.PatientId).Distinct().CountAsync());
        Assert.Equal(patients.Count, inCare);
        Assert.Equal(mine.GetProperty("inPopulation").GetInt32() - patients.Count, mine.GetProperty("notShown").GetInt32());
        Assert.Contains("not in your teams' care", mine.GetProperty("notShownReason").GetString(), StringComparison.Ordinal);
        var stroke = await nurse.GetAsync($"{Api}/triage-1day/patients?quarter={Quarter}&level=service&unit=stroke-rehab&population=denominator");
        Assert.Equal(HttpStatusCode.Forbidden, stroke.StatusCode);
        Assert.Contains("own teams' services", await stroke.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Event measures name the subject: practice staff see their practice's referrals by reference.
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        var referrals = await ListAsync(practice, "triage-1day", $"level=practice&unit={DemoSecurity.DemoPractice}&population=denominator&limit=500");
        Assert.All(People(referrals), p => Assert.StartsWith("referral ", p.GetProperty("subject").GetString(), StringComparison.Ordinal));

        // The measure page: links for the cells practice staff may list, none for the commissioner.
        var run = await commissioner.PostAsync("/api/outcomes/runs", System.Net.Http.Json.JsonContent.Create(new { quarter = "2026/27-Q1", purpose = "official" }));
        Assert.Equal(HttpStatusCode.Created, run.StatusCode);
        var practicePage = WebUtility.HtmlDecode(await practice.GetStringAsync($"/outcomes/measures/diabetes-hba1c?quarter={Quarter}"));
        Assert.Contains($"href=\"/outcomes/measures/diabetes-hba1c/patients?quarter={Quarter}&level=practice&unit={DemoSecurity.DemoPractice}&population=not-numerator\"", practicePage, StringComparison.Ordinal);
        Assert.Contains($"href=\"/outcomes/measures/diabetes-hba1c/patients?quarter={Quarter}&level=borough&unit=borough&population=not-numerator\"", practicePage, StringComparison.Ordinal);
        Assert.Contains("Counts only", practicePage, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"who-link\"", await commissioner.GetStringAsync($"/outcomes/measures/diabetes-hba1c?quarter={Quarter}"), StringComparison.Ordinal);

        // The list page: which cell and population, the count, the audit note, and links to the records.
        var html = WebUtility.HtmlDecode(await practice.GetStringAsync($"/outcomes/measures/diabetes-hba1c/patients?quarter={Quarter}&level=practice&unit={DemoSecurity.DemoPractice}&population=denominator"));
        var own = await ListAsync(practice, "diabetes-hba1c", $"level=practice&unit={DemoSecurity.DemoPractice}&population=denominator&limit=500");
        Assert.Contains($"in the denominator, practice {DemoSecurity.DemoPractice}, 2026/27 Q1", html, StringComparison.Ordinal);
        Assert.Contains($"{own.GetProperty("visible").GetInt32()} people you may see", html, StringComparison.Ordinal);
        Assert.Contains("Your view of this list is recorded", html, StringComparison.Ordinal);
        Assert.Contains("As the record stands today", html, StringComparison.Ordinal);
        Assert.All(People(own), p => Assert.Contains($"href=\"/record/{p.GetProperty("patientId").GetInt64()}\"", html, StringComparison.Ordinal));
        var stranger = await practice.GetAsync($"/outcomes/measures/diabetes-hba1c/patients?quarter={Quarter}&level=practice&unit=ZZZ999&population=denominator");
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.Contains("You may not see the people behind this figure", await stranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task National_opt_outs_stay_on_the_direct_care_list_but_are_left_out_of_the_csv_export_which_says_so(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        await DiabeticsAsync(app, DemoSecurity.DemoPractice, met: 1, recall: 1);
        var cell = $"level=practice&unit={DemoSecurity.DemoPractice}&population=denominator";
        var before = People(await ListAsync(practice, "diabetes-hba1c", cell + "&limit=500"));
        Assert.True(before.Count >= 2, "two or more people in the cell");
        var optedOut = before[0].GetProperty("patientId").GetInt64();
        await app.QueryAsync(db => db.Patients.Where(p => p.Id == optedOut).ExecuteUpdateAsync(s => s.SetProperty(p => p.NationalOptOut, true)));

        var direct = People(await ListAsync(practice, "diabetes-hba1c", cell + "&limit=500"));
        Assert.Contains(direct, p => p.GetProperty("patientId").GetInt64() == optedOut);
        Assert.Equal(before.Count, direct.Count);

        var csv = await practice.GetAsync($"/outcomes/measures/diabetes-hba1c/patients.csv?quarter={Quarter}&{cell}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("1", csv.Headers.GetValues("X-National-Opt-Outs-Left-Out").Single());
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("# 1 people with a national data opt-out are left out of this export", lines[1], StringComparison.Ordinal);
        Assert.Equal("subject_id,patient_id,nhs_number,family_name,given_name,birth_date,practice,subject", lines[2]);
        var rows = lines.Skip(3).Select(l => l.Split(',')).ToList();
        Assert.Equal(before.Count - 1, rows.Count);
        Assert.DoesNotContain(rows, r => r[1] == optedOut.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var nhs = before[0].GetProperty("nhsNumber").GetString();
        if (nhs is not null) Assert.DoesNotContain(nhs, string.Join("\n", lines.Skip(3)), StringComparison.Ordinal);

        var export = Assert.Single(await app.AuditAsync(e => e.Action == Action && e.Resource.EndsWith("&format=csv", StringComparison.Ordinal)));
        Assert.StartsWith($"{before.Count - 1} exported; 1 national data opt-outs left out", export.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Bad_parameters_are_422_saying_what_to_fix_and_an_unknown_measure_is_404(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));
        var cases = new (string Query, string Says)[]
        {
            ("quarter=nope&level=borough&population=denominator", "is not a quarter"),
            ("level=borough&population=denominator", "Give the quarter"),
            ($"quarter={Quarter}&level=ward&population=denominator", "'ward' is not a level; use one of borough, network, practice"),
            ($"quarter={Quarter}&level=service&unit=x&population=denominator", "diabetes-hba1c is not reported by service"),
            ($"quarter={Quarter}&level=practice&population=denominator", "Give the unit"),
            ($"quarter={Quarter}&level=borough&population=everyone", "'everyone' is not a population: one of denominator, numerator, not-numerator, excluded, excepted"),
            ($"quarter={Quarter}&level=borough&population=denominator&limit=0", "between 1 and 500"),
            ($"quarter={Quarter}&level=borough&population=denominator&after=abc", "'after'"),
            ($"quarter={Quarter}&level=borough&population=denominator&after=987654321", "'after' value is not a subject of this list"),
        };
        foreach (var (query, says) in cases)
        {
            var response = await practice.GetAsync($"{Api}/diabetes-hba1c/patients?{query}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{query}: {(int)response.StatusCode} {body}");
            Assert.Contains(says, body, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await practice.GetAsync($"{Api}/no-such-measure/patients?quarter={Quarter}&level=borough&population=denominator")).StatusCode);
        var page = await practice.GetAsync("/outcomes/measures/diabetes-hba1c/patients?quarter=nope");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, page.StatusCode);
        Assert.Contains("is not a quarter", WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public void Experience_measures_have_no_list_and_the_populations_split_the_denominator_as_the_figures_do()
    {
        var hba1c = MeasureLibrary.LoadDefault().Find("diabetes-hba1c")!;
        Assert.Null(MeasurePatientLists.NoListReason(hba1c));
        var experience = hba1c with { Id = "fft-positive", Subject = new SubjectSpec(SubjectType.Experience, null, default) };
        Assert.Contains("anonymous experience answers", MeasurePatientLists.NoListReason(experience), StringComparison.Ordinal);

        // Flags as the compiled statement sets them: numerator, excluded and excepted exclude one another within the denominator.
        MeasureSubjectRow Row(bool den, bool excl, bool excep, bool num, long count = 0) => new(1, 1, null, null, den, excl, excep, num, count);
        var recall = Row(true, false, false, false);
        var met = Row(true, false, false, true);
        var excluded = Row(true, true, false, false);
        var excepted = Row(true, false, true, false);
        var outside = Row(false, false, false, false);
        Assert.True(MeasurePatientLists.InPopulation(recall, ListPopulation.NotNumerator, ratio: false));
        Assert.False(MeasurePatientLists.InPopulation(met, ListPopulation.NotNumerator, ratio: false));
        Assert.False(MeasurePatientLists.InPopulation(excluded, ListPopulation.NotNumerator, ratio: false));
        Assert.False(MeasurePatientLists.InPopulation(excepted, ListPopulation.NotNumerator, ratio: false));
        Assert.False(MeasurePatientLists.InPopulation(outside, ListPopulation.Denominator, ratio: false));
        Assert.True(MeasurePatientLists.InPopulation(excepted, ListPopulation.Excepted, ratio: false));
        // A ratio's numerator is anyone eligible counted at least once.
        Assert.True(MeasurePatientLists.InPopulation(Row(true, false, false, false, count: 2), ListPopulation.Numerator, ratio: true));
        Assert.True(MeasurePatientLists.InPopulation(Row(true, false, false, false, count: 0), ListPopulation.NotNumerator, ratio: true));
    }
}
