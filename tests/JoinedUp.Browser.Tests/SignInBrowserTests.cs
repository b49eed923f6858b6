using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace JoinedUp.Browser.Tests;

/// <summary>Sign-in in a real browser for a patient and a clinician, and what each may then see.</summary>
public class SignInBrowserTests(RunningApp app) : IClassFixture<RunningApp>
{
    private const string Password = "Demo-password-2026";

    private async Task SignInAsync(IPage page, string email, string password = Password)
    {
        await page.GotoAsync($"{app.BaseUrl}/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    private static async Task NoSeriousAxeViolationsAsync(IPage page)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, page.Url + ": " + string.Join("; ", serious.Select(v => $"{v.Id}: {v.Help} ({v.Nodes.Length} nodes)")));
    }

    [Fact]
    public async Task A_clinician_and_a_patient_sign_in_and_the_patient_sees_that_the_clinician_opened_their_record()
    {
        var (playwright, browser) = await HomePageTests.Launch();
        try
        {
            // A wrong password gets a clear message, not a blank page.
            var attempt = await browser.NewPageAsync();
            await SignInAsync(attempt, "nurse@demo.joinedup.example", "wrong-password-123");
            Assert.Contains("email address or password is not right", await attempt.Locator(".nhsuk-error-summary").InnerTextAsync(), StringComparison.Ordinal);
            await NoSeriousAxeViolationsAsync(attempt);

            // The patient finds their own record and its NHS number.
            var patientContext = await browser.NewContextAsync();
            var patient = await patientContext.NewPageAsync();
            await SignInAsync(patient, "patient@demo.joinedup.example");
            await patient.GetByRole(AriaRole.Link, new() { Name = "My record and privacy" }).ClickAsync();
            await patient.WaitForURLAsync("**/my");
            await NoSeriousAxeViolationsAsync(patient);
            await patient.GetByRole(AriaRole.Link, new() { Name = "See my record" }).ClickAsync();
            var nhsNumber = (await patient.Locator("[data-testid=nhs-number]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
            Assert.Matches("^999[0-9]{7}$", nhsNumber);
            // The patient sees the entries restricted to other teams (their own record).
            Assert.True(await patient.Locator(".ju-restricted").CountAsync() >= 1);

            // The clinician searches by NHS number and opens the record through their caseload.
            var nurseContext = await browser.NewContextAsync();
            var nurse = await nurseContext.NewPageAsync();
            await SignInAsync(nurse, "nurse@demo.joinedup.example");
            var nurseName = (await nurse.Locator("[data-testid=signed-in-as]").InnerTextAsync()).Split(" (")[0];
            await nurse.GetByRole(AriaRole.Link, new() { Name = "Find a patient" }).ClickAsync();
            await nurse.FillAsync("#nhs", nhsNumber);
            await nurse.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            Assert.Equal("1 person found", await nurse.Locator("[data-testid=result-count]").InnerTextAsync());
            await NoSeriousAxeViolationsAsync(nurse);
            await nurse.Locator("[data-testid=results] a").First.ClickAsync();
            Assert.Contains("on the team's caseload", await nurse.Locator("[data-testid=access-basis]").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal(0, await nurse.Locator(".ju-restricted").CountAsync());
            await NoSeriousAxeViolationsAsync(nurse);

            // A page outside the clinician's role is refused.
            await nurse.GotoAsync($"{app.BaseUrl}/ig/audit");
            Assert.Contains("/account/denied", nurse.Url, StringComparison.Ordinal);

            // Back to the patient: the access is listed with the clinician's name.
            await patient.GotoAsync($"{app.BaseUrl}/my");
            var accesses = await patient.Locator("[data-testid=accesses]").InnerTextAsync();
            Assert.Contains(nurseName, accesses, StringComparison.Ordinal);
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
