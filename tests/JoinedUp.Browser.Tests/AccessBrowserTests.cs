using System.Globalization;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JoinedUp.Browser.Tests;

/// <summary>
/// The single point of access in a real browser: the public self-referral form, the coordinator's worklist, matching and
/// triage, a practice's referral from the record, and the receiving team. Both tests use the demo patient; neither
/// depends on the other having run (a staff referral may be linked to an open self-referral of the same person, which
/// changes nothing asserted here).
/// </summary>
public class AccessBrowserTests(RunningApp app) : IClassFixture<RunningApp>
{
    private sealed record DemoPatient(string GivenName, string FamilyName, DateOnly BirthDate, string NhsNumber)
    {
        public string Formatted => $"{NhsNumber[..3]} {NhsNumber[3..6]} {NhsNumber[6..]}";
    }

    /// <summary>The demo patient's name, date of birth and NHS number, as they see them on their own record.</summary>
    private async Task<DemoPatient> ReadDemoPatientAsync(IBrowser browser)
    {
        var patient = await Browsing.SignedInAsync(browser, app.BaseUrl, "patient@demo.joinedup.example");
        await patient.GetByRole(AriaRole.Link, new() { Name = "My record and privacy" }).ClickAsync();
        await patient.WaitForURLAsync("**/my");
        await patient.GetByRole(AriaRole.Link, new() { Name = "See my record" }).ClickAsync();
        await patient.WaitForURLAsync("**/record/*");
        var nhs = (await patient.Locator("[data-testid=nhs-number]").InnerTextAsync()).Replace(" ", "", StringComparison.Ordinal);
        Assert.Matches("^[0-9]{10}$", nhs);
        var name = (await patient.Locator(".nhsuk-card__heading").First.InnerTextAsync()).Trim();
        var space = name.IndexOf(' ', StringComparison.Ordinal);
        var born = (await patient.Locator(".nhsuk-summary-list__row", new() { Has = patient.Locator("dt", new() { HasText = "Date of birth" }) }).Locator("dd").InnerTextAsync()).Trim();
        var birthDate = DateOnly.ParseExact(born, "d MMMM yyyy", CultureInfo.InvariantCulture);
        await patient.Context.CloseAsync();
        return new DemoPatient(name[..space], name[(space + 1)..], birthDate, nhs);
    }

