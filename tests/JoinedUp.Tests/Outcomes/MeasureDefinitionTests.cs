using JoinedUp.Outcomes.Measures;
using JoinedUp.Outcomes.Measures.Sql;
using JoinedUp.Storage;
using Microsoft.EntityFrameworkCore;

namespace JoinedUp.Tests.Outcomes;

/// <summary>Reading and checking definitions (every problem named with its file and JSON path), the time notation, and stored runs.</summary>
public class MeasureDefinitionTests
{
    [Fact]
    public void The_shipped_framework_loads_and_compiles_for_both_providers()
    {
        var library = MeasureLibrary.LoadDefault();
        Assert.Equal(15, library.Measures.Count);
        Assert.All(Enum.GetValues<MeasureDomain>(), d => Assert.Contains(library.Measures, m => m.Domain == d));
        // Every measure of the payment contract has a definition of the same id.
        var contract = JoinedUp.Outcomes.Payments.PaymentContract.LoadDefault().Contract!;
        Assert.All(contract.Measures, c => Assert.NotNull(library.Find(c.Id)));
        foreach (var m in library.Measures)
        {
            var period = MeasureCompiler.PeriodFor(m, new FinancialQuarter(2026, 1));
            var sqlite = MeasureCompiler.Compile(m, period, SqlDialect.Sqlite);
            var postgres = MeasureCompiler.Compile(m, period, SqlDialect.Postgres);
            Assert.Equal(sqlite.Parameters.Count, postgres.Parameters.Count);
            Assert.DoesNotContain("'", sqlite.CellsSql.Replace("' seconds'", "", StringComparison.Ordinal).Replace("'%Y-%m-%d %H:%M:%f'", "", StringComparison.Ordinal)
                .Replace("' months'", "", StringComparison.Ordinal).Replace("' days'", "", StringComparison.Ordinal).Replace("'+24 months'", "", StringComparison.Ordinal).Replace("'+0 days'", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_bad_definition_lists_every_problem_with_its_file_and_path()
    {
        const string bad = """
        { "id": "Bad Id", "version": "1", "title": "t", "domain": "wellbeing", "subject": { "type": "referral" },
          "period": { "length": "3 months" }, "levels": ["borough", "ward"],
          "population": [ { "kind": "age", "on": "yesterday", "range": "[75, 18]" } ],
          "numerator": [ { "kind": "observation", "valueSet": "qof-ifcchbam-cod", "within": "[periodEnd-P12M periodEnd]", "value": { "op": "<=", "value": 58 } },
                         { "kind": "condtion", "valueSet": "x" },
                         { "kind": "field", "name": "urgency", "in": ["Soon"] } ],
          "numerater": [] }
        """;
        var problems = new List<string>();
        Assert.Null(MeasureReader.Read(bad, "measures/bad.measure.json", problems));
        string[] expected =
        [
            "measures/bad.measure.json: $.numerater: is not a property here",
            "$.id: 'Bad Id' must be lowercase letters",
            "$.domain: the string \"wellbeing\" is not allowed; use one of access, integration, quality, personalisation, outcomes",
            "$.subject.at: is missing",
            "$.period.length: '3 months' is not a length",
            "$.levels[1]: the string \"ward\" is not a level",
            "$.population[0].on: 'yesterday' names 'yesterday', which is not a point of the period",
            "$.population[0].range: '[75, 18]' is empty",
            "$.numerator[0].within: '[periodEnd-P12M periodEnd]' is not an interval; write it as [low, high]",
            "$.numerator[0].value.unit: is missing",
            "$.numerator[1].kind: 'condtion' is not a kind of criterion",
        ];
        foreach (var e in expected) Assert.True(problems.Any(p => p.Contains(e, StringComparison.Ordinal)), $"missing: {e}\nall:\n{string.Join("\n", problems)}");
        Assert.All(problems, p => Assert.StartsWith("measures/bad.measure.json: $", p, StringComparison.Ordinal));
    }

    [Fact]
    public void A_definition_naming_an_unknown_value_set_is_refused_with_the_path()
    {
        var files = MeasureLibraryFiles();
        files.Add(("measures/x.measure.json", """
            { "id": "x", "version": "1", "title": "t", "domain": "quality", "subject": { "type": "patient" },
              "period": { "length": "P12M", "endsAt": "quarterEnd" }, "levels": ["borough"],
              "population": [ { "kind": "condition", "valueSet": "no-such-set" } ], "numerator": [] }
            """));
        var ex = Assert.Throws<MeasureLibraryException>(() => MeasureLibrary.Load(files, "test"));
        Assert.Contains(ex.Problems, p => p == "measures/x.measure.json: $.population[0].valueSet: no value set has the id 'no-such-set'; add valuesets/no-such-set.valueset.json or correct the id.");
    }

    private static List<(string, string)> MeasureLibraryFiles() =>
        MeasureLibrary.LoadDefault().ValueSets.Values.Select(v => (v.Source, v.Json)).ToList();

    [Theory]
    [InlineData("2026/27-Q1", "2026-04-01", "2026-06-30")]
    [InlineData("2026-27 Q4", "2027-01-01", "2027-03-31")]
    [InlineData("2025Q3", "2025-10-01", "2025-12-31")]
    public void Quarters_are_financial_quarters(string text, string start, string end)
    {
        Assert.True(FinancialQuarter.TryParse(text, out var q, out _));
        Assert.Equal((DateOnly.Parse(start, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(end, System.Globalization.CultureInfo.InvariantCulture)), (q.Start, q.End));
    }

    [Theory]
    [InlineData("2026/28-Q1", "does not exist")]
    [InlineData("Q1", "is not a quarter")]
    [InlineData("2026/27-Q5", "is not a quarter")]
    public void A_bad_quarter_says_how_to_write_one(string text, string message)
    {
        Assert.False(FinancialQuarter.TryParse(text, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Intervals_follow_bracket_notation_in_whole_UK_days()
    {
        var period = MeasurePeriod.Ending(new DateOnly(2026, 6, 30), new IsoDuration(12, 0, 0), "2026/27 Q1");
        Assert.Equal(new DateOnly(2025, 7, 1), period.Start);
        Assert.True(Interval.TryParse("[periodEnd-P12M, periodEnd]", out var closed, out _));
        Assert.Equal((new DateOnly(2025, 6, 30), new DateOnly(2026, 7, 1)), closed.Days(period));
        Assert.True(Interval.TryParse("(periodEnd-P12M, periodEnd)", out var open, out _));
        Assert.Equal((new DateOnly(2025, 7, 1), new DateOnly(2026, 6, 30)), open.Days(period));
        // BST: the last day ends at 23:00 UTC.
        Assert.Equal(new DateTime(2026, 6, 30, 23, 0, 0, DateTimeKind.Utc), closed.Instants(period).To);
    }

    [Fact]
    public void The_calendar_agrees_with_the_working_day_clock_for_every_hour_of_a_year()
    {
        var days = CalendarDays.Days(new DateOnly(2025, 12, 1), new DateOnly(2027, 2, 1)).ToList();
        for (var t = new DateTime(2026, 1, 1, 0, 30, 0, DateTimeKind.Utc); t < new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc); t = t.AddHours(1))
        {
            var d = days.Single(x => x.UtcStart <= t && x.UtcEnd > t);
            var due = days.Single(x => x.WorkingSeq == d.WorkingSeq + 1 && x.IsWorkingDay == 1);
            var sql = t.AddMinutes((due.DayNumber - d.DayNumber) * 1440 + d.UtcOffsetMinutes - due.UtcOffsetMinutes);
            var clock = JoinedUp.Access.UkClock.AddWorkingDay(t);
            // They agree except in the small hours of the two Sundays the clocks change, before the change (the calendar
            // uses the day's offset after it); Sundays are not working days, so only weekend referrals meet this.
            if (sql != clock)
            {
                Assert.True((d.UtcEnd - d.UtcStart).TotalHours != 24 && JoinedUp.Access.UkClock.ToLocal(t).Hour < 3, $"{t:o}: calendar {sql:o}, clock {clock:o}");
            }
        }
    }

    [Theory]
    [ClassData(typeof(Providers))]
    public async Task A_run_is_stored_with_every_level_summing_to_the_borough(StorageProvider provider)
    {
        await using var w = await MeasureWorld.CreateAsync(provider);
        var born = new DateOnly(1960, 1, 1);
        foreach (var practice in new int?[] { w.PracticeA, w.PracticeA, w.PracticeB, null })
        {
            await w.PersonAsync(born, practice, (r, id) =>
            {
                r.Add(MeasureWorld.Diagnosis(id, "44054006", new DateOnly(2015, 1, 1)));
                r.Add(MeasureWorld.Reading(id, "999791000000106", new DateTime(2026, 5, 1, 9, 0, 0, DateTimeKind.Utc), 50, "mmol/mol"));
            });
        }
        var result = await new OutcomesRunner(w.Options, MeasureLibrary.LoadDefault()).RunAsync(new FinancialQuarter(2026, 1), RunPurpose.Official, "test", null, CancellationToken.None);
        await using var db = JoinedUpStorage.CreateContext(w.Options);
        var rows = await db.MeasureResults.Where(r => r.RunId == result.Run.Id && r.MeasureKey == "diabetes-hba1c").ToListAsync();
        var borough = rows.Single(r => r.Level == MeasureLevel.Borough);
        Assert.Equal(3, borough.Denominator); // the unregistered person is not on a practice register
        Assert.Equal(borough.Denominator, rows.Where(r => r.Level == MeasureLevel.Practice).Sum(r => r.Denominator));
        Assert.Equal(borough.Numerator, rows.Where(r => r.Level == MeasureLevel.Network).Sum(r => r.Numerator));
        Assert.Equal(1m, borough.Rate);
        Assert.NotNull(borough.CiLow);
        Assert.Equal(RunPurpose.Official, (await db.MeasureRuns.SingleAsync(r => r.Id == result.Run.Id)).Purpose);
        Assert.Equal(15, await db.MeasureResults.Where(r => r.RunId == result.Run.Id && r.Level == MeasureLevel.Borough).CountAsync());

        // A second run is a new run; the first is untouched, and the definitions are stored once.
        var again = await new OutcomesRunner(w.Options, MeasureLibrary.LoadDefault()).RunAsync(new FinancialQuarter(2026, 1), RunPurpose.Adhoc, "test", null, CancellationToken.None);
        Assert.NotEqual(result.Run.Id, again.Run.Id);
        Assert.Equal(15, await db.MeasureDefinitions.CountAsync());
        Assert.Equal(rows.Count, await db.MeasureResults.CountAsync(r => r.RunId == result.Run.Id && r.MeasureKey == "diabetes-hba1c"));
    }
}
