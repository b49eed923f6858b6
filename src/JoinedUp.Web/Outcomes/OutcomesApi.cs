using System.Globalization;
using System.Text;
using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Payments;
using JoinedUp.Outcomes.Results;
using JoinedUp.Security;
using JoinedUp.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JoinedUp.Web.Outcomes;

/// <summary>Quarters as they appear in addresses: <c>2026-27-Q1</c> (no slash, no space).</summary>
public static class QuarterSlug
{
    public static string Of(FinancialQuarter quarter)
    {
        ArgumentNullException.ThrowIfNull(quarter);
        return string.Create(CultureInfo.InvariantCulture, $"{quarter.StartYear}-{(quarter.StartYear + 1) % 100:00}-Q{quarter.Number}");
    }

    /// <summary>The quarter of a run (its stored label, "2026/27 Q1").</summary>
    public static FinancialQuarter? OfRun(MeasureRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return FinancialQuarter.TryParse(run.Quarter.Replace(' ', '-'), out var q, out _) ? q : null;
    }
}

/// <summary>A run as the API returns it.</summary>
public sealed record RunSummary(long Id, string Quarter, string Purpose, DateTime StartedAt, DateTime FinishedAt, long DurationMs, string DefinitionsSha256, string RequestedBy)
{
    public static RunSummary From(MeasureRun r) => new(r.Id, r.Quarter, r.Purpose.ToString().ToLowerInvariant(), r.StartedAt, r.FinishedAt, r.DurationMs, r.DefinitionsSha256, r.RequestedBy);
}

/// <summary>Asks for a run of the framework.</summary>
public sealed record RunRequest(string? Quarter, string? Purpose);

