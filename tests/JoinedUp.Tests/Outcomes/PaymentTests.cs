using JoinedUp.Outcomes.Payments;

namespace JoinedUp.Tests.Outcomes;

/// <summary>
/// The payment mechanism's arithmetic on hand-worked examples. The test contract (<see cref="ContractJson"/>) is the seeds' £33m a
/// year with 10% at risk, so every quarter: value V = 33,000,000 ÷ 4 = £8,250,000.00; pot P = 33,000,000 × 0.10 ÷ 4 = £825,000.00;
/// core payment C = £7,425,000.00; expected X = 825,000 × 0.80 = £660,000.00. Three measures (default curve: floor 0, target 80%,
/// stretch 100% of points):
/// <list type="bullet">
/// <item>A "urgent-2h", weight 0.40, higher is better, floor 30%, target 50%, stretch 60%: full points = 825,000 × 0.40 = £330,000.</item>
/// <item>B "diabetes-hba1c", weight 0.35, higher is better, floor 50%, target 65%, stretch 75%: full points = £288,750.</item>
/// <item>C "readmissions", weight 0.25, lower is better, floor 20%, target 15%, stretch 10%: full points = £206,250.</item>
/// </list>
/// At target: A £264,000 + B £231,000 + C £165,000 = £660,000 = X. Gain share 50% capped at £50,000; loss share 50% collared at £100,000.
/// </summary>
public class PaymentTests
{
    private const string ContractJson = """
        {
          "name": "Test contract",
          "financialYear": "2026/27",
          "currency": "GBP",
          "annualValue": 33000000.00,
          "shareAtRisk": 0.10,
          "rounding": { "decimalPlaces": 2, "midpoint": "away-from-zero" },
          "pointsAtTarget": 0.80,
          "sharing": { "expectedShareOfPoints": 0.80, "gainShare": 0.50, "lossShare": 0.50, "gainCap": 50000.00, "lossCollar": 100000.00 },
          "notScored": "redistribute",
          "quarters": [
            { "id": "Q1", "start": "2026-04-01", "end": "2026-06-30", "statementDue": "2026-07-31" },
            { "id": "Q2", "start": "2026-07-01", "end": "2026-09-30", "statementDue": "2026-10-31" },
            { "id": "Q3", "start": "2026-10-01", "end": "2026-12-31", "statementDue": "2027-01-31" },
            { "id": "Q4", "start": "2027-01-01", "end": "2027-03-31", "statementDue": "2027-04-30" }
          ],
          "measures": [
            { "id": "urgent-2h", "name": "Urgent referrals seen within 2 hours", "domain": "access", "weight": 0.40,
              "direction": "higher-is-better", "floor": 0.30, "target": 0.50, "stretch": 0.60 },
            { "id": "diabetes-hba1c", "name": "Diabetes: HbA1c 58 or less", "domain": "quality", "weight": 0.35,
              "direction": "higher-is-better", "floor": 0.50, "target": 0.65, "stretch": 0.75 },
            { "id": "readmissions", "name": "Readmitted within 30 days", "domain": "outcomes", "weight": 0.25,
              "direction": "lower-is-better", "floor": 0.20, "target": 0.15, "stretch": 0.10 }
          ]
        }
        """;

    private static PaymentContract Contract(string json = ContractJson)
    {
        var load = PaymentContract.Parse(json, "test contract");
        Assert.Empty(load.Problems);
        return load.Contract!;
    }

    private static MeasureResult A(decimal n, decimal d) => new("urgent-2h", n, d);

    private static MeasureResult B(decimal n, decimal d) => new("diabetes-hba1c", n, d);

    private static MeasureResult C(decimal n, decimal d) => new("readmissions", n, d);

    private static PaymentStatement Statement(params MeasureResult[] results) => Statement(Contract(), results);

    private static PaymentStatement Statement(PaymentContract contract, params MeasureResult[] results)
    {
        var calc = PaymentCalculator.Calculate(contract, "Q1", results);
        Assert.Empty(calc.Problems);
        return calc.Statement!;
    }

    private static StatementLine Line(PaymentStatement s, string id) => s.Lines.Single(l => l.MeasureId == id);

    // ------------------------------------------------------------------ the shipped contract

