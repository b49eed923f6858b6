using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JoinedUp.Browser.Tests;

/// <summary>
/// Issue 6 end to end in a real browser on the demo borough: a care navigator hands a person recovering from a stroke
/// over from stroke rehabilitation to community nursing (an ineligible service is refused first, with the reason and
/// the note kept), the receiving nurse accepts, and the journey shows it; then the demo patient and their carer sign in
/// and each sees only the demo patient's plan: the patient comments and agrees, the carer sees both, and neither can
/// open the other person's plan.
/// </summary>
public partial class CareBrowserTests(RunningApp app) : IClassFixture<RunningApp>
{
    [GeneratedRegex(@"/record/(\d+)$")]
    private static partial Regex RecordLink();

    [Fact]
    public async Task A_navigator_hands_a_person_from_stroke_rehabilitation_to_community_nursing_the_nurse_accepts_and_the_patient_and_carer_see_only_their_own_plan()
    {
        var (playwright, browser) = await HomePageTests.Launch();
        try
        {
            // The stroke rehabilitation physiotherapist finds the person on the team's caseload.
            var rehab = await Browsing.SignedInAsync(browser, app.BaseUrl, "rehab@demo.joinedup.example");
            await rehab.GotoAsync($"{app.BaseUrl}/care?tab=caseload");
            await Browsing.NoSeriousAxeViolationsAsync(rehab);
            await Browsing.ShotAsync(rehab, "0-rehab-caseload");
            var person = rehab.Locator("[data-testid=caseload] tbody tr a[href^='/record/']").First;
            var id = long.Parse(RecordLink().Match(await person.GetAttributeAsync("href") ?? "").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            await rehab.Context.CloseAsync();

            // The navigator opens the person's care plan and journey from the record.
            var navigator = await Browsing.SignedInAsync(browser, app.BaseUrl, "navigator@demo.joinedup.example");
            await navigator.GotoAsync($"{app.BaseUrl}/record/{id}");
            await navigator.Locator("[data-testid=care-plan]").ClickAsync();
            await navigator.WaitForURLAsync($"**/record/{id}/care");
            var name = (await navigator.Locator("h1 .nhsuk-caption-l").InnerTextAsync()).Trim();
            await Expect(navigator.Locator("[data-testid=goal]").First).ToContainTextAsync("cup of tea");
            await Expect(navigator.Locator("[data-testid=journey]")).ToContainTextAsync("Referred to Stroke rehabilitation");
            await Browsing.NoSeriousAxeViolationsAsync(navigator);
            await Browsing.ShotAsync(navigator, "1-navigator-care-plan");

            // A hand-over to a children's service is refused with the reason, and the note typed is kept.
            const string note = "Walking with a stick now; needs help with insulin at home while rehab finishes.";
            await navigator.SelectOptionAsync("#handover-service", "children-community-nursing");
            await navigator.FillAsync("#handover-note", note);
            await navigator.Locator("[data-testid=hand-over]").ClickAsync();
            await Expect(navigator.Locator("[data-testid=errors]")).ToContainTextAsync("cannot take this person");
            await Expect(navigator.Locator("#handover-note")).ToHaveValueAsync(note);
            await Expect(navigator.Locator("tr[data-task]", new() { HasText = "Hand-over" })).ToHaveCountAsync(0);

            // To adult community nursing: an open task until the nurses accept it.
            await navigator.SelectOptionAsync("#handover-service", "adult-community-nursing");
            await navigator.Locator("[data-testid=hand-over]").ClickAsync();
            await Expect(navigator.Locator("[data-testid=done]")).ToContainTextAsync("Handed over");
            await Expect(navigator.Locator("tr[data-task]", new() { HasText = "Hand-over" })).ToContainTextAsync("waiting to be accepted");

            // The nurse sees it on the team's list and accepts.
            var nurse = await Browsing.SignedInAsync(browser, app.BaseUrl, "nurse@demo.joinedup.example");
            await nurse.GetByRole(AriaRole.Link, new() { Name = "Referrals to my team" }).ClickAsync();
            var card = nurse.Locator("[data-testid=team-task]", new() { HasText = name });
            await Expect(card).ToContainTextAsync("hand-over to accept");
            await Expect(card).ToContainTextAsync("from Stroke");
            await Expect(card).ToContainTextAsync(note);
            await Browsing.NoSeriousAxeViolationsAsync(nurse);
            await Browsing.ShotAsync(nurse, "2-nurse-team-list");
            await card.Locator("[data-testid=accept-hand-over]").ClickAsync();
            await Expect(nurse.Locator("[data-testid=done]")).ToContainTextAsync("Hand-over accepted");
            await Expect(nurse.Locator("[data-testid=team-task]", new() { HasText = name })).ToHaveCountAsync(0);
            // The person is now on the nurses' caseload: their care plan opens.
            await nurse.GotoAsync($"{app.BaseUrl}/record/{id}/care");
            await Expect(nurse.Locator("[data-testid=plan]")).ToBeVisibleAsync();
            await nurse.Context.CloseAsync();

            // Back with the navigator: accepted, and one timeline shows the whole journey.
            await navigator.GotoAsync($"{app.BaseUrl}/record/{id}/care");
            await Expect(navigator.Locator("tr[data-task]", new() { HasText = "Hand-over" })).ToContainTextAsync("accepted by");
            await Expect(navigator.Locator("[data-testid=journey]")).ToContainTextAsync("Hand-over to Adult community");
            await Expect(navigator.Locator("[data-testid=journey]")).ToContainTextAsync("accepted the hand-over");
            await navigator.Context.CloseAsync();

            // The demo patient sees their own plan, their navigator and how to get help out of hours; comments and agrees.
            var patient = await Browsing.SignedInAsync(browser, app.BaseUrl, "patient@demo.joinedup.example");
            await patient.GetByRole(AriaRole.Link, new() { Name = "My care", Exact = true }).ClickAsync();
            await patient.WaitForURLAsync("**/my/plan");
            await Expect(patient.Locator("h1")).ToHaveTextAsync("My care");
            await Expect(patient.Locator("[data-testid=goal]").First).ToContainTextAsync("Walk to the park");
            await Expect(patient.Locator("[data-testid=navigator]")).ToContainTextAsync("care navigator");
            await Expect(patient.Locator("[data-testid=out-of-hours]")).ToContainTextAsync("111");
            await Expect(patient.Locator("[data-testid=upcoming]")).ToContainTextAsync("Phone call");
            await Expect(patient.Locator("[data-testid=upcoming] li", new() { HasText = "shower seat" })).ToContainTextAsync("(Your carer)");
            await Browsing.NoSeriousAxeViolationsAsync(patient);
            await Browsing.ShotAsync(patient, "3-patient-my-care");
            await patient.Locator("[data-testid=goal]").First.Locator("[data-testid=comment]").ClickAsync();
            await Expect(patient.Locator("[data-testid=errors]")).ToContainTextAsync("Write your comment first");
            var firstGoal = patient.Locator("[data-testid=goal]").First;
            await firstGoal.Locator("textarea").FillAsync("The dressing is much more comfortable this week.");
            await firstGoal.Locator("[data-testid=comment]").ClickAsync();
            await Expect(patient.Locator("[data-testid=done]")).ToContainTextAsync("comment is added");
            await patient.Locator("[data-testid=agree]").ClickAsync();
            await Expect(patient.Locator("[data-testid=agreed]")).ToContainTextAsync("the person");
            // Not the other person's plan.
            await patient.GotoAsync($"{app.BaseUrl}/my/plan?patient={id}");
            await Expect(patient.Locator("[data-testid=no-plan]")).ToContainTextAsync("only your own care plan");
            await Expect(patient.Locator("body")).Not.ToContainTextAsync("cup of tea");
            await patient.Context.CloseAsync();

            // The carer sees the demo patient's plan, with the comment and the agreement, and nobody else's.
            var carer = await Browsing.SignedInAsync(browser, app.BaseUrl, "carer@demo.joinedup.example");
            await carer.GetByRole(AriaRole.Link, new() { Name = "Their care" }).ClickAsync();
            await carer.WaitForURLAsync("**/my/plan");
            await Expect(carer.Locator("h1")).ToContainTextAsync("'s care");
            await Expect(carer.Locator("[data-testid=goal]").First).ToContainTextAsync("Walk to the park");
            await Expect(carer.Locator("[data-testid=comments]").First).ToContainTextAsync("much more comfortable");
            await Expect(carer.Locator("[data-testid=agreed]")).ToBeVisibleAsync();
            // Worded for the carer: the carer's own jobs are theirs.
            await Expect(carer.Locator("[data-testid=upcoming] li", new() { HasText = "shower seat" })).ToContainTextAsync("(You)");
            await Browsing.NoSeriousAxeViolationsAsync(carer);
            await Browsing.ShotAsync(carer, "4-carer-their-care");
            await carer.GotoAsync($"{app.BaseUrl}/my/plan?patient={id}");
            await Expect(carer.Locator("[data-testid=no-plan]")).ToContainTextAsync("not given you access");
            await Expect(carer.Locator("body")).Not.ToContainTextAsync("cup of tea");
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
