namespace JoinedUp.Tests.Cli;

/// <summary>`joinedup payment` run as a process.</summary>
public class PaymentCliTests
{
    private static string Example => Path.Combine(AppContext.BaseDirectory, "payment-results-example.json");

    [Fact]
    public async Task Payment_validate_accepts_the_built_in_contract()
    {
        var run = await CliTests.Run(null, "payment", "validate");
        Assert.True(run.Exit == 0, run.Err);
        Assert.Contains("£33,000,000.00 a year, 10.00% at risk, 13 measures", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payment_statement_prints_lines_reasons_and_totals_and_a_what_if_difference()
    {
        var run = await CliTests.Run(null, "payment", "statement", "--results", Example);
        Assert.True(run.Exit == 0, run.Err);
        Assert.Contains("2026/27 Q1: 1 Apr 2026 to 30 Jun 2026", run.Out, StringComparison.Ordinal);
        Assert.Contains("Not scored: the result is suppressed (small numbers).", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"Pot at risk\s+£825,000\.00", run.Out);
        Assert.Matches(@"Expected\s+£660,000\.00", run.Out);

        // Diabetes control +2 points: 825,000 × 0.06 ÷ 0.90 (tell-story-once is suppressed, so weights are divided by 0.90)
        // × 0.80 × 0.02 ÷ 0.10 = £8,800.00 more earned; half of it paid, as the quarter is below expected.
        var whatIf = await CliTests.Run(null, "payment", "statement", "--results", Example, "--what-if", "diabetes-hba1c=+0.02");
        Assert.True(whatIf.Exit == 0, whatIf.Err);
        Assert.Contains("(+£8,800.00)", whatIf.Out, StringComparison.Ordinal);
        Assert.Contains("outcome payment +£4,400.00", whatIf.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Payment_statement_reports_bad_input_with_exit_code_2()
    {
        var contract = Path.Combine(Path.GetTempPath(), $"contract-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(contract, "{ \"name\": \"x\" }");
        try
        {
            var run = await CliTests.Run(null, "payment", "statement", "--contract", contract, "--results", Example);
            Assert.Equal(2, run.Exit);
            Assert.Contains("'measures' is missing", run.Err, StringComparison.Ordinal);
            var quarter = await CliTests.Run(null, "payment", "statement", "--results", Example, "--quarter", "Q7");
            Assert.Equal(2, quarter.Exit);
            Assert.Contains("Quarter 'Q7' is not in the contract", quarter.Err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(contract);
        }
    }
}