    [Fact]
    public void Shipped_contract_loads_with_no_problems_and_puts_a_tenth_of_33m_at_risk()
    {
        var load = PaymentContract.LoadDefault();
        Assert.Empty(load.Problems);
        var contract = load.Contract!;
        Assert.Equal(33_000_000.00m, contract.AnnualValue);
        Assert.Equal(1m, contract.Measures.Sum(m => m.Weight));
        Assert.Equal(5, contract.Measures.Select(m => m.Domain).Distinct().Count());
        Assert.Equal(4, contract.Quarters.Count);

        // Every measure exactly at target: each earns 80% of its points, so earned = expected and there is nothing to share.
        var results = contract.Measures.Select(m => new MeasureResult(m.Id, m.Target * 10_000m, 10_000m));
        var s = PaymentCalculator.Calculate(contract, "Q2", results).Statement!;
        Assert.Equal(825_000.00m, s.Pot);
        Assert.Equal(7_425_000.00m, s.CorePayment);
        Assert.Equal(660_000.00m, s.Expected);
        Assert.Equal(660_000.00m, s.Earned);
        Assert.Equal(8_085_000.00m, s.TotalPayment);
    }

    // ------------------------------------------------------------------ the curve

    [Fact]
    public void Measure_exactly_at_floor_earns_nothing()
    {
        // A = 30/100 = 30% = the floor: share 0 → £0.00.
        var s = Statement(A(30, 100), B(65, 100), C(15, 100));
        var a = Line(s, "urgent-2h");
        Assert.Equal(0m, a.PointsShare);
        Assert.Equal(0.00m, a.Money);
        Assert.Equal("30.0% is at the floor: no points.", a.Reason);
    }

    [Fact]
    public void Measure_below_floor_earns_nothing()
    {
        var a = Line(Statement(A(10, 100), B(65, 100), C(15, 100)), "urgent-2h");
        Assert.Equal(0.00m, a.Money);
        Assert.Equal("10.0% is below the floor 30.0%: no points.", a.Reason);
    }

    [Fact]
    public void Measure_at_target_earns_the_target_share_of_points()
    {
        // A = 50% = target: share 0.80 → 825,000 × 0.40 × 0.80 = £264,000.00.
        var a = Line(Statement(A(50, 100), B(65, 100), C(15, 100)), "urgent-2h");
        Assert.Equal(0.80m, a.PointsShare);
        Assert.Equal(0.32m, a.WeightedPoints);
        Assert.Equal(264_000.00m, a.Money);
        Assert.Equal("50.0% meets the target: 80.0% of points.", a.Reason);
    }

    [Fact]
    public void Measure_at_stretch_earns_all_its_points()
    {
        // A = 60% = stretch: share 1 → 825,000 × 0.40 = £330,000.00.
        var a = Line(Statement(A(60, 100), B(65, 100), C(15, 100)), "urgent-2h");
        Assert.Equal(1m, a.PointsShare);
        Assert.Equal(330_000.00m, a.Money);
        Assert.Equal("60.0% meets the stretch: all points.", a.Reason);
    }

    [Fact]
    public void Measure_above_stretch_is_capped_at_all_its_points()
    {
        var a = Line(Statement(A(95, 100), B(65, 100), C(15, 100)), "urgent-2h");
        Assert.Equal(1m, a.PointsShare);
        Assert.Equal(330_000.00m, a.Money);
        Assert.Equal("95.0% is beyond the stretch 60.0%: all points (capped at 100%).", a.Reason);
    }

    [Fact]
    public void Between_floor_and_target_the_share_is_interpolated()
    {
        // A = 412/1000 = 41.2%: share = 0.80 × (0.412 − 0.30) ÷ (0.50 − 0.30) = 0.80 × 0.56 = 0.448 → 330,000 × 0.448 = £147,840.00.
        var a = Line(Statement(A(412, 1000), B(65, 100), C(15, 100)), "urgent-2h");
        Assert.Equal(0.448m, a.PointsShare);
        Assert.Equal(147_840.00m, a.Money);
        Assert.Equal("41.2% is between the floor 30.0% and the target 50.0%: 44.8% of points.", a.Reason);
    }

    [Fact]
    public void Between_target_and_stretch_the_share_is_interpolated()
    {
        // A = 55%: share = 0.80 + 0.20 × (0.55 − 0.50) ÷ 0.10 = 0.90 → 330,000 × 0.90 = £297,000.00.
        var a = Line(Statement(A(55, 100), B(65, 100), C(15, 100)), "urgent-2h");
        Assert.Equal(0.90m, a.PointsShare);
        Assert.Equal(297_000.00m, a.Money);
    }