    [Fact]
    public async Task A_self_referral_from_the_public_form_arrives_in_the_coordinators_worklist_and_is_matched_to_the_record()
    {
        var (playwright, browser) = await HomePageTests.Launch();
        var oversized = Path.Combine(Path.GetTempPath(), $"joinedup-discharge-letter-{Guid.NewGuid():N}.pdf");
        try
        {
            var person = await ReadDemoPatientAsync(browser);
            var birthDate = person.BirthDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            const string reason = "My legs are swollen and I have a sore that will not heal. I cannot get to the surgery any more.";

            // Anonymous: no sign-in for the public form.
            var form = await (await browser.NewContextAsync()).NewPageAsync();
            await form.GotoAsync($"{app.BaseUrl}/refer");
            await Browsing.NoSeriousAxeViolationsAsync(form);

            // First attempt: last name, date of birth, a way to contact and consent missing. Each is listed; what was typed stays.
            await form.FillAsync("#givenName", person.GivenName);
            await form.FillAsync("#postcode", "E1 6AN");
            await form.FillAsync("#reason", reason);
            await form.GetByRole(AriaRole.Button, new() { Name = "Send referral" }).ClickAsync();
            var errors = form.Locator(".nhsuk-error-summary[data-testid=errors]");
            await Expect(errors).ToContainTextAsync("Enter the last name");
            await Expect(errors).ToContainTextAsync("Enter the date of birth");
            await Expect(errors).ToContainTextAsync("Give a phone number or an email address");
            await Expect(errors).ToContainTextAsync("Tick the box to say the person agrees");
            Assert.DoesNotContain("Enter the first name", await errors.InnerTextAsync(), StringComparison.Ordinal);
            await Expect(form.Locator("#givenName")).ToHaveValueAsync(person.GivenName);
            await Expect(form.Locator("#postcode")).ToHaveValueAsync("E1 6AN");
            await Expect(form.Locator("#reason")).ToHaveValueAsync(reason);
            await Browsing.NoSeriousAxeViolationsAsync(form);

            // Second attempt: everything needed, but a 6 MB letter. The size is named and nothing typed is lost (the file itself cannot be kept by a browser).
            await using (var file = File.Create(oversized))
            {
                await file.WriteAsync("%PDF-1.4\n"u8.ToArray());
                file.SetLength(6 * 1024 * 1024);
            }
            await form.FillAsync("#familyName", person.FamilyName);
            await form.FillAsync("#birthDate", birthDate);
            await form.FillAsync("#phone", "07700 900123");
            await form.CheckAsync("#consent");
            await form.SetInputFilesAsync("#attachment", oversized);
            await form.GetByRole(AriaRole.Button, new() { Name = "Send referral" }).ClickAsync();
            await Expect(errors).ToContainTextAsync("The file is 6");
            await Expect(errors).ToContainTextAsync("5 MB or less");
            Assert.DoesNotContain("Enter the last name", await errors.InnerTextAsync(), StringComparison.Ordinal);
            await Expect(form.Locator("#givenName")).ToHaveValueAsync(person.GivenName);
            await Expect(form.Locator("#familyName")).ToHaveValueAsync(person.FamilyName);
            await Expect(form.Locator("#birthDate")).ToHaveValueAsync(birthDate);
            await Expect(form.Locator("#phone")).ToHaveValueAsync("07700 900123");
            await Expect(form.Locator("#reason")).ToHaveValueAsync(reason);
            await Expect(form.Locator("#consent")).ToBeCheckedAsync();
            await Expect(form.Locator("#website")).ToHaveValueAsync("");

            // Third attempt, without the file (and without the NHS number, so the coordinator matches it): sent, with a reference.
            await Expect(form.Locator("#attachment")).ToHaveValueAsync("");
            await form.GetByRole(AriaRole.Button, new() { Name = "Send referral" }).ClickAsync();
            await Expect(form.Locator("[data-testid=self-referral-sent]")).ToBeVisibleAsync();
            var reference = (await form.Locator("[data-testid=reference]").InnerTextAsync()).Trim();
            Assert.Matches("^R-[A-Z0-9]{8}$", reference);
            await Browsing.NoSeriousAxeViolationsAsync(form);

            // The person checks progress with the reference and date of birth; a wrong date of birth finds nothing.
            await form.GotoAsync($"{app.BaseUrl}/refer/status");
            await form.FillAsync("#reference", reference);
            await form.FillAsync("#birthDate", person.BirthDate.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            await form.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
            await Expect(form.Locator("[data-testid=errors]")).ToContainTextAsync("We could not find a referral");
            await form.FillAsync("#reference", reference.ToLowerInvariant());
            await form.FillAsync("#birthDate", birthDate);
            await form.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
            await Expect(form.Locator("[data-testid=status-text]")).ToHaveTextAsync("Received. The single point of access will check the details and contact you.");
            await Expect(form.Locator("[data-testid=public-status]")).ToContainTextAsync(reference);
            await Browsing.NoSeriousAxeViolationsAsync(form);

            // The coordinator finds it in the worklist, not yet matched to a record.
            var spa = await Browsing.SignedInAsync(browser, app.BaseUrl, "spa@demo.joinedup.example");
            await spa.GetByRole(AriaRole.Link, new() { Name = "Worklist", Exact = true }).ClickAsync();
            await spa.WaitForURLAsync("**/access");
            var row = spa.Locator($"[data-testid=to-triage] tr[data-reference='{reference}']");
            await Expect(row).ToContainTextAsync($"{person.FamilyName}, {person.GivenName}");
            await Expect(row).ToContainTextAsync("not matched");
            await Browsing.NoSeriousAxeViolationsAsync(spa);

            // Triage needs the record: there is no triage form until the coordinator matches the NHS number (checked against the date of birth given).
            await row.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
            await spa.WaitForURLAsync($"**/access/referrals/{reference}");
            await Expect(spa.GetByRole(AriaRole.Heading, new() { Name = "Match to a record" })).ToBeVisibleAsync();
            await Expect(spa.Locator("[data-testid=triage-form]")).ToHaveCountAsync(0);
            await Expect(spa.Locator("[data-testid=reason]")).ToHaveTextAsync(reason);
            await Browsing.NoSeriousAxeViolationsAsync(spa);
            await spa.FillAsync("#match-nhs", person.NhsNumber);
            await spa.Locator("[data-testid=match]").ClickAsync();
            await Expect(spa.Locator("[data-testid=done]")).ToContainTextAsync("Matched to the record");
            await Expect(spa.Locator("[data-testid=patient]")).ToContainTextAsync(person.NhsNumber);
            await Expect(spa.Locator("[data-testid=triage-form]")).ToBeVisibleAsync();
            await Expect(spa.Locator("[data-testid=suggestion]")).ToBeVisibleAsync();
            await Expect(spa.GetByRole(AriaRole.Heading, new() { Name = "Match to a record" })).ToHaveCountAsync(0);
            await Browsing.NoSeriousAxeViolationsAsync(spa);

            // Back in the worklist the row is matched now.
            await spa.GetByRole(AriaRole.Link, new() { Name = "Worklist", Exact = true }).First.ClickAsync();
            await spa.WaitForURLAsync("**/access");
            await Expect(row).ToBeVisibleAsync();
            await Expect(row).Not.ToContainTextAsync("not matched");
        }
        finally
        {
            File.Delete(oversized);
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task A_coordinator_triages_a_referral_to_two_services_with_one_shared_assessment_and_both_teams_see_it()
    {
        var (playwright, browser) = await HomePageTests.Launch();
        try
        {
            var person = await ReadDemoPatientAsync(browser);

            // The practice finds its patient and refers from the record: the details come from the record, only the reason is typed.
            var practice = await Browsing.SignedInAsync(browser, app.BaseUrl, "practice@demo.joinedup.example");
            await practice.GetByRole(AriaRole.Link, new() { Name = "Find a patient" }).ClickAsync();
            await practice.FillAsync("#nhs", person.NhsNumber);
            await practice.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            await Expect(practice.Locator("[data-testid=result-count]")).ToHaveTextAsync("1 person found");
            await practice.Locator("[data-testid=results] a").First.ClickAsync();
            await practice.WaitForURLAsync("**/record/*");
            await Browsing.NoSeriousAxeViolationsAsync(practice);
            await practice.Locator("[data-testid=refer]").ClickAsync();
            await practice.WaitForURLAsync("**/access/refer?patient=*");
            await Expect(practice.Locator("[data-testid=prefilled]")).ToContainTextAsync(person.Formatted);
            await Expect(practice.Locator("[data-testid=prefilled]")).ToContainTextAsync($"{person.GivenName} {person.FamilyName}");
            await Browsing.NoSeriousAxeViolationsAsync(practice);
            const string reason = "Leg ulcer on the left shin needs dressings twice a week; she now finds it hard to leave the house.";
            await practice.FillAsync("#reason", reason);
            await practice.Locator("[data-testid=send-referral]").ClickAsync();
            await Expect(practice.Locator("[data-testid=referral-sent]")).ToBeVisibleAsync();
            var reference = (await practice.Locator("[data-testid=reference]").InnerTextAsync()).Trim();
            Assert.Matches("^R-[A-Z0-9]{8}$", reference);
            await Browsing.NoSeriousAxeViolationsAsync(practice);

            // The coordinator opens it from the worklist; the rules suggest community nursing for a leg ulcer, not foot health.
            var spa = await Browsing.SignedInAsync(browser, app.BaseUrl, "spa@demo.joinedup.example");
            await spa.GetByRole(AriaRole.Link, new() { Name = "Worklist", Exact = true }).ClickAsync();
            await spa.WaitForURLAsync("**/access");
            var row = spa.Locator($"[data-testid=to-triage] tr[data-reference='{reference}']");
            await Expect(row).ToContainTextAsync(reason);
            await Expect(row).Not.ToContainTextAsync("not matched");
            await row.GetByRole(AriaRole.Link, new() { Name = reference }).ClickAsync();
            await spa.WaitForURLAsync($"**/access/referrals/{reference}");
            var suggestion = spa.Locator("[data-testid=suggestion]");
            await Expect(suggestion.Locator("li[data-route=adult-community-nursing]")).ToBeVisibleAsync();
            await Expect(suggestion.Locator("li[data-route=foot-health]")).ToHaveCountAsync(0);
            await Expect(spa.Locator("[data-testid=assessment-reused]")).ToHaveCountAsync(0);
            await Browsing.NoSeriousAxeViolationsAsync(spa);

            // The coordinator adds foot health (and keeps only the two services), routine.
            var triage = spa.Locator("[data-testid=triage-form]");
            async Task ChooseTwoServicesAsync()
            {
                foreach (var box in await triage.Locator("input[name=services]").AllAsync())
                {
                    await box.SetCheckedAsync(await box.GetAttributeAsync("value") is "adult-community-nursing" or "foot-health");
                }
                await spa.CheckAsync("#urg-routine");
            }
            await ChooseTwoServicesAsync();

            // First try: no override reason and no assessment. The change is named, and so is every required question.
            var errors = spa.Locator("[data-testid=errors]");
            await spa.Locator("[data-testid=route]").ClickAsync();
            await Expect(errors).ToContainTextAsync("The choice differs from the suggestion");
            await Expect(errors).ToContainTextAsync("added Foot health (podiatry)");
            await Expect(errors).ToContainTextAsync("What matters most to the person now");
            await Expect(errors).ToContainTextAsync("Who does the person live with?");
            await Expect(errors).ToContainTextAsync("Getting about");
            await Expect(errors).ToContainTextAsync("Has the person fallen in the last 12 months?");
            Assert.DoesNotContain("Mood", await errors.InnerTextAsync(), StringComparison.Ordinal); // optional questions are not asked for
            await Expect(spa.Locator("#svc-foot-health")).ToBeCheckedAsync();
            await Expect(spa.Locator("#svc-adult-community-nursing")).ToBeCheckedAsync();
            await Expect(spa.Locator("[data-testid=done]")).ToHaveCountAsync(0);
            await Browsing.NoSeriousAxeViolationsAsync(spa);

            // Second try: the override reason and all but one required answer. Only the missing question is listed; what was given is kept.
            const string whatMatters = "Getting the ulcer healed so that she can walk to the market again.";
            await ChooseTwoServicesAsync();
            await spa.FillAsync("#override", "Thickened toenails are stopping her wearing shoes; podiatry assessed at the same visit.");
            await spa.FillAsync("[id='answer.what-matters']", whatMatters);
            await spa.SelectOptionAsync("[id='answer.living']", "Alone");
            await spa.SelectOptionAsync("[id='answer.falls']", "no");
            await spa.Locator("[data-testid=route]").ClickAsync();
            await Expect(errors).ToContainTextAsync("Getting about");
            await Expect(errors).Not.ToContainTextAsync("The choice differs from the suggestion");
            await Expect(errors).Not.ToContainTextAsync("What matters most");
            await Expect(spa.Locator("[id='answer.what-matters']")).ToHaveValueAsync(whatMatters);
            await Expect(spa.Locator("[id='answer.living']")).ToHaveValueAsync("Alone");
            await Expect(spa.Locator("[id='answer.falls']")).ToHaveValueAsync("no");
            await Expect(spa.Locator("#override")).ToHaveValueAsync("Thickened toenails are stopping her wearing shoes; podiatry assessed at the same visit.");
            await Expect(spa.Locator("#svc-foot-health")).ToBeCheckedAsync();
            await Expect(spa.Locator("#urg-routine")).ToBeCheckedAsync();

            // Third try: routed to both services, with one assessment.
            await spa.SelectOptionAsync("[id='answer.mobility']", "Uses a walking aid");
            await spa.Locator("[data-testid=route]").ClickAsync();
            await Expect(spa.Locator("[data-testid=done]")).ToContainTextAsync("Routed");
            var routes = spa.Locator("[data-testid=routes]");
            await Expect(routes.Locator("tr[data-route=adult-community-nursing]")).ToContainTextAsync("Waiting");
            await Expect(routes.Locator("tr[data-route=foot-health]")).ToContainTextAsync("Waiting");
            await Expect(spa.Locator("[data-testid=assessment]")).ToHaveCountAsync(1);
            await Expect(spa.Locator("[data-testid=assessment]")).ToContainTextAsync(whatMatters);
            await Expect(spa.Locator("[data-testid=assessment]")).ToContainTextAsync("Uses a walking aid");
            await Expect(spa.GetByRole(AriaRole.Heading, new() { Name = "Holistic assessment (1 in this episode)" })).ToBeVisibleAsync();
            await Expect(spa.Locator("[data-testid=triage-form]")).ToHaveCountAsync(0);
            await Browsing.NoSeriousAxeViolationsAsync(spa);

            // The nurse (adult community nursing) sees the referral with the holistic assessment, not asked again, and accepts it.
            var nurse = await Browsing.SignedInAsync(browser, app.BaseUrl, "nurse@demo.joinedup.example");
            await nurse.GetByRole(AriaRole.Link, new() { Name = "Referrals to my team" }).ClickAsync();
            await nurse.WaitForURLAsync("**/access/team");
            var card = nurse.Locator($"[data-testid=team-referral][data-reference='{reference}']");
            await Expect(card).ToHaveCountAsync(1);
            await Expect(card).ToContainTextAsync(reason);
            await Expect(card).ToContainTextAsync("to accept");
            var holistic = card.Locator("details[data-testid=holistic]");
            await Expect(holistic.GetByText(whatMatters)).Not.ToBeVisibleAsync();
            await holistic.Locator("summary").ClickAsync();
            await Expect(holistic.GetByText(whatMatters)).ToBeVisibleAsync();
            await Expect(holistic).ToContainTextAsync("Alone");
            await Browsing.NoSeriousAxeViolationsAsync(nurse);
            await card.Locator("[data-testid=accept]").ClickAsync();
            await Expect(nurse.Locator("[data-testid=done]")).ToContainTextAsync("Accepted: the person is on your team's caseload.");
            await Expect(card).ToContainTextAsync("accepted: contact due");
            await Expect(card.Locator("[data-testid=accept]")).ToHaveCountAsync(0);

            // Foot health: there is no demo sign-in in the foot-health team, so its side is asserted from the coordinator's view:
            // the route is there, waiting for that team, while community nursing shows the nurse's acceptance.
            await spa.GotoAsync($"{app.BaseUrl}/access/referrals/{reference}");
            await Expect(routes.Locator("tr[data-route=adult-community-nursing]")).ToContainTextAsync("Accepted by");
            await Expect(routes.Locator("tr[data-route=foot-health]")).ToContainTextAsync("Waiting");
            await Expect(routes.Locator("tr[data-route=foot-health]")).ToContainTextAsync("Foot health (podiatry)");
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
