using JoinedUp.Outcomes.Results;

namespace JoinedUp.Tests.Outcomes;

/// <summary>Confidence intervals and disclosure control for published figures (docs/adr/0006, 4.2 and 4.3).</summary>
public class PublishedFigureTests
{
    /// <summary>Vectors computed independently (Python, z = 1.959964), as listed in ADR 0006.</summary>
    [Theory]
    [InlineData(0, 10, 0.0, 0.277533)]
    [InlineData(10, 100, 0.055229, 0.174366)]
    [InlineData(3, 7, 0.158220, 0.749542)]
    [InlineData(412, 530, 0.740016, 0.810709)]
    [InlineData(10, 10, 0.722467, 1.0)]
    public void The_Wilson_interval_matches_independently_computed_values(long numerator, long denominator, double lower, double upper)
    {
        var interval = WilsonInterval.Of(numerator, denominator);
        Assert.NotNull(interval);
        Assert.Equal(lower, interval.Value.Lower, 6);
        Assert.Equal(upper, interval.Value.Upper, 6);
        Assert.InRange(interval.Value.Lower, 0, 1);
        Assert.InRange(interval.Value.Upper, 0, 1);
    }

    [Fact]
    public void No_interval_without_a_denominator_and_impossible_counts_are_refused()
    {
        Assert.Null(WilsonInterval.Of(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Of(11, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => WilsonInterval.Of(-1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PublishedFigure.From(5, 4));
    }

    [Theory]
    [InlineData(0, 0L, false)]
    [InlineData(1, 0L, true)]
    [InlineData(7, 0L, true)]
    [InlineData(8, 10L, false)]
    [InlineData(10, 10L, false)]
    [InlineData(12, 10L, false)]
    [InlineData(13, 15L, false)]
    [InlineData(17, 15L, false)]
    [InlineData(18, 20L, false)]
    [InlineData(1234, 1235L, false)]
    public void Counts_of_1_to_7_are_suppressed_and_others_rounded_to_the_nearest_5(long count, long shown, bool suppressed)
    {
        Assert.Equal((shown, suppressed), PublishedFigure.Count(count));
    }

    [Fact]
    public void A_rate_is_published_from_the_rounded_counts_and_a_suppressed_cell_gives_away_nothing()
    {
        // 412 of 530: both rounded (410, 530); the rate from those; the interval from the exact counts.
        var big = PublishedFigure.From(412, 530);
        Assert.Equal(("410", "530", "77.4%", false), (big.Numerator, big.Denominator, big.Rate, big.Suppressed));
        Assert.Equal(0.740016, big.Interval!.Value.Lower, 6);

        // 5 of 40: the numerator is suppressed, so the rate and interval are too (the denominator alone is harmless).
        var small = PublishedFigure.From(5, 40);
        Assert.Equal(("*", "40", "*", true), (small.Numerator, small.Denominator, small.Rate, small.Suppressed));
        Assert.Null(small.Interval);

        // 0 of 6: zero is shown, but the denominator is suppressed, so the rate is too.
        var tiny = PublishedFigure.From(0, 6);
        Assert.Equal(("0", "*", "*"), (tiny.Numerator, tiny.Denominator, tiny.Rate));

        // 0 of 0: nothing to divide by, nothing to hide.
        var none = PublishedFigure.From(0, 0);
        Assert.Equal(("0", "0", "-", false), (none.Numerator, none.Denominator, none.Rate, none.Suppressed));
        Assert.Null(none.Interval);
    }
}