    [Fact]
    public void Interpolation_of_a_recurring_rate_is_exact_to_the_penny()
    {
        // B = 7/12 = 58.333…%: share = 0.80 × (7/12 − 0.50) ÷ 0.15 = 0.80 × (1/12) ÷ 0.15 = 4/9 = 0.444…
        // money = 288,750 × 4/9 = 128,333.333… → £128,333.33.
        // A = 1/3: share = 0.80 × (1/3 − 0.30) ÷ 0.20 = 0.80 × 1/6 = 2/15 → 330,000 × 2/15 = 44,000 (the decimal quotient is
        // 43,999.99999…96, which rounds to £44,000.00: rounding only at the money keeps it right).
        var s = Statement(A(1, 3), B(7, 12), C(15, 100));
        Assert.Equal(128_333.33m, Line(s, "diabetes-hba1c").Money);
        Assert.Equal(44_000.00m, Line(s, "urgent-2h").Money);
        // Earned = 44,000.00 + 128,333.33 + 165,000.00 = 337,333.33: the sum of the lines.
        Assert.Equal(337_333.33m, s.Earned);
    }

    [Fact]
    public void Lower_is_better_measure_earns_more_as_its_rate_falls()
    {
        // C between floor 20% and target 15%: 16.25% → share = 0.80 × (0.1625 − 0.20) ÷ (0.15 − 0.20) = 0.80 × 0.75 = 0.60
        // → 206,250 × 0.60 = £123,750.00.
        var between = Line(Statement(A(50, 100), B(65, 100), C(1625, 10000)), "readmissions");
        Assert.Equal(0.60m, between.PointsShare);
        Assert.Equal(123_750.00m, between.Money);
        Assert.Equal("16.25% is between the floor 20.0% and the target 15.0%: 60.0% of points.", between.Reason);

        // 12.5%, between target and stretch: 0.80 + 0.20 × (0.125 − 0.15) ÷ (0.10 − 0.15) = 0.90 → £185,625.00.
        Assert.Equal(185_625.00m, Line(Statement(A(50, 100), B(65, 100), C(125, 1000)), "readmissions").Money);

        // 25% is worse than the floor (above it): nothing. 8% is better than the stretch: all £206,250.00.
        var worse = Line(Statement(A(50, 100), B(65, 100), C(25, 100)), "readmissions");
        Assert.Equal(0.00m, worse.Money);
        Assert.Equal("25.0% is above the floor 20.0%: no points.", worse.Reason);
        Assert.Equal(206_250.00m, Line(Statement(A(50, 100), B(65, 100), C(8, 100)), "readmissions").Money);
    }

    [Fact]
    public void A_measure_with_its_own_curve_interpolates_between_its_breakpoints()
    {
        // Curve (0.30, 0), (0.40, 0.20), (0.50, 0.80), (0.60, 1). A = 45%: 0.20 + 0.60 × (0.45 − 0.40) ÷ 0.10 = 0.50
        // → 330,000 × 0.50 = £165,000.00.
        var json = ContractJson.Replace("\"floor\": 0.30, \"target\": 0.50, \"stretch\": 0.60 }",
            "\"floor\": 0.30, \"target\": 0.50, \"stretch\": 0.60, \"curve\": [ { \"value\": 0.30, \"share\": 0 }, { \"value\": 0.40, \"share\": 0.20 }, { \"value\": 0.50, \"share\": 0.80 }, { \"value\": 0.60, \"share\": 1 } ] }",
            StringComparison.Ordinal);
        var a = Line(Statement(Contract(json), A(45, 100), B(65, 100), C(15, 100)), "urgent-2h");
        Assert.Equal(0.50m, a.PointsShare);
        Assert.Equal(165_000.00m, a.Money);
        Assert.Equal("45.0% is between the breakpoint 40.0% and the target 50.0%: 50.0% of points.", a.Reason);
    }

    // ------------------------------------------------------------------ risk and benefit sharing

    [Fact]
    public void Everything_at_target_earns_expected_and_shares_nothing()
    {
        var s = Statement(A(50, 100), B(65, 100), C(15, 100));
        Assert.Equal(660_000.00m, s.Earned);
        Assert.Equal(0.00m, s.Difference);
        Assert.Equal(SharingLimit.None, s.LimitApplied);
        Assert.Equal(660_000.00m, s.OutcomePayment);
        Assert.Equal(8_085_000.00m, s.TotalPayment);
    }

    [Fact]
    public void Gain_is_shared_at_the_gain_share_under_the_cap()
    {
        // A at stretch £330,000 + B £231,000 + C £165,000 = £726,000; D = 726,000 − 660,000 = £66,000;
        // shared 50% = £33,000 (under the £50,000 cap); outcome payment = 660,000 + 33,000 = £693,000; total = 7,425,000 + 693,000.
        var s = Statement(A(60, 100), B(65, 100), C(15, 100));
        Assert.Equal(726_000.00m, s.Earned);
        Assert.Equal(66_000.00m, s.Difference);
        Assert.Equal(0.50m, s.ShareRate);
        Assert.Equal(33_000.00m, s.SharedBeforeLimit);
        Assert.Equal(SharingLimit.None, s.LimitApplied);
        Assert.Equal(693_000.00m, s.OutcomePayment);
        Assert.Equal(8_118_000.00m, s.TotalPayment);
    }

