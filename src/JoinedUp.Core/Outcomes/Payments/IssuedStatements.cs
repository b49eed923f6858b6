using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Results;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Outcomes.Payments;

/// <summary>
/// A payment statement as issued (<c>payment_statement</c>): the quarter, the official run and the contract it was made
/// from, its JSON exactly as issued and that JSON's SHA-256. Never changed; a statement from a later official run of the
/// same quarter is a new row.
/// </summary>
public sealed class IssuedStatement
{
    public long Id { get; set; }
    public required string Quarter { get; set; }
    public long RunId { get; set; }
    public required string ContractSha256 { get; set; }
    public required string Json { get; set; }
    public required string Sha256 { get; set; }
    public DateTime IssuedAt { get; set; }
    public required string IssuedBy { get; set; }
}

/// <summary>The outcome of issuing: the statement, and whether it had already been issued from the same run.</summary>
public sealed record IssueResult(IssuedStatement? Statement, bool AlreadyIssued, IReadOnlyList<string> Problems);

/// <summary>Whether an issued statement is reproduced to the penny by the same run and contract today.</summary>
public sealed record StatementCheck(IssuedStatement Statement, bool Reproduced, string ReproducedSha256, string Explanation);

/// <summary>
/// Issuing a quarter's payment statement and checking that an issued one is reproduced byte for byte from its run and
/// contract (the run is immutable, the arithmetic decimal, the serialisation fixed), so a statement can be audited.
/// </summary>
public sealed class IssuedStatements(JoinedUpDbContext db, OutcomesReports reports)
{
    private static readonly JsonSerializerOptions Canonical = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        WriteIndented = false,
    };

    public static string Serialize(PaymentStatement statement) => JsonSerializer.Serialize(statement, Canonical);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>Issues the statement of the quarter's official run; issuing again from the same run returns the first.</summary>
    public async Task<IssueResult> IssueAsync(PaymentContract contract, string contractSha256, FinancialQuarter quarter, string issuedBy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var (statement, _, problems) = await reports.StatementAsync(contract, quarter, ct).ConfigureAwait(false);
        if (statement is null)
        {
            return new IssueResult(null, false, problems.Count > 0 ? problems : [$"{quarter.Label} has no official run yet: run the framework for it as official first."]);
        }
        var existing = await db.Set<IssuedStatement>().FirstOrDefaultAsync(s => s.Quarter == quarter.Label && s.RunId == statement.Run.Id && s.ContractSha256 == contractSha256, ct).ConfigureAwait(false);
        if (existing is not null) return new IssueResult(existing, true, []);
        var json = Serialize(statement.Statement);
        var issued = new IssuedStatement
        {
            Quarter = quarter.Label,
            RunId = statement.Run.Id,
            ContractSha256 = contractSha256,
            Json = json,
            Sha256 = Hash(json),
            IssuedAt = DateTime.UtcNow,
            IssuedBy = issuedBy,
        };
        db.Add(issued);
        await db.SaveChangesAsync(ct).ConfigureAwait(false);
        return new IssueResult(issued, false, []);
    }

    public async Task<IReadOnlyList<IssuedStatement>> ListAsync(CancellationToken ct) =>
        await db.Set<IssuedStatement>().AsNoTracking().OrderByDescending(s => s.Id).ToListAsync(ct).ConfigureAwait(false);

    /// <summary>Recomputes an issued statement from its own run and compares the bytes.</summary>
    public async Task<StatementCheck?> CheckAsync(long id, PaymentContract contract, string contractSha256, CancellationToken ct)
    {
        var issued = await db.Set<IssuedStatement>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct).ConfigureAwait(false);
        if (issued is null) return null;
        if (issued.ContractSha256 != contractSha256)
        {
            return new StatementCheck(issued, false, "", "It was issued under another version of the contract than the one loaded now.");
        }
        var results = await reports.ResultsAsync(issued.RunId, ct).ConfigureAwait(false);
        if (results is null || !FinancialQuarter.TryParse(issued.Quarter.Replace(' ', '-'), out var quarter, out _))
        {
            return new StatementCheck(issued, false, "", "Its run is no longer stored.");
        }
        var calculation = PaymentCalculator.Calculate(contract, quarter.ContractId, reports.PaymentInputs(results.Rows, contract));
        if (!calculation.Ok) return new StatementCheck(issued, false, "", string.Join(" ", calculation.Problems));
        var sha = Hash(Serialize(calculation.Statement!));
        var same = sha == issued.Sha256 && Hash(issued.Json) == issued.Sha256;
        return new StatementCheck(issued, same, sha, same
            ? "Reproduced to the penny: the same run and contract give the same statement, byte for byte."
            : "Not reproduced: the stored statement differs from what its run and contract give now.");
    }
}
