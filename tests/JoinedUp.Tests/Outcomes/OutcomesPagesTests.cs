using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Payments;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Outcomes;

/// <summary>
/// The commissioner's outcomes pages and downloads over HTTP (docs/adr/0006 section 7), on SQLite and PostgreSQL: each test
/// starts its own official run through the API rather than relying on the demo's start-up runs (off in <see cref="SecureApp"/>).
/// </summary>
public class OutcomesPagesTests
{
    private const string Quarter = "2026-27-Q1";

    private static async Task<long> OfficialRunAsync(SecureApp app, HttpClient commissioner)
    {
        var response = await commissioner.PostAsJsonAsync("/api/outcomes/runs", new { quarter = "2026/27-Q1", purpose = "official" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var run = (await SecureApp.JsonAsync(response)).GetProperty("id").GetInt64();
        Assert.True(await app.QueryAsync(db => db.MeasureResults.AnyAsync(r => r.RunId == run)));
        return run;
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Results_and_statement_download_as_csv_from_the_quarters_official_run_with_the_stored_figures_and_the_calculators_totals(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        var run = await OfficialRunAsync(app, commissioner);

        var results = await commissioner.GetAsync($"/outcomes/results/{Quarter}.csv");
        Assert.Equal(HttpStatusCode.OK, results.StatusCode);
        Assert.Equal("text/csv", results.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"outcomes-results-{Quarter}-run-{run}.csv", results.Content.Headers.ContentDisposition?.FileNameStar ?? results.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await results.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("run_id,quarter,purpose,measure,level,unit,period_start,period_end,initial_population,denominator,excluded,excepted,numerator,rate,ci_low,ci_high", lines[0]);
        var stored = await app.QueryAsync(db => db.MeasureResults.Where(r => r.RunId == run).ToListAsync());
        Assert.Equal(stored.Count, lines.Length - 1);
        var hba1c = stored.Single(r => r.MeasureKey == "diabetes-hba1c" && r.Level == MeasureLevel.Borough);
        var expectedRow = string.Join(',', run, "2026/27 Q1", "official", "diabetes-hba1c", "borough", "borough",
            hba1c.PeriodStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), hba1c.PeriodEnd.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            hba1c.InitialPopulation, hba1c.Denominator, hba1c.Excluded, hba1c.Excepted, hba1c.Numerator,
            hba1c.Rate?.ToString("0.000000", CultureInfo.InvariantCulture), hba1c.CiLow?.ToString("0.000000", CultureInfo.InvariantCulture),
            hba1c.CiHigh?.ToString("0.000000", CultureInfo.InvariantCulture));
        Assert.Contains(expectedRow, lines);
        Assert.True(hba1c.Denominator > 0, "the borough has people with diabetes in the quarter");

        // The statement: the calculator over the borough figures (numerator of denominator less exclusions and exceptions).
        var contract = PaymentContract.LoadDefault().Contract!;
        var inputs = stored.Where(r => r.Level == MeasureLevel.Borough && contract.Measure(r.MeasureKey) is not null)
            .Select(r => new MeasureResult(r.MeasureKey, r.Numerator, r.Denominator - r.Excluded - r.Excepted)).ToList();
        var expected = PaymentCalculator.Calculate(contract, "Q1", inputs).Statement!;
        var statement = await commissioner.GetAsync($"/outcomes/statement/{Quarter}.csv");
        Assert.Equal(HttpStatusCode.OK, statement.StatusCode);
        Assert.Equal("text/csv", statement.Content.Headers.ContentType?.MediaType);
        var rows = (await statement.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("run_id,quarter,line,measure,name,domain,weight,scored,numerator,denominator,rate,points_share,effective_weight,money,reason", rows[0]);
        Assert.Equal(contract.Measures.Count + 10, rows.Length - 1);
        string Total(string name) => rows.Single(r => r.StartsWith($"{run},2026/27 Q1,total,{name},", StringComparison.Ordinal)).Split(',')[13];
        Assert.Equal(expected.TotalPayment.ToString("0.00", CultureInfo.InvariantCulture), Total("total_payment"));
        Assert.Equal(expected.Earned.ToString("0.00", CultureInfo.InvariantCulture), Total("earned"));
        Assert.Equal("7425000.00", Total("core_payment"));
        // Patient experience is a measure like the others: the FFT line carries the run's borough figure.
        var fft = rows.Single(r => r.Contains(",measure,fft-positive,", StringComparison.Ordinal)).Split(',');
        var fftStored = stored.Single(r => r.Level == MeasureLevel.Borough && r.MeasureKey == "fft-positive");
        Assert.Equal(fftStored.Numerator.ToString(CultureInfo.InvariantCulture), fft[8]);

        // The statement page shows the same totals and names the run.
        var page = WebUtility.HtmlDecode(await commissioner.GetStringAsync($"/outcomes/statement/{Quarter}"));
        Assert.Contains(OutcomesMoney(expected.TotalPayment), page, StringComparison.Ordinal);
        Assert.Contains($"Official run {run}", page, StringComparison.Ordinal);

        // A quarter without an official run has no download, and says how to get one.
        var none = await commissioner.GetAsync("/outcomes/results/2026-27-Q4.csv");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("no official run", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static string OutcomesMoney(decimal amount) => "£" + amount.ToString("#,##0.00", CultureInfo.InvariantCulture);

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Outcomes_pages_and_downloads_need_their_permission_a_clinician_is_refused_and_practice_staff_see_results_but_not_payment(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        await OfficialRunAsync(app, commissioner);
        using var clinician = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        using var practice = await app.SignInAsync(SecureApp.Email(Roles.PracticeStaff));

        static bool Denied(HttpResponseMessage r) => r.StatusCode == HttpStatusCode.Redirect && r.Headers.Location!.OriginalString.Contains("/account/denied", StringComparison.Ordinal);
        string[] reads = ["/outcomes", "/outcomes/measures/diabetes-hba1c", $"/outcomes/results/{Quarter}.csv"];
        string[] payment = [$"/outcomes/statement/{Quarter}", $"/outcomes/statement/{Quarter}.csv"];
        foreach (var path in reads.Concat(payment))
        {
            Assert.True(Denied(await clinician.GetAsync(path)), $"a clinician opened {path}");
            Assert.Equal(HttpStatusCode.OK, (await commissioner.GetAsync(path)).StatusCode);
        }
        foreach (var path in reads) Assert.Equal(HttpStatusCode.OK, (await practice.GetAsync(path)).StatusCode);
        foreach (var path in payment) Assert.True(Denied(await practice.GetAsync(path)), $"practice staff opened {path}");
        var api = await clinician.GetAsync($"/api/outcomes/statement/{Quarter}");
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains("payment.read", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Only outcomes.manage holders see the run button; the navigation shows Outcomes to those who may read it.
        var commissionerPage = await commissioner.GetStringAsync("/outcomes");
        Assert.Contains("data-testid=\"run-form\"", commissionerPage, StringComparison.Ordinal);
        Assert.Contains("href=\"/outcomes\"", commissionerPage, StringComparison.Ordinal);
        var practicePage = await practice.GetStringAsync("/outcomes");
        Assert.DoesNotContain("data-testid=\"run-form\"", practicePage, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"/outcomes\"", await clinician.GetStringAsync("/"), StringComparison.Ordinal);
        var start = await practice.PostAsJsonAsync("/api/outcomes/runs", new { quarter = "2026/27-Q1", purpose = "official" });
        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task What_if_with_bad_input_says_what_is_wrong_next_to_the_field_keeps_what_was_typed_and_a_good_one_is_shown_beside_the_official_figures(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        var run = await OfficialRunAsync(app, commissioner);
        var runsBefore = await app.QueryAsync(db => db.MeasureRuns.CountAsync());

        var notNumber = await commissioner.GetAsync($"/outcomes/statement/{Quarter}?measure=diabetes-hba1c&change=two&target=");
        Assert.Equal(HttpStatusCode.OK, notNumber.StatusCode);
        var html = await notNumber.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"error-change\"", html, StringComparison.Ordinal);
        Assert.Contains("Enter the change as a number", html, StringComparison.Ordinal);
        Assert.Contains("value=\"two\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"whatif-banner\"", html, StringComparison.Ordinal);

        var outOfRange = await commissioner.GetStringAsync($"/outcomes/statement/{Quarter}?measure=diabetes-hba1c&target=150");
        Assert.Contains("data-testid=\"error-target\"", outOfRange, StringComparison.Ordinal);
        Assert.Contains("between 0 and 100", outOfRange, StringComparison.Ordinal);
        Assert.Contains("value=\"150\"", outOfRange, StringComparison.Ordinal);

        var outOfOrder = await commissioner.GetStringAsync($"/outcomes/statement/{Quarter}?measure=diabetes-hba1c&target=90");
        Assert.Contains("between the floor 55.0% and the stretch 75.0%", outOfOrder, StringComparison.Ordinal);

        var unknown = await commissioner.GetStringAsync($"/outcomes/statement/{Quarter}?measure=nope&change=2");
        Assert.Contains("data-testid=\"error-measure\"", unknown, StringComparison.Ordinal);
        Assert.Contains("&#x27;nope&#x27; is not a measure of the contract", unknown, StringComparison.Ordinal);

        // A good what-if: beside the official figures, labelled, and nothing stored.
        var good = await commissioner.GetStringAsync($"/outcomes/statement/{Quarter}?measure=diabetes-hba1c&change=&target=60");
        Assert.Contains("data-testid=\"whatif-banner\"", good, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"whatif-total\"", good, StringComparison.Ordinal);
        Assert.Contains($"Official run {run}", good, StringComparison.Ordinal);
        Assert.Equal(runsBefore, await app.QueryAsync(db => db.MeasureRuns.CountAsync()));
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task Demo_start_up_runs_the_last_two_completed_quarters_officially_once_and_the_page_form_stores_an_ad_hoc_run_that_payment_ignores(StorageProvider provider)
    {
        var demoRuns = new Dictionary<string, string?> { ["Demo:OutcomesRuns"] = "true" };
        await using var db = await TestDatabase.CreateAsync(provider);
        var app = await SecureApp.StartOnAsync(db, demoRuns);
        var last = FinancialQuarter.Containing(DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime)).Previous;
        var runs = await app.QueryAsync(db => db.MeasureRuns.OrderBy(r => r.Id).ToListAsync());
        Assert.Equal([last.Previous.Label, last.Label], runs.Select(r => r.Quarter));
        Assert.All(runs, r => Assert.Equal(RunPurpose.Official, r.Purpose));

        var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));
        var page = WebUtility.HtmlDecode(await commissioner.GetStringAsync("/outcomes"));
        Assert.Contains(last.Label, page, StringComparison.Ordinal);

        // The run form on the page (Blazor's form post with its antiforgery token): an ad hoc run of the latest quarter.
        var token = await SecureApp.AntiforgeryTokenAsync(commissioner, "/outcomes");
        var slug = $"{last.StartYear}-{(last.StartYear + 1) % 100:00}-Q{last.Number}";
        var posted = await commissioner.PostAsync("/outcomes", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "run",
            ["quarter"] = slug,
            ["purpose"] = "adhoc",
        }));
        var html = WebUtility.HtmlDecode(await posted.Content.ReadAsStringAsync());
        Assert.True(posted.StatusCode == HttpStatusCode.OK, html);
        var adhoc = await app.QueryAsync(db => db.MeasureRuns.OrderByDescending(r => r.Id).FirstAsync());
        Assert.Equal(RunPurpose.Adhoc, adhoc.Purpose);
        Assert.Equal(last.Label, adhoc.Quarter);
        Assert.Contains($"Stored run {adhoc.Id}: an ad hoc run of {last.Label}", html, StringComparison.Ordinal);

        // The statement and the results download still come from the official run.
        var csv = await commissioner.GetStringAsync($"/outcomes/results/{slug}.csv");
        Assert.StartsWith($"{runs[1].Id},", csv.Split("\r\n")[1], StringComparison.Ordinal);
        var adhocCsv = await commissioner.GetStringAsync($"/outcomes/results/{slug}.csv?run={adhoc.Id}");
        Assert.StartsWith($"{adhoc.Id},{last.Label},adhoc,", adhocCsv.Split("\r\n")[1], StringComparison.Ordinal);

        // A restart on the same database does not run the quarters again.
        commissioner.Dispose();
        await app.DisposeAsync();
        await using var again = await SecureApp.StartOnAsync(db, demoRuns);
        Assert.Equal(runs.Count + 1, await again.QueryAsync(db => db.MeasureRuns.CountAsync()));
    }
}