    [Fact]
    public void Gain_above_the_cap_is_cut_to_the_cap()
    {
        // All at stretch: earned = the whole pot £825,000; D = £165,000; 50% = £82,500 > cap £50,000 → £50,000;
        // outcome payment = 660,000 + 50,000 = £710,000.
        var s = Statement(A(60, 100), B(75, 100), C(10, 100));
        Assert.Equal(825_000.00m, s.Earned);
        Assert.Equal(82_500.00m, s.SharedBeforeLimit);
        Assert.Equal(SharingLimit.Cap, s.LimitApplied);
        Assert.Equal(50_000.00m, s.SharedAfterLimit);
        Assert.Equal(710_000.00m, s.OutcomePayment);
        Assert.Contains(s.Notes, n => n.Contains("cut to the cap of £50,000.00", StringComparison.Ordinal));
    }

    [Fact]
    public void Loss_is_borne_at_the_loss_share_within_the_collar()
    {
        // A = 40%: share = 0.80 × 0.10 ÷ 0.20 = 0.40 → £132,000; earned = 132,000 + 231,000 + 165,000 = £528,000;
        // D = −£132,000; provider bears 50% = −£66,000 (within the £100,000 collar); outcome payment = 660,000 − 66,000 = £594,000.
        var s = Statement(A(40, 100), B(65, 100), C(15, 100));
        Assert.Equal(528_000.00m, s.Earned);
        Assert.Equal(-132_000.00m, s.Difference);
        Assert.Equal(-66_000.00m, s.SharedBeforeLimit);
        Assert.Equal(SharingLimit.None, s.LimitApplied);
        Assert.Equal(594_000.00m, s.OutcomePayment);
        Assert.Equal(8_019_000.00m, s.TotalPayment);
    }

    [Fact]
    public void Loss_beyond_the_collar_is_cut_to_the_collar()
    {
        // All at floor: earned £0; D = −£660,000; 50% = −£330,000, beyond the £100,000 collar → −£100,000;
        // outcome payment = 660,000 − 100,000 = £560,000.
        var s = Statement(A(30, 100), B(50, 100), C(20, 100));
        Assert.Equal(0.00m, s.Earned);
        Assert.Equal(-330_000.00m, s.SharedBeforeLimit);
        Assert.Equal(SharingLimit.Collar, s.LimitApplied);
        Assert.Equal(-100_000.00m, s.SharedAfterLimit);
        Assert.Equal(560_000.00m, s.OutcomePayment);
        Assert.Equal(7_985_000.00m, s.TotalPayment);
    }

    // ------------------------------------------------------------------ not scored

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_measure_not_scored_has_its_weight_redistributed_pro_rata(bool suppressed, bool missing)
    {
        // A not scored (denominator 0, suppressed, or no result): scored weight W = 0.35 + 0.25 = 0.60.
        // B at stretch: 825,000 × 0.35 × 1 ÷ 0.60 = £481,250.00; C at target: 825,000 × 0.25 × 0.80 ÷ 0.60 = £275,000.00.
        // Earned £756,250; D = £96,250; 50% = £48,125 (under the cap); outcome payment = £708,125.
        MeasureResult[] results = missing ? [B(75, 100), C(15, 100)]
            : [new MeasureResult("urgent-2h", suppressed ? 3 : 0, suppressed ? 4 : 0, suppressed), B(75, 100), C(15, 100)];
        var s = Statement(results);
        var a = Line(s, "urgent-2h");
        Assert.False(a.Scored);
        Assert.Equal(0.00m, a.Money);
        Assert.Contains(suppressed ? "suppressed" : missing ? "no result was supplied" : "denominator is 0", a.Reason, StringComparison.Ordinal);
        Assert.Contains("shared pro rata", a.Reason, StringComparison.Ordinal);
        Assert.Equal(481_250.00m, Line(s, "diabetes-hba1c").Money);
        Assert.Equal(275_000.00m, Line(s, "readmissions").Money);
        Assert.Equal(756_250.00m, s.Earned);
        Assert.Equal(48_125.00m, s.SharedAfterLimit);
        Assert.Equal(708_125.00m, s.OutcomePayment);
    }

