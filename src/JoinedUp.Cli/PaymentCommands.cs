using System.CommandLine;
using System.Globalization;
using JoinedUp.Outcomes.Payments;

namespace JoinedUp.Cli;

/// <summary>`joinedup payment`: check a contract file and print a quarter's payment statement (with an optional what-if).</summary>
internal static class PaymentCommands
{
    private const int ExitBadInput = 2;

    public static Command Payment()
    {
        var payment = new Command("payment", "The outcomes contract's payment mechanism: validate a contract, print a quarter's payment statement.");

        var contractPath = new Argument<string?>("path") { Description = "Contract JSON file to check (default: the built-in contract).", Arity = ArgumentArity.ZeroOrOne };
        var validate = new Command("validate", "Check a contract file and list every problem in it.") { contractPath };
        validate.SetAction(async (parse, ct) =>
        {
            var (contract, code) = await LoadContract(parse.GetValue(contractPath), ct).ConfigureAwait(false);
            if (contract is null) return code;
            Console.WriteLine($"The contract is valid: {contract.Name}, {contract.FinancialYear}, {Money(contract.AnnualValue)} a year, "
                + $"{Pct(contract.ShareAtRisk)} at risk, {contract.Measures.Count} measures.");
            return 0;
        });

        var contractOption = new Option<string?>("--contract") { Description = "Contract JSON file (default: the built-in contract)." };
        var resultsOption = new Option<string>("--results") { Description = "Results JSON file: { \"quarter\": \"Q1\", \"results\": [ { \"measure\": \"urgent-2h\", \"numerator\": 412, \"denominator\": 1000 } ] }.", Required = true };
        var quarterOption = new Option<string?>("--quarter") { Description = "Quarter id, e.g. Q1 (default: the results file's \"quarter\")." };
        var whatIfOption = new Option<string[]>("--what-if")
        {
            Description = "Change a result and show the difference: measure=+0.02 (two percentage points higher) or measure=0.70 (a new rate). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var statement = new Command("statement", "Print a quarter's payment statement: each measure's result, points, money and reason, and the totals.")
        {
            contractOption, resultsOption, quarterOption, whatIfOption,
        };
        statement.SetAction(async (parse, ct) =>
        {
            var (contract, code) = await LoadContract(parse.GetValue(contractOption), ct).ConfigureAwait(false);
            if (contract is null) return code;
            var resultsFile = parse.GetValue(resultsOption)!;
            if (!File.Exists(resultsFile)) return BadInput($"The results file '{resultsFile}' does not exist.");
            var load = MeasureResultsFile.Parse(await File.ReadAllTextAsync(resultsFile, ct).ConfigureAwait(false), resultsFile);
            if (!load.Ok) return BadInput(load.Problems);
            var quarter = parse.GetValue(quarterOption) ?? load.Quarter;
            if (quarter is null) return BadInput("Say which quarter: --quarter Q1, or \"quarter\" in the results file.");
            var overrides = new List<ResultOverride>();
            var problems = new List<string>();
            foreach (var w in parse.GetValue(whatIfOption) ?? [])
            {
                if (ParseOverride(w) is { } o) overrides.Add(o);
                else problems.Add($"--what-if '{w}' is not measure=+0.02 or measure=0.70.");
            }
            if (problems.Count > 0) return BadInput(problems);
            if (overrides.Count == 0)
            {
                var calc = PaymentCalculator.Calculate(contract, quarter, load.Results);
                if (!calc.Ok) return BadInput(calc.Problems);
                Print(contract, calc.Statement!);
                return 0;
            }
            var whatIf = PaymentCalculator.WhatIf(contract, quarter, load.Results, overrides);
            if (!whatIf.Ok) return BadInput(whatIf.Problems);
            PrintWhatIf(contract, whatIf.WhatIf!);
            return 0;
        });

        payment.Subcommands.Add(validate);
        payment.Subcommands.Add(statement);
        return payment;
    }

    private static async Task<(PaymentContract? Contract, int Code)> LoadContract(string? path, CancellationToken ct)
    {
        ContractLoad load;
        if (path is null) load = PaymentContract.LoadDefault();
        else if (!File.Exists(path)) return (null, BadInput($"The contract file '{path}' does not exist."));
        else load = PaymentContract.Parse(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false), path);
        return load.Ok ? (load.Contract, 0) : (null, BadInput(load.Problems));
    }

