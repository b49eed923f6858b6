using System.Globalization;
using System.Text.RegularExpressions;
using JoinedUp.Outcomes.Payments;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JoinedUp.Browser.Tests;

/// <summary>
/// Issue 7's commissioner pages end to end on the demo borough (whose start-up ran the last two completed quarters
/// officially): the framework by domain, a measure's results by level, the quarter's payment statement whose totals are the
/// payment calculator's over the downloaded results, the statement CSV, a what-if that changes a target and so the money but
/// not the official figures, and the printable statement.
/// </summary>
public partial class OutcomesBrowserTests(RunningApp app) : IClassFixture<RunningApp>
{
    [GeneratedRegex(@"/outcomes/statement/(\d{4}-\d{2}-Q[1-4])$")]
    private static partial Regex StatementLink();

    [Fact]
    public async Task The_commissioner_reads_the_quarters_results_checks_the_statement_against_the_calculator_downloads_it_tries_a_what_if_and_prints_it()
    {
        var (playwright, browser) = await HomePageTests.Launch();
        try
        {
            var page = await Browsing.SignedInAsync(browser, app.BaseUrl, "commissioner@demo.joinedup.example");
            await page.GetByRole(AriaRole.Link, new() { Name = "Outcomes", Exact = true }).ClickAsync();
            await page.WaitForURLAsync("**/outcomes");
            await Expect(page.Locator("h1")).ToHaveTextAsync("Outcomes framework");
            var quarter = (await page.Locator("[data-testid=latest-quarter]").InnerTextAsync()).Trim();
            Assert.Matches(@"^\d{4}/\d{2} Q[1-4] ", quarter);
            await Expect(page.Locator("tr[data-measure=diabetes-hba1c] [data-testid=rate]")).ToContainTextAsync("%");
            await Expect(page.Locator("tr[data-measure=fft-positive] [data-testid=rate]")).ToContainTextAsync("%");
            await Expect(page.Locator("tr[data-measure=diabetes-hba1c] [data-testid=status]")).ToHaveTextAsync(new Regex("^(Below floor|Below target|At target|At stretch)$"));
            // Two official quarters from the demo's start-up: the trend has a line.
            await Expect(page.Locator("tr[data-measure=diabetes-hba1c] svg.ju-spark circle")).ToHaveCountAsync(2);
            await Browsing.NoSeriousAxeViolationsAsync(page);
            await Browsing.ShotAsync(page, "outcomes-0-framework");

            // A measure's results by level, with the chart and its table.
            await page.Locator("tr[data-measure=diabetes-hba1c] a").ClickAsync();
            await page.WaitForURLAsync("**/outcomes/measures/diabetes-hba1c");
            await Expect(page.Locator("[data-testid=results-borough] tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("[data-testid=results-practice] tbody tr").First).ToBeVisibleAsync();
            await Expect(page.Locator("svg.ju-chart").First).ToBeVisibleAsync();
            await Browsing.NoSeriousAxeViolationsAsync(page);
            await Browsing.ShotAsync(page, "outcomes-1-measure");

            // The statement for the latest quarter.
            await page.GotoAsync($"{app.BaseUrl}/outcomes");
            var href = await page.Locator("[data-testid=statement-link]").GetAttributeAsync("href") ?? "";
            var slug = StatementLink().Match(href).Groups[1].Value;
            Assert.NotEqual("", slug);
            await page.Locator("[data-testid=statement-link]").ClickAsync();
            await page.WaitForURLAsync($"**/outcomes/statement/{slug}");
            await Expect(page.Locator("[data-testid=run-id]")).ToContainTextAsync("Official run");
            await Browsing.NoSeriousAxeViolationsAsync(page);
            await Browsing.ShotAsync(page, "outcomes-2-statement");

            // The totals shown are the calculator's over the results the statement names (downloaded as CSV).
            var resultsDownload = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=results-csv]").ClickAsync());
            var resultsCsv = await File.ReadAllLinesAsync((await resultsDownload.PathAsync())!);
            var contract = PaymentContract.LoadDefault().Contract!;
            var inputs = resultsCsv.Skip(1).Select(l => l.Split(',')).Where(f => f[4] == "borough" && contract.Measure(f[3]) is not null)
                .Select(f => new MeasureResult(f[3], decimal.Parse(f[12], CultureInfo.InvariantCulture),
                    decimal.Parse(f[9], CultureInfo.InvariantCulture) - decimal.Parse(f[10], CultureInfo.InvariantCulture) - decimal.Parse(f[11], CultureInfo.InvariantCulture)))
                .ToList();
            var expected = PaymentCalculator.Calculate(contract, slug[^2..], inputs).Statement!;
            string Pounds(decimal amount) => (amount < 0 ? "-£" : "£") + Math.Abs(amount).ToString("#,##0.00", CultureInfo.InvariantCulture);
            await Expect(page.Locator("[data-testid=total-total]")).ToHaveTextAsync(Pounds(expected.TotalPayment));
            await Expect(page.Locator("[data-testid=total-earned]")).ToHaveTextAsync(Pounds(expected.Earned));
            await Expect(page.Locator("[data-testid=total-outcome]")).ToHaveTextAsync(Pounds(expected.OutcomePayment));
            await Expect(page.Locator("[data-testid=total-shared-after]")).ToHaveTextAsync(Pounds(expected.SharedAfterLimit));

            // The statement CSV: a download with the same total, money with two decimals.
            var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=statement-csv]").ClickAsync());
            Assert.Matches(@"^payment-statement-\d{4}-\d{2}-Q[1-4]-run-\d+\.csv$", download.SuggestedFilename);
            var statementCsv = await File.ReadAllLinesAsync((await download.PathAsync())!);
            Assert.StartsWith("run_id,quarter,line,measure,", statementCsv[0], StringComparison.Ordinal);
            Assert.Contains(statementCsv, l => l.Contains(",total,total_payment,", StringComparison.Ordinal)
                && l.EndsWith("," + expected.TotalPayment.ToString("0.00", CultureInfo.InvariantCulture) + ",", StringComparison.Ordinal));

            // Issuing freezes the statement with its hash; the page then says it is reproduced from its run and contract.
            await page.GetByRole(AriaRole.Button, new() { Name = "Issue this statement" }).ClickAsync();
            await Expect(page.Locator("[data-testid=reproduced]")).ToHaveTextAsync("Reproduced");
            await page.GotoAsync($"{app.BaseUrl}/outcomes/statement/{slug}");
            await Expect(page.Locator("[data-testid=reproduced]")).ToHaveTextAsync("Reproduced");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Issue this statement" })).ToHaveCountAsync(0);

            // What-if: a new target for a measure part-way up its curve changes its money; the official figures stay.
            var line = expected.Lines.First(l => l.Scored && l.PointsShare is > 0m and < 1m && contract.Measure(l.MeasureId)!.Display == RateDisplay.Percent && l.MeasureId != "child-imms");
            var terms = contract.Measure(line.MeasureId)!;
            var newTarget = (line.Rate!.Value + terms.Floor) / 2m;
            await page.SelectOptionAsync("#whatif-measure", line.MeasureId);
            await page.FillAsync("#whatif-target", (newTarget * 100m).ToString("0.00", CultureInfo.InvariantCulture));
            await page.Locator("[data-testid=whatif-submit]").ClickAsync();
            await Expect(page.Locator("[data-testid=whatif-banner]")).ToContainTextAsync("never stored");
            var row = page.Locator($"tr[data-line='{line.MeasureId}']");
            await Expect(row.Locator("[data-testid=line-money]")).ToHaveTextAsync(Pounds(line.Money));
            Assert.NotEqual(Pounds(line.Money), (await row.Locator("[data-testid=line-whatif-money]").InnerTextAsync()).Split('\n')[0].Trim());
            await Expect(page.Locator("[data-testid=total-total]")).ToHaveTextAsync(Pounds(expected.TotalPayment));
            await Expect(page.Locator("[data-testid=total-earned]")).ToHaveTextAsync(Pounds(expected.Earned));
            await Expect(page.Locator("[data-testid=whatif-earned]")).Not.ToHaveTextAsync(Pounds(expected.Earned));
            await Expect(page.Locator("#whatif-target")).ToHaveValueAsync((newTarget * 100m).ToString("0.00", CultureInfo.InvariantCulture));
            await Browsing.NoSeriousAxeViolationsAsync(page);
            await Browsing.ShotAsync(page, "outcomes-3-what-if");

            // Bad input is named next to the field and what was typed is kept.
            await page.FillAsync("#whatif-target", "");
            await page.FillAsync("#whatif-change", "lots");
            await page.Locator("[data-testid=whatif-submit]").ClickAsync();
            await Expect(page.Locator("[data-testid=error-change]")).ToContainTextAsync("Enter the change as a number");
            await Expect(page.Locator("#whatif-change")).ToHaveValueAsync("lots");
            await Browsing.NoSeriousAxeViolationsAsync(page);

            // The printable statement: print media hides the navigation, forms and what-if panel; the totals stay.
            await page.GotoAsync($"{app.BaseUrl}/outcomes/statement/{slug}");
            await page.EmulateMediaAsync(new() { Media = Media.Print });
            await Expect(page.Locator("nav.ju-nav")).ToBeHiddenAsync();
            await Expect(page.Locator("[data-testid=whatif-form]")).ToBeHiddenAsync();
            await Expect(page.Locator("[data-testid=totals]")).ToBeVisibleAsync();
            await Expect(page.Locator("[data-testid=total-total]")).ToHaveTextAsync(Pounds(expected.TotalPayment));
            var pdf = await page.PdfAsync(new() { Format = "A4", PrintBackground = true });
            Assert.True(pdf.Length > 1000 && pdf[0] == (byte)'%' && pdf[1] == (byte)'P', "the statement prints to a PDF");
            if (Environment.GetEnvironmentVariable("JOINEDUP_SCREENSHOTS") is { Length: > 0 } folder) await File.WriteAllBytesAsync(Path.Combine(folder, "outcomes-4-statement.pdf"), pdf);
            await Browsing.ShotAsync(page, "outcomes-4-print");
            await page.Context.CloseAsync();
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