    [Fact]
    public void Under_score_at_target_a_measure_not_scored_is_paid_as_at_target()
    {
        // A paid at target £264,000; B at stretch £288,750; C at target £165,000: earned £717,750; D = £57,750;
        // 50% = £28,875; outcome payment = £688,875.
        var contract = Contract(ContractJson.Replace("\"redistribute\"", "\"score-at-target\"", StringComparison.Ordinal));
        var s = Statement(contract, new MeasureResult("urgent-2h", 0, 0), B(75, 100), C(15, 100));
        Assert.Equal(264_000.00m, Line(s, "urgent-2h").Money);
        Assert.Equal(717_750.00m, s.Earned);
        Assert.Equal(688_875.00m, s.OutcomePayment);
    }

    [Fact]
    public void When_no_measure_can_be_scored_the_pot_is_paid_at_expected()
    {
        var s = Statement(new MeasureResult("urgent-2h", 0, 0));
        Assert.Equal(660_000.00m, s.Earned);
        Assert.Equal(660_000.00m, s.OutcomePayment);
    }

    // ------------------------------------------------------------------ rounding

    /// <summary>£400 a year, 10% at risk: quarter £100.00, pot £10.00, core £90.00; one measure (weight 1) whose curve is the rate
    /// itself (floor 0, target 0.5 at half the points, stretch 1); expected = 10 × 0.5 = £5.00; gain and loss shared 50%.</summary>
    private static PaymentContract TinyContract(string midpoint) => Contract($$"""
        {
          "name": "Tiny", "financialYear": "2026/27", "currency": "GBP", "annualValue": 400.00, "shareAtRisk": 0.10,
          "rounding": { "decimalPlaces": 2, "midpoint": "{{midpoint}}" }, "pointsAtTarget": 0.5,
          "sharing": { "expectedShareOfPoints": 0.5, "gainShare": 0.5, "lossShare": 0.5, "gainCap": 100.00, "lossCollar": 100.00 },
          "notScored": "redistribute",
          "quarters": [
            { "id": "Q1", "start": "2026-04-01", "end": "2026-06-30", "statementDue": "2026-07-31" },
            { "id": "Q2", "start": "2026-07-01", "end": "2026-09-30", "statementDue": "2026-10-31" },
            { "id": "Q3", "start": "2026-10-01", "end": "2026-12-31", "statementDue": "2027-01-31" },
            { "id": "Q4", "start": "2027-01-01", "end": "2027-03-31", "statementDue": "2027-04-30" }
          ],
          "measures": [ { "id": "m", "name": "M", "domain": "quality", "weight": 1, "direction": "higher-is-better", "floor": 0, "target": 0.5, "stretch": 1 } ]
        }
        """);

    [Theory]
    [InlineData("away-from-zero", 0.13, 2.56)]
    [InlineData("to-even", 0.12, 2.56)]
    public void A_line_on_the_half_penny_is_rounded_as_the_contract_says(string midpoint, double lineMoney, double outcome)
    {
        // Rate 1/80 = 0.0125 → share 0.0125 → 10.00 × 0.0125 = £0.125 exactly: away from zero £0.13, to even £0.12.
        // Away: D = 0.13 − 5.00 = −4.87 → × 0.5 = −2.435 → −£2.44 → outcome 5.00 − 2.44 = £2.56.
        // To even: D = −4.88 → −£2.44 → £2.56.
        var s = Statement(TinyContract(midpoint), new MeasureResult("m", 1, 80));
        Assert.Equal(10.00m, s.Pot);
        Assert.Equal(90.00m, s.CorePayment);
        Assert.Equal((decimal)lineMoney, s.Lines[0].Money);
        Assert.Equal((decimal)outcome, s.OutcomePayment);
    }

    [Theory]
    [InlineData("away-from-zero", -2.13, 2.87)]
    [InlineData("to-even", -2.12, 2.88)]
    public void A_shared_loss_on_the_half_penny_is_rounded_away_from_zero(string midpoint, double shared, double outcome)
    {
        // Rate 3/40 = 0.075 → £0.75; D = 0.75 − 5.00 = −4.25 → × 0.5 = −2.125: away from zero −£2.13 (outcome £2.87);
        // to even −£2.12 (outcome £2.88).
        var s = Statement(TinyContract(midpoint), new MeasureResult("m", 3, 40));
        Assert.Equal(0.75m, s.Earned);
        Assert.Equal(-4.25m, s.Difference);
        Assert.Equal((decimal)shared, s.SharedBeforeLimit);
        Assert.Equal((decimal)outcome, s.OutcomePayment);
    }

    // ------------------------------------------------------------------ what-if

