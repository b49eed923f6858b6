using JoinedUp.Record;

namespace JoinedUp.Tests.Record;

public class NhsNumberTests
{
    [Theory]
    [InlineData("9434765919")] // the check digit example used by NHS Digital
    [InlineData("943 476 5919")]
    [InlineData("943-476-5919")]
    [InlineData(" 9434765919 ")]
    public void Valid_numbers_are_accepted_in_plain_spaced_and_dashed_forms(string text)
    {
        Assert.True(NhsNumber.TryParse(text, out var number, out var error), error);
        Assert.Equal("9434765919", number!.Value.Value);
        Assert.Equal("943 476 5919", number.Value.Formatted);
    }

    [Fact]
    public void A_wrong_check_digit_is_rejected_with_the_digit_it_should_be()
    {
        Assert.False(NhsNumber.TryParse("9434765918", out _, out var error));
        Assert.Contains("should be 9", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Nine_digits_whose_check_computes_to_10_are_never_a_valid_number()
    {
        // Find bodies whose modulus-11 check is 10: every completion of them must be rejected.
        var found = 0;
        for (long body = 999_000_000; body < 999_001_000; body++)
        {
            var nine = body.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
            if (NhsNumber.CheckDigit(nine) is not null) continue;
            found++;
            Assert.Null(NhsNumber.FromBody(body));
            for (var d = 0; d <= 9; d++)
            {
                Assert.False(NhsNumber.TryParse(nine + d, out _, out var error));
                Assert.Contains("check digit of 10", error, StringComparison.Ordinal);
            }
        }
        Assert.True(found > 50, "about 1 in 11 bodies has check 10");
    }

    [Fact]
    public void A_remainder_of_zero_gives_check_digit_zero_not_eleven()
    {
        for (long body = 999_000_000; body < 999_000_500; body++)
        {
            var nine = body.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
            var sum = 0;
            for (var i = 0; i < 9; i++) sum += (nine[i] - '0') * (10 - i);
            if (sum % 11 != 0) continue;
            Assert.Equal(0, NhsNumber.CheckDigit(nine));
            Assert.True(NhsNumber.IsValid(nine + "0"));
            return;
        }
        Assert.Fail("no body with a weighted sum divisible by 11 in range");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("943476591", "9 digits")]
    [InlineData("94347659190", "more than 10 digits")]
    [InlineData("94347A5919", "contains 'A'")]
    public void Malformed_input_says_what_is_wrong(string text, string expected)
    {
        Assert.False(NhsNumber.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => NhsNumber.Parse(text));
    }

    [Fact]
    public void Test_range_numbers_are_recognised()
    {
        var n = NhsNumber.FromBody(999_123_457)!.Value;
        Assert.True(n.IsTestNumber);
        Assert.StartsWith("999123457", n.Value, StringComparison.Ordinal);
        Assert.True(NhsNumber.IsValid(n.Value));
    }
}
