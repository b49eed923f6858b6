using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace JoinedUp.Browser.Tests;

/// <summary>What the browser journeys share: signing in as a demo user, and the accessibility check on each page.</summary>
internal static class Browsing
{
    /// <summary>The demo accounts' password (demo mode only).</summary>
    public const string Password = "Demo-password-2026";

    /// <summary>A fresh browser context signed in through the sign-in form.</summary>
    public static async Task<IPage> SignedInAsync(IBrowser browser, string baseUrl, string email)
    {
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{baseUrl}/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("[data-testid=signed-in-as]")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>
    /// Saves a full-page screenshot when JOINEDUP_SCREENSHOTS names a folder (for looking at the pages a journey went
    /// through); does nothing otherwise.
    /// </summary>
    public static async Task ShotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable("JOINEDUP_SCREENSHOTS") is not { Length: > 0 } folder) return;
        System.IO.Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    /// <summary>No serious or critical axe violations on the page as it stands.</summary>
    public static async Task NoSeriousAxeViolationsAsync(IPage page)
    {
        var axe = await page.RunAxe();
        var serious = axe.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, page.Url + ": " + string.Join("; ", serious.Select(v => $"{v.Id}: {v.Help} ({v.Nodes.Length} nodes)")));
    }
}