    [Fact]
    public void What_if_diabetes_control_rose_two_points()
    {
        // Baseline: A £264,000.00; B 7/12 → £128,333.33 (above); C £165,000.00. Earned £557,333.33; D = −£102,666.67;
        // × 0.5 = −51,333.335 → −£51,333.34 (half a penny, away from zero); outcome 660,000 − 51,333.34 = £608,666.66.
        // What-if B + 0.02: 0.6033…: share = 0.80 × (0.1033…) ÷ 0.15 = 0.5511… → 288,750 × 0.5511… = 159,133.333… → £159,133.33
        // (+£30,800.00 = 288,750 × 0.80 × 0.02 ÷ 0.15). Earned £588,133.33; D = −£71,866.67; × 0.5 = −35,933.335 → −£35,933.34;
        // outcome £624,066.66: +£15,400.00.
        var calc = PaymentCalculator.WhatIf(Contract(), "Q1", [A(50, 100), B(7, 12), C(15, 100)],
            [new ResultOverride("diabetes-hba1c", Change: 0.02m)]);
        Assert.Empty(calc.Problems);
        var w = calc.WhatIf!;
        Assert.Equal(608_666.66m, w.Baseline.OutcomePayment);
        Assert.Equal(8_033_666.66m, w.Baseline.TotalPayment);
        Assert.Equal("58.33% is between the floor 50.0% and the target 65.0%: 44.44% of points.", Line(w.Baseline, "diabetes-hba1c").Reason);
        Assert.Equal(-51_333.34m, w.Baseline.SharedAfterLimit);
        Assert.Equal(624_066.66m, w.Scenario.OutcomePayment);
        var b = w.Lines.Single(l => l.MeasureId == "diabetes-hba1c");
        Assert.Equal(128_333.33m, b.BaselineMoney);
        Assert.Equal(159_133.33m, b.ScenarioMoney);
        Assert.Equal(30_800.00m, b.Difference);
        Assert.All(w.Lines.Where(l => l.MeasureId != "diabetes-hba1c"), l => Assert.Equal(0m, l.Difference));
        Assert.Equal(30_800.00m, w.EarnedDifference);
        Assert.Equal(15_400.00m, w.SharedDifference);
        Assert.Equal(15_400.00m, w.OutcomePaymentDifference);
        Assert.Equal(15_400.00m, w.TotalPaymentDifference);
        Assert.EndsWith("(what-if: rate changed by +2.0 percentage points)", Line(w.Scenario, "diabetes-hba1c").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void What_if_can_set_a_rate_for_a_measure_that_was_not_scored()
    {
        // A not scored → baseline B £481,250 (stretch, ÷ 0.60), C £275,000; what-if A = 50% scores it at target and the weights go back.
        var calc = PaymentCalculator.WhatIf(Contract(), "Q1", [B(75, 100), C(15, 100)], [new ResultOverride("urgent-2h", NewRate: 0.50m)]);
        var w = calc.WhatIf!;
        Assert.Equal(756_250.00m, w.Baseline.Earned);
        Assert.Equal(264_000.00m + 288_750.00m + 165_000.00m, w.Scenario.Earned);
        Assert.Equal(-192_500.00m, w.Lines.Single(l => l.MeasureId == "diabetes-hba1c").Difference);
    }

    [Fact]
    public void What_if_and_statement_report_bad_input_without_throwing()
    {
        var contract = Contract();
        var calc = PaymentCalculator.WhatIf(contract, "Q9", [A(5, 4), new MeasureResult("nope", 1, 2), B(-1, 10), B(1, 2)],
            [new ResultOverride("readmissions", Change: 0.01m), new ResultOverride("urgent-2h"), new ResultOverride("x", 0.1m)]);
        Assert.Null(calc.WhatIf);
        Assert.Contains(calc.Problems, p => p.StartsWith("Quarter 'Q9' is not in the contract", StringComparison.Ordinal));
        Assert.Contains(calc.Problems, p => p.Contains("a percentage cannot exceed 100%", StringComparison.Ordinal));
        Assert.Contains(calc.Problems, p => p.Contains("'nope': not a measure", StringComparison.Ordinal));
        Assert.Contains(calc.Problems, p => p.Contains("cannot be negative", StringComparison.Ordinal));
        Assert.Contains(calc.Problems, p => p.Contains("not scored this quarter", StringComparison.Ordinal));
        Assert.Contains(calc.Problems, p => p.Contains("not neither", StringComparison.Ordinal));
        Assert.Contains(calc.Problems, p => p.Contains("'x' is not a measure", StringComparison.Ordinal));
        Assert.Contains(PaymentCalculator.Calculate(contract, "Q1", [A(1, 2), A(1, 2)]).Problems, p => p.Contains("more than once", StringComparison.Ordinal));
        var numeric = Contract(ContractJson.Replace("\"direction\": \"lower-is-better\"", "\"direction\": \"lower-is-better\", \"display\": \"number\"", StringComparison.Ordinal));
        Assert.Contains(PaymentCalculator.Calculate(numeric, "Q1", [new MeasureResult("readmissions", decimal.MaxValue, 0.0001m)]).Problems,
            p => p.Contains("too large a rate", StringComparison.Ordinal));
    }

    // ------------------------------------------------------------------ validation

    public static TheoryData<string, string, string> BrokenContracts => new()
    {
        { "\"weight\": 0.40", "\"weight\": 0.35", "the weights add up to 95%, not 100%" },
        { "\"floor\": 0.30, \"target\": 0.50", "\"floor\": 0.55, \"target\": 0.50", "higher is better, so they must rise: floor < target < stretch" },
        { "\"floor\": 0.20, \"target\": 0.15", "\"floor\": 0.12, \"target\": 0.15", "lower is better, so they must fall: floor > target > stretch" },
        { "\"stretch\": 0.60 }", "\"stretch\": 0.60, \"curve\": [ { \"value\": 0.30, \"share\": 0 }, { \"value\": 0.55, \"share\": 0.5 }, { \"value\": 0.50, \"share\": 0.8 }, { \"value\": 0.60, \"share\": 1 } ] }", "curve breakpoints 2 (0.55) and 3 (0.50) are not monotonic" },
        { "\"stretch\": 0.60 }", "\"stretch\": 0.60, \"curve\": [ { \"value\": 0.30, \"share\": 0 }, { \"value\": 0.40, \"share\": 0.9 }, { \"value\": 0.50, \"share\": 0.8 }, { \"value\": 0.60, \"share\": 1 } ] }", "curve share falls from 0.9" },
        { "\"stretch\": 0.60 }", "\"stretch\": 0.60, \"curve\": [ { \"value\": 0.35, \"share\": 0 }, { \"value\": 0.50, \"share\": 0.8 }, { \"value\": 0.60, \"share\": 1 } ] }", "the curve must start at the floor (0.30) with share 0" },
        { "\"stretch\": 0.60 }", "\"stretch\": 0.60, \"curve\": [ { \"value\": 0.30, \"share\": 0 }, { \"value\": 0.45, \"share\": 0.8 }, { \"value\": 0.60, \"share\": 1 } ] }", "no breakpoint at the target (0.50)" },
        { "\"annualValue\": 33000000.00", "\"annualValue\": -33000000.00", "'annualValue' is -33000000.00; it cannot be negative" },
        { "\"weight\": 0.35", "\"weight\": -0.35", "'weight' is -0.35; it cannot be negative" },
        { "\"domain\": \"quality\"", "\"domain\": \"wellbeing\"", "domain 'wellbeing' is not known; use one of access, integration, quality, personalisation, outcomes" },
        { "\"id\": \"readmissions\"", "\"id\": \"urgent-2h\"", "measure id 'urgent-2h' appears more than once" },
        { "\"start\": \"2026-07-01\"", "\"start\": \"2026-06-15\"", "Q2 starts 2026-06-15, overlapping Q1 which ends 2026-06-30; start Q2 on 2026-07-01" },
        { "\"start\": \"2026-10-01\"", "\"start\": \"2026-10-08\"", "there is a gap between Q2 (ends 2026-09-30) and Q3 (starts 2026-10-08)" },
        { "\"start\": \"2026-04-01\"", "\"start\": \"2026-04-02\"", "the first quarter starts 2026-04-02; financial year 2026/27 starts 2026-04-01" },
        { "\"statementDue\": \"2026-07-31\"", "\"statementDue\": \"2026-06-01\"", "statementDue 2026-06-01 must be after the quarter ends" },
        { "{ \"id\": \"Q4\", \"start\": \"2027-01-01\", \"end\": \"2027-03-31\", \"statementDue\": \"2027-04-30\" }", "", "not valid JSON" },
        { ",\n    { \"id\": \"Q4\", \"start\": \"2027-01-01\", \"end\": \"2027-03-31\", \"statementDue\": \"2027-04-30\" }", "", "exactly 4 quarters" },
        { "\"shareAtRisk\": 0.10", "\"shareAtRisk\": 1.10", "'shareAtRisk' is 1.10; it must be more than 0 to 1" },
        { "\"gainCap\": 50000.00", "\"gainCap\": 50000.005", "has fractions of a penny" },
        { "\"midpoint\": \"away-from-zero\"", "\"midpoint\": \"up\"", "midpoint 'up' is not known" },
        { "\"currency\": \"GBP\"", "\"currency\": \"EUR\"", "currency 'EUR' is not supported" },
        { "\"notScored\": \"redistribute\"", "\"notScored\": \"ignore\"", "notScored 'ignore' is not known" },
        { "\"financialYear\": \"2026/27\"", "\"financialYear\": \"2026\"", "financialYear '2026' is not a financial year" },
        { "\"direction\": \"lower-is-better\"", "\"direction\": \"down\"", "direction 'down' is not known" },
        { "\"pointsAtTarget\": 0.80", "\"pointsAtTarget\": 0.80, \"bonus\": 1", "unknown property 'bonus'" },
        { "\"name\": \"Test contract\",", "", "'name' is missing" },
        { "\"annualValue\": 33000000.00", "\"annualValue\": 79228162514264337593543950335", "is more than £1,000,000,000,000" },
    };

    [Theory]
    [MemberData(nameof(BrokenContracts))]
    public void A_broken_contract_is_reported_with_what_to_fix(string find, string replace, string problem)
    {
        var json = ContractJson.ReplaceLineEndings("\n");
        Assert.Contains(find, json, StringComparison.Ordinal);
        var load = PaymentContract.Parse(json.Replace(find, replace, StringComparison.Ordinal), "test contract");
        Assert.Null(load.Contract);
        Assert.False(load.Ok);
        Assert.Contains(load.Problems, p => p.Contains(problem, StringComparison.Ordinal));
        Assert.All(load.Problems, p => Assert.StartsWith("test contract: ", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        var json = ContractJson
            .Replace("\"weight\": 0.40", "\"weight\": 0.30", StringComparison.Ordinal)
            .Replace("\"domain\": \"quality\"", "\"domain\": \"wellbeing\"", StringComparison.Ordinal)
            .Replace("\"id\": \"readmissions\"", "\"id\": \"urgent-2h\"", StringComparison.Ordinal)
            .Replace("\"floor\": 0.20, \"target\": 0.15", "\"floor\": 0.12, \"target\": 0.15", StringComparison.Ordinal)
            .Replace("\"start\": \"2026-07-01\"", "\"start\": \"2026-06-15\"", StringComparison.Ordinal)
            .Replace("\"lossCollar\": 100000.00", "\"lossCollar\": -1", StringComparison.Ordinal);
        var load = PaymentContract.Parse(json, "test contract");
        Assert.Null(load.Contract);
        string[] expected = ["add up to", "domain 'wellbeing'", "appears more than once", "must fall", "overlapping", "'lossCollar' is -1"];
        foreach (var e in expected) Assert.Contains(load.Problems, p => p.Contains(e, StringComparison.Ordinal));
    }

    [Fact]
    public void Anything_that_is_not_a_contract_is_a_problem_not_an_exception()
    {
        foreach (var bad in new[] { "", "[]", "null", "{}", "{\"measures\": 3}" })
        {
            var load = PaymentContract.Parse(bad, "x");
            Assert.Null(load.Contract);
            Assert.NotEmpty(load.Problems);
        }
    }

    // ------------------------------------------------------------------ the results file

    [Fact]
    public void A_results_file_is_read_into_results_and_its_quarter()
    {
        var load = MeasureResultsFile.Parse("""
            { "quarter": "Q3", "results": [
              { "measure": "urgent-2h", "numerator": 412, "denominator": 1000 },
              { "measure": "readmissions", "suppressed": true } ] }
            """, "r.json");
        Assert.Empty(load.Problems);
        Assert.Equal("Q3", load.Quarter);
        Assert.Equal([new MeasureResult("urgent-2h", 412, 1000), new MeasureResult("readmissions", 0, 0, true)], load.Results);
    }

    [Fact]
    public void A_bad_results_file_lists_every_problem()
    {
        var load = MeasureResultsFile.Parse("""
            { "quarter": 3, "results": [ { "numerator": 1, "denominator": 2 }, { "measure": "a", "numerator": "x" }, 7 ] }
            """, "r.json");
        Assert.Contains(load.Problems, p => p == "r.json: 'quarter' must be a string such as \"Q1\".");
        Assert.Contains(load.Problems, p => p == "r.json: results[1]: 'measure' is missing: give the measure's id.");
        Assert.Contains(load.Problems, p => p == "r.json: results[2]: 'numerator' must be a number, not \"x\".");
        Assert.Contains(load.Problems, p => p.StartsWith("r.json: results[2]: 'denominator' is missing", StringComparison.Ordinal));
        Assert.Contains(load.Problems, p => p.StartsWith("r.json: results[3]: must be an object", StringComparison.Ordinal));
        Assert.NotEmpty(MeasureResultsFile.Parse("not json", "r.json").Problems);
        Assert.NotEmpty(MeasureResultsFile.Parse("[]", "r.json").Problems);
    }
}
