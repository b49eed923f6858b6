using System.Net;
using System.Net.Http.Json;
using JoinedUp.Outcomes.Payments;
using JoinedUp.Security;
using JoinedUp.Storage;
using JoinedUp.Tests.Security;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Outcomes;

/// <summary>Issuing a quarter's payment statement freezes it; checking recomputes it from its run and contract, to the byte.</summary>
public class IssuedStatementTests
{
    [Theory]
    [ClassData(typeof(Providers))]
    public async Task An_issued_statement_is_stored_once_per_run_and_reproduced_byte_for_byte_and_a_changed_one_is_caught(StorageProvider provider)
    {
        await using var app = await SecureApp.StartAsync(provider);
        using var commissioner = await app.SignInAsync(SecureApp.Email(Roles.Commissioner));

        // No official run yet: nothing to issue, and the answer says what to do.
        var early = await commissioner.PostAsync("/api/outcomes/statement/2026-27-Q1/issue", null);
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        Assert.Contains("official", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await commissioner.PostAsync("/api/outcomes/statement/2026-28-Q1/issue", null)).StatusCode);

        var run = await commissioner.PostAsJsonAsync("/api/outcomes/runs", new { quarter = "2026/27-Q1", purpose = "official" });
        Assert.Equal(HttpStatusCode.Created, run.StatusCode);
        var runId = (await SecureApp.JsonAsync(run)).GetProperty("id").GetInt64();

        var issued = await commissioner.PostAsync("/api/outcomes/statement/2026-27-Q1/issue", null);
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var body = await SecureApp.JsonAsync(issued);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal(runId, body.GetProperty("runId").GetInt64());
        var stored = await app.QueryAsync(db => db.Set<IssuedStatement>().SingleAsync(s => s.Id == id));
        Assert.Equal(IssuedStatements.Hash(stored.Json), stored.Sha256);
        Assert.Equal(PaymentContract.DefaultSha256(), stored.ContractSha256);

        // The stored JSON is the statement the API shows for the quarter, to the penny.
        var live = await commissioner.GetStringAsync("/api/outcomes/statement/2026-27-Q1");
        using (var a = System.Text.Json.JsonDocument.Parse(live))
        using (var b = System.Text.Json.JsonDocument.Parse(stored.Json))
        {
            Assert.Equal(a.RootElement.GetProperty("totalPayment").GetDecimal(), b.RootElement.GetProperty("totalPayment").GetDecimal());
        }

        // Issuing again from the same run returns the first; nothing new is stored.
        var again = await commissioner.PostAsync("/api/outcomes/statement/2026-27-Q1/issue", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await SecureApp.JsonAsync(again)).GetProperty("id").GetInt64());
        Assert.Equal(1, await app.QueryAsync(db => db.Set<IssuedStatement>().CountAsync()));

        // Reproduced byte for byte from the run and contract.
        var check = await SecureApp.JsonAsync(await commissioner.GetAsync($"/api/outcomes/statements/{id}/check"));
        Assert.True(check.GetProperty("reproduced").GetBoolean(), check.ToString());
        Assert.Equal(stored.Sha256, check.GetProperty("reproducedSha256").GetString());

        // A statement changed after issue (here, by hand in the database) no longer checks.
        await app.QueryAsync(async db =>
        {
            var s = await db.Set<IssuedStatement>().SingleAsync(x => x.Id == id);
            s.Json = s.Json.Replace("\"totalPayment\":", "\"totalPayment\":1", StringComparison.Ordinal);
            return await db.SaveChangesAsync();
        });
        var tampered = await SecureApp.JsonAsync(await commissioner.GetAsync($"/api/outcomes/statements/{id}/check"));
        Assert.False(tampered.GetProperty("reproduced").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await commissioner.GetAsync("/api/outcomes/statements/987654/check")).StatusCode);

        // Only those who may read payment statements may issue or check them.
        using var nurse = await app.SignInAsync(SecureApp.Email(Roles.Clinician));
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.PostAsync("/api/outcomes/statement/2026-27-Q1/issue", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await nurse.GetAsync("/api/outcomes/statements")).StatusCode);
    }
}