    private static ResultOverride? ParseOverride(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1) return null;
        var id = text[..eq].Trim();
        var value = text[(eq + 1)..].Trim();
        if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return null;
        return value[0] is '+' or '-' ? new ResultOverride(id, Change: number) : new ResultOverride(id, NewRate: number);
    }

    private static void Print(PaymentContract contract, PaymentStatement s)
    {
        Console.WriteLine($"Payment statement: {s.ContractName}");
        Console.WriteLine($"{s.FinancialYear} {s.Quarter.Id}: {s.Quarter.Start:d MMM yyyy} to {s.Quarter.End:d MMM yyyy}, due {s.Quarter.StatementDue:d MMM yyyy}. Amounts in {s.Currency}.");
        Console.WriteLine();
        Console.WriteLine($"{"Measure",-26} {"Result",9} {"Points",8} {"Weighted",9} {"Money",15}");
        foreach (var l in s.Lines)
        {
            var result = l.Rate is { } r ? Rate(contract, l.MeasureId, r) : "-";
            Console.WriteLine($"{Trim(l.MeasureId, 26),-26} {result,9} {Pct(l.PointsShare),8} {Pct(l.WeightedPoints),9} {Money(l.Money),15}");
            Console.WriteLine($"    {l.Reason}");
        }
        Console.WriteLine();
        Row("Quarter value", s.QuarterValue);
        Row("Core payment (not at risk)", s.CorePayment);
        Row("Pot at risk", s.Pot);
        Row($"Earned ({Pct(s.WeightedPoints)} of points)", s.Earned);
        Row("Expected", s.Expected);
        Row(s.Difference >= 0m ? "Gain (earned - expected)" : "Loss (earned - expected)", s.Difference);
        Row($"Shared at {Pct(s.ShareRate)}", s.SharedBeforeLimit);
        Row(s.LimitApplied switch { SharingLimit.Cap => "After the cap", SharingLimit.Collar => "After the collar", _ => "After cap/collar (none applied)" }, s.SharedAfterLimit);
        Row("Outcome payment", s.OutcomePayment);
        Row("Total payment for the quarter", s.TotalPayment);
        foreach (var n in s.Notes) Console.WriteLine($"Note: {n}");
    }

    private static void PrintWhatIf(PaymentContract contract, PaymentWhatIf w)
    {
        Console.WriteLine("WHAT-IF");
        Print(contract, w.Scenario);
        Console.WriteLine();
        Console.WriteLine("Difference from the statement as measured:");
        foreach (var l in w.Lines.Where(l => l.Difference != 0m || l.BaselineRate != l.ScenarioRate))
        {
            Console.WriteLine($"  {l.MeasureId}: {(l.BaselineRate is { } b ? Rate(contract, l.MeasureId, b) : "-")} -> {(l.ScenarioRate is { } s ? Rate(contract, l.MeasureId, s) : "-")}, {Money(l.BaselineMoney)} -> {Money(l.ScenarioMoney)} ({Signed(l.Difference)})");
        }
        Console.WriteLine($"  Earned {Signed(w.EarnedDifference)}; shared gain/loss {Signed(w.SharedDifference)}; outcome payment {Signed(w.OutcomePaymentDifference)}; total {Signed(w.TotalPaymentDifference)}.");
    }

    private static string Rate(PaymentContract contract, string measureId, decimal rate) =>
        PaymentContract.FormatRate(rate, contract.Measure(measureId)?.Display ?? RateDisplay.Percent);

    private static void Row(string label, decimal amount) => Console.WriteLine($"{label,-40} {Money(amount),18}");

    private static string Trim(string text, int width) => text.Length <= width ? text : text[..(width - 1)] + "~";

    private static string Pct(decimal fraction) => Math.Round(fraction * 100m, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string Money(decimal amount) => (amount < 0m ? "-£" : "£") + Math.Abs(amount).ToString("#,##0.00", CultureInfo.InvariantCulture);

    private static string Signed(decimal amount) => (amount > 0m ? "+" : "") + Money(amount);

    private static int BadInput(string message) => BadInput([message]);

    private static int BadInput(IEnumerable<string> problems)
    {
        foreach (var p in problems) Console.Error.WriteLine($"error: {p}");
        return ExitBadInput;
    }
}
