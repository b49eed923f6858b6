using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JoinedUp.Browser.Tests;

/// <summary>
/// Patient experience (issue 7, docs/adr/0006 5) in a real browser on the demo borough: the demo patient answers the
/// Friends and Family Test card on their own care page; the stroke rehabilitation physiotherapist issues a feedback link
/// for the person on their caseload, and someone answers it on the public page with no sign-in, once.
/// </summary>
public partial class ExperienceBrowserTests(RunningApp app) : IClassFixture<RunningApp>
{
    [GeneratedRegex(@"/record/(\d+)$")]
    private static partial Regex RecordLink();

    [Fact]
    public async Task The_demo_patient_answers_the_FFT_card_and_someone_answers_a_public_feedback_link_once()
    {
        var (playwright, browser) = await HomePageTests.Launch();
        try
        {
            // The patient's own page: a "Tell us how it went" card after yesterday's nursing visit.
            var patient = await Browsing.SignedInAsync(browser, app.BaseUrl, "patient@demo.joinedup.example");
            await patient.GotoAsync($"{app.BaseUrl}/my/plan");
            var card = patient.Locator("[data-testid=experience-card]").First;
            await Expect(card).ToContainTextAsync("Tell us how it went");
            await Browsing.NoSeriousAxeViolationsAsync(patient);
            // Sent without an answer: refused, saying which question.
            await card.Locator("[data-testid=send-experience]").ClickAsync();
            await Expect(patient.Locator("[data-testid=errors]")).ToContainTextAsync("Overall, how was your experience of our service?");
            await Browsing.NoSeriousAxeViolationsAsync(patient);
            card = patient.Locator("[data-testid=experience-card]").First;
            await card.GetByLabel("Very good").CheckAsync();
            await card.Locator("textarea").FillAsync("The nurses came when they said they would.");
            await card.Locator("[data-testid=send-experience]").ClickAsync();
            await Expect(patient.Locator("[data-testid=done]")).ToContainTextAsync("your answers are saved");
            await Expect(patient.Locator("[data-testid=experience-card]")).ToHaveCountAsync(0);
            await Browsing.ShotAsync(patient, "experience-1-patient-answered");
            await patient.Context.CloseAsync();

            // The physiotherapist gets a link for the person on the stroke rehabilitation caseload, to print or read out.
            var rehab = await Browsing.SignedInAsync(browser, app.BaseUrl, "rehab@demo.joinedup.example");
            await rehab.GotoAsync($"{app.BaseUrl}/care?tab=caseload");
            var person = rehab.Locator("[data-testid=caseload] tbody tr a[href^='/record/']").First;
            var id = RecordLink().Match(await person.GetAttributeAsync("href") ?? "").Groups[1].Value;
            await rehab.GotoAsync($"{app.BaseUrl}/record/{id}");
            await rehab.Locator("[data-testid=experience-links]").ClickAsync();
            await rehab.WaitForURLAsync($"**/record/{id}/experience");
            await Browsing.NoSeriousAxeViolationsAsync(rehab);
            await rehab.Locator("[data-testid=issue-link]").First.ClickAsync();
            var url = (await rehab.Locator("[data-testid=feedback-url]").InnerTextAsync()).Trim();
            Assert.Contains("/feedback/", url, StringComparison.Ordinal);
            await Browsing.NoSeriousAxeViolationsAsync(rehab);
            await rehab.Context.CloseAsync();

            // Someone with the link, not signed in, answers it.
            var context = await browser.NewContextAsync();
            var form = await context.NewPageAsync();
            await form.GotoAsync(url);
            await Expect(form.Locator("h1")).ToContainTextAsync("Friends and Family Test");
            await Browsing.NoSeriousAxeViolationsAsync(form);
            await form.GetByLabel("Good", new() { Exact = true }).CheckAsync();
            await form.GetByLabel("Please tell us what was good").FillAsync("Exercises I can do at home.");
            await form.Locator("[data-testid=send-feedback]").ClickAsync();
            await Expect(form.Locator("[data-testid=feedback-saved]")).ToContainTextAsync("Thank you");
            await Browsing.NoSeriousAxeViolationsAsync(form);
            await Browsing.ShotAsync(form, "experience-2-link-answered");
            // Single use: the same link again says so, kindly.
            await form.GotoAsync(url);
            await Expect(form.Locator("[data-testid=feedback-closed]")).ToContainTextAsync("already been answered");
            await Browsing.NoSeriousAxeViolationsAsync(form);
            await context.CloseAsync();
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
