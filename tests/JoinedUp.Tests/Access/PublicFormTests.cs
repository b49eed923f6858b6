using System.Net;
using System.Text.RegularExpressions;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Access;

/// <summary>The public self-referral form over plain HTTP, as a robot would post it: the defences, and a genuine referral never lost.</summary>
public partial class PublicFormTests
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex("data-testid=\"reference\">(R-[A-Z0-9]{8})<")]
    private static partial Regex Reference();

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, Dictionary<string, string> fields, byte[]? pdf = null)
    {
        var html = await client.GetStringAsync("/refer");
        var form = new MultipartFormDataContent
        {
            { new StringContent(WebUtility.HtmlDecode(Token().Match(html).Groups[1].Value)), "__RequestVerificationToken" },
            { new StringContent("self-referral"), "_handler" },
        };
        foreach (var (k, v) in fields) form.Add(new StringContent(v), k);
        if (pdf is not null)
        {
            var file = new ByteArrayContent(pdf);
            file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/pdf");
            form.Add(file, "attachment", "discharge-letter.pdf");
        }
        return await client.PostAsync("/refer", form);
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_robot_filling_the_hidden_field_stores_nothing_a_genuine_referral_is_matched_by_NHS_number_and_date_of_birth_and_floods_are_limited(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider, new Dictionary<string, string?> { ["Security:PublicFormPostsPer10Minutes"] = "3" });
        var patient = await app.DemoPatientAsync();
        var person = await app.QueryAsync(db => db.Patients.Where(p => p.Id == patient).Select(p => new { p.GivenName, p.FamilyName, p.BirthDate, p.NhsNumber }).FirstAsync());
        var before = await app.QueryAsync(db => db.Referrals.CountAsync());
        using var client = app.Anonymous();
        var genuine = new Dictionary<string, string>
        {
            ["source"] = "self", ["givenName"] = person.GivenName, ["familyName"] = person.FamilyName, ["birthDate"] = person.BirthDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["nhsNumber"] = person.NhsNumber!, ["phone"] = "07700 900456", ["reason"] = "My legs are swollen and the dressings need changing", ["consent"] = "yes",
        };

        // The honeypot: refused with what to do, nothing stored, and what was typed is still there.
        var robot = await PostFormAsync(client, new Dictionary<string, string>(genuine) { ["website"] = "http://cheap-pills.example" });
        var robotHtml = await robot.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, robot.StatusCode);
        Assert.Contains("Leave this blank", robotHtml, StringComparison.Ordinal);
        Assert.Contains("My legs are swollen", robotHtml, StringComparison.Ordinal);
        Assert.Equal(before, await app.QueryAsync(db => db.Referrals.CountAsync()));

        // Links in the reason: refused with a message.
        var links = await PostFormAsync(client, new Dictionary<string, string>(genuine) { ["reason"] = "see http://a.example http://b.example http://c.example" });
        Assert.Contains("remove the web links", await links.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The genuine referral: a reference, matched to the record because NHS number and date of birth agree.
        var letter = System.Text.Encoding.ASCII.GetBytes("%PDF-1.4\n% a synthetic discharge letter\n%%EOF\n");
        var sent = await PostFormAsync(client, genuine, letter);
        var reference = Reference().Match(await sent.Content.ReadAsStringAsync()).Groups[1].Value;
        Assert.StartsWith("R-", reference, StringComparison.Ordinal);
        var stored = await app.QueryAsync(db => db.Referrals.SingleAsync(r => r.Reference == reference));
        Assert.Equal(patient, stored.PatientId);
        Assert.Equal(JoinedUp.Access.ReferralSource.Self, stored.Source);
        Assert.Single(await app.AuditAsync(e => e.Action == "referral.create" && e.Resource == $"Referral/{reference}" && e.Basis == "public self-referral form"));
        // The letter arrives with it: the coordinator downloads exactly what was sent.
        var attachmentId = await app.QueryAsync(db => db.ReferralAttachments.Where(a => a.ReferralId == stored.Id).Select(a => a.Id).SingleAsync());
        using (var spa = await app.SignInAsync(SecureApp.Email(Roles.SpaCoordinator)))
        {
            var download = await spa.GetAsync($"/api/referrals/{reference}/attachments/{attachmentId}");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
            Assert.Equal(letter, await download.Content.ReadAsByteArrayAsync());
            Assert.Contains("discharge-letter.pdf", await spa.GetStringAsync($"/access/referrals/{reference}"), StringComparison.Ordinal);
        }

        // A flood from one address is turned away with a page that says what to do; the limit is per address.
        var limited = await PostFormAsync(client, genuine);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("call 111", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await app.QueryAsync(db => db.Referrals.CountAsync()));
    }
}