/// <summary>
/// The outcomes framework's downloads and API (docs/adr/0006 sections 4 and 7): results as CSV (one row per measure × level
/// × unit, with the run id), the payment statement as CSV (money with two decimals), the list of runs, and starting a run.
/// Aggregates only.
/// </summary>
internal static class OutcomesApi
{
    public static void MapOutcomesApi(this WebApplication app)
    {
        app.MapGet("/outcomes/results/{quarter}.csv", async Task<Results<FileContentHttpResult, NotFound<ProblemDetailsLike>, BadRequest<ProblemDetailsLike>>> (
                string quarter, long? run, OutcomesReports reports, CancellationToken ct) =>
            {
                if (!FinancialQuarter.TryParse(quarter, out var q, out var error)) return TypedResults.BadRequest(new ProblemDetailsLike("Not a quarter", error + ".", 400));
                var chosen = run is { } id ? (await reports.RunsAsync(ct).ConfigureAwait(false)).FirstOrDefault(r => r.Id == id && r.Quarter == q.Label)
                    : await reports.OfficialRunAsync(q, ct).ConfigureAwait(false);
                if (chosen is null)
                {
                    return TypedResults.NotFound(new ProblemDetailsLike("No run", run is null
                        ? $"{q.Label} has no official run yet. Run the framework for it from /outcomes."
                        : $"Run {run} is not a run of {q.Label}.", 404));
                }
                var results = (await reports.ResultsAsync(chosen.Id, ct).ConfigureAwait(false))!;
                return TypedResults.File(Encoding.UTF8.GetBytes(OutcomesReports.ResultsCsv(results)), "text/csv", $"outcomes-results-{QuarterSlug.Of(q)}-run-{chosen.Id}.csv");
            })
            .RequirePermission(Permission.OutcomesRead).WithTags("Outcomes").WithName("OutcomesResultsCsv")
            .WithSummary("A quarter's results as CSV: the official run (or ?run=N), one row per measure × level × unit.");

        app.MapGet("/outcomes/statement/{quarter}.csv", async Task<Results<FileContentHttpResult, NotFound<ProblemDetailsLike>, BadRequest<ProblemDetailsLike>>> (
                string quarter, OutcomesReports reports, PaymentContract contract, CancellationToken ct) =>
            {
                if (!FinancialQuarter.TryParse(quarter, out var q, out var error)) return TypedResults.BadRequest(new ProblemDetailsLike("Not a quarter", error + ".", 400));
                var (statement, _, problems) = await reports.StatementAsync(contract, q, ct).ConfigureAwait(false);
                if (statement is null)
                {
                    return TypedResults.NotFound(new ProblemDetailsLike("No statement", problems.Count > 0 ? string.Join(" ", problems)
                        : $"{q.Label} has no official run yet, so there is no statement. Run the framework officially for it from /outcomes.", 404));
                }
                return TypedResults.File(Encoding.UTF8.GetBytes(OutcomesReports.StatementCsv(statement)), "text/csv", $"payment-statement-{QuarterSlug.Of(q)}-run-{statement.Run.Id}.csv");
            })
            .RequirePermission(Permission.PaymentRead).WithTags("Outcomes").WithName("PaymentStatementCsv")
            .WithSummary("A quarter's payment statement as CSV, from its official run: a row per measure, then the totals.");

        var group = app.MapGroup("/api/outcomes").WithTags("Outcomes");
        group.MapGet("/runs", async (OutcomesReports reports, CancellationToken ct) =>
                TypedResults.Ok((await reports.RunsAsync(ct).ConfigureAwait(false)).Select(RunSummary.From).ToList()))
            .RequirePermission(Permission.OutcomesRead).WithName("ListOutcomesRuns").WithSummary("Every run of the outcomes framework, newest first.");

        group.MapPost("/runs", async Task<Results<Created<RunSummary>, BadRequest<ProblemDetailsLike>>> (RunRequest request, HttpContext http, OutcomesRunner runner, CancellationToken ct) =>
            {
                var caller = http.RequiredCaller();
                if (!FinancialQuarter.TryParse(request.Quarter, out var q, out var error)) return TypedResults.BadRequest(new ProblemDetailsLike("Not a quarter", error + ".", 400));
                if (!TryPurpose(request.Purpose, out var purpose)) return TypedResults.BadRequest(new ProblemDetailsLike("Not a purpose", $"'{request.Purpose}' is not a purpose; send official or adhoc.", 400));
                var result = await runner.RunAsync(q, purpose, caller.DisplayName, null, ct).ConfigureAwait(false);
                return TypedResults.Created($"/api/outcomes/runs/{result.Run.Id}", RunSummary.From(result.Run));
            })
            .RequirePermission(Permission.OutcomesManage).WithName("StartOutcomesRun")
            .WithSummary("Runs the framework for a quarter (\"2026/27-Q1\"), official or adhoc, and stores the run.");

        group.MapGet("/statement/{quarter}", async Task<Results<Ok<PaymentStatement>, NotFound<ProblemDetailsLike>, BadRequest<ProblemDetailsLike>>> (
                string quarter, OutcomesReports reports, PaymentContract contract, CancellationToken ct) =>
            {
                if (!FinancialQuarter.TryParse(quarter, out var q, out var error)) return TypedResults.BadRequest(new ProblemDetailsLike("Not a quarter", error + ".", 400));
                var (statement, _, problems) = await reports.StatementAsync(contract, q, ct).ConfigureAwait(false);
                return statement is null
                    ? TypedResults.NotFound(new ProblemDetailsLike("No statement", problems.Count > 0 ? string.Join(" ", problems) : $"{q.Label} has no official run yet.", 404))
                    : TypedResults.Ok(statement.Statement);
            })
            .RequirePermission(Permission.PaymentRead).WithName("GetPaymentStatement").WithSummary("A quarter's payment statement from its official run.");

        // Issuing freezes a quarter's statement (its JSON and SHA-256); checking recomputes it from its run and contract.
        group.MapPost("/statement/{quarter}/issue", async Task<Results<Created<IssuedSummary>, Ok<IssuedSummary>, NotFound<ProblemDetailsLike>, BadRequest<ProblemDetailsLike>>> (
                string quarter, HttpContext http, IssuedStatements statements, PaymentContract contract, CancellationToken ct) =>
            {
                var caller = http.RequiredCaller();
                if (!FinancialQuarter.TryParse(quarter, out var q, out var error)) return TypedResults.BadRequest(new ProblemDetailsLike("Not a quarter", error + ".", 400));
                var result = await statements.IssueAsync(contract, PaymentContract.DefaultSha256(), q, caller.DisplayName, ct).ConfigureAwait(false);
                if (result.Statement is null) return TypedResults.NotFound(new ProblemDetailsLike("No statement", string.Join(" ", result.Problems), 404));
                var summary = IssuedSummary.From(result.Statement, result.AlreadyIssued);
                return result.AlreadyIssued ? TypedResults.Ok(summary) : TypedResults.Created($"/api/outcomes/statements/{result.Statement.Id}", summary);
            })
            .RequirePermission(Permission.PaymentRead).WithName("IssuePaymentStatement")
            .WithSummary("Issues the quarter's payment statement from its official run: stored with its SHA-256; issuing again from the same run returns the first (200).");

        group.MapGet("/statements", async (IssuedStatements statements, CancellationToken ct) =>
                TypedResults.Ok((await statements.ListAsync(ct).ConfigureAwait(false)).Select(s => IssuedSummary.From(s, false)).ToList()))
            .RequirePermission(Permission.PaymentRead).WithName("ListIssuedStatements").WithSummary("Every issued payment statement, newest first.");

        group.MapGet("/statements/{id:long}/check", async Task<Results<Ok<StatementCheckSummary>, NotFound<ProblemDetailsLike>>> (
                long id, IssuedStatements statements, PaymentContract contract, CancellationToken ct) =>
            {
                var check = await statements.CheckAsync(id, contract, PaymentContract.DefaultSha256(), ct).ConfigureAwait(false);
                return check is null
                    ? TypedResults.NotFound(new ProblemDetailsLike("No such statement", $"No payment statement {id} has been issued.", 404))
                    : TypedResults.Ok(new StatementCheckSummary(id, check.Statement.Sha256, check.ReproducedSha256, check.Reproduced, check.Explanation));
            })
            .RequirePermission(Permission.PaymentRead).WithName("CheckIssuedStatement")
            .WithSummary("Recomputes an issued statement from its run and contract and says whether it is reproduced byte for byte.");
    }

    /// <summary>"official" or "adhoc" (also "ad hoc", "ad-hoc"); empty means ad hoc.</summary>
    public static bool TryPurpose(string? text, out RunPurpose purpose)
    {
        var t = (text ?? "").Trim().Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        purpose = RunPurpose.Adhoc;
        if (t.Length == 0 || t.Equals("adhoc", StringComparison.OrdinalIgnoreCase)) return true;
        if (t.Equals("official", StringComparison.OrdinalIgnoreCase))
        {
            purpose = RunPurpose.Official;
            return true;
        }
        return false;
    }
}

/// <summary>An issued payment statement, without its JSON.</summary>
public sealed record IssuedSummary(long Id, string Quarter, long RunId, string Sha256, string ContractSha256, DateTime IssuedAt, string IssuedBy, bool AlreadyIssued)
{
    public static IssuedSummary From(IssuedStatement s, bool alreadyIssued) =>
        new(s.Id, s.Quarter, s.RunId, s.Sha256, s.ContractSha256, s.IssuedAt, s.IssuedBy, alreadyIssued);
}

/// <summary>Whether an issued statement is reproduced from its run and contract today.</summary>
public sealed record StatementCheckSummary(long Id, string IssuedSha256, string ReproducedSha256, bool Reproduced, string Explanation);

