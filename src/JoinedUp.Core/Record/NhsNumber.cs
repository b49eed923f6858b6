using System.Diagnostics.CodeAnalysis;

namespace JoinedUp.Record;

/// <summary>
/// A 10-digit NHS number whose last digit is a modulus-11 check digit.
/// Accepts "9991234567", "999 123 4567" and "999-123-4567"; always stores the 10 digits without spaces.
/// </summary>
public readonly record struct NhsNumber
{
    private NhsNumber(string digits) => Value = digits;

    /// <summary>The ten digits, no spaces.</summary>
    public string Value { get; }

    /// <summary>True when the number is in the range reserved for testing (starts with 999). Synthetic data only uses these.</summary>
    public bool IsTestNumber => Value.StartsWith("999", StringComparison.Ordinal);

    /// <summary>The number in the spaced 3-3-4 form people read aloud: "999 123 4567".</summary>
    public string Formatted => $"{Value[..3]} {Value[3..6]} {Value[6..]}";

    public override string ToString() => Value;

    /// <summary>Parses an NHS number, or explains in plain words why it is not one.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out NhsNumber? number, out string? error)
    {
        number = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "The NHS number is empty. Enter the 10 digits, for example 999 123 4567.";
            return false;
        }

        Span<char> digits = stackalloc char[10];
        var count = 0;
        foreach (var c in text.Trim())
        {
            if (c is ' ' or '-') continue;
            if (!char.IsAsciiDigit(c))
            {
                error = $"The NHS number '{text}' contains '{c}'. An NHS number has only digits (spaces between groups are allowed).";
                return false;
            }
            if (count == 10)
            {
                error = $"The NHS number '{text}' has more than 10 digits. An NHS number has exactly 10 digits.";
                return false;
            }
            digits[count++] = c;
        }
        if (count != 10)
        {
            error = $"The NHS number '{text}' has {count} digits. An NHS number has exactly 10 digits.";
            return false;
        }

        var expected = CheckDigit(digits[..9]);
        if (expected is null)
        {
            error = $"'{text}' is not a valid NHS number: its first nine digits give a check digit of 10, which no NHS number can have.";
            return false;
        }
        if (digits[9] - '0' != expected)
        {
            error = $"'{text}' is not a valid NHS number: the check digit should be {expected}, not {digits[9]}. Check the number was typed correctly.";
            return false;
        }

        number = new NhsNumber(new string(digits));
        error = null;
        return true;
    }

    /// <summary>Parses an NHS number or throws <see cref="FormatException"/> with the reason.</summary>
    public static NhsNumber Parse(string text) =>
        TryParse(text, out var number, out var error) ? number.Value : throw new FormatException(error);

    /// <summary>True when <paramref name="text"/> is a valid NHS number in any accepted form.</summary>
    public static bool IsValid(string? text) => TryParse(text, out _, out _);

    /// <summary>
    /// The modulus-11 check digit for nine digits: weights 10 down to 2, 11 minus the remainder,
    /// 11 becomes 0, and 10 means no valid NHS number starts with these nine digits (null).
    /// </summary>
    public static int? CheckDigit(ReadOnlySpan<char> nineDigits)
    {
        if (nineDigits.Length != 9) throw new ArgumentException("Nine digits are needed to compute a check digit.", nameof(nineDigits));
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (nineDigits[i] - '0') * (10 - i);
        }
        var check = 11 - (sum % 11);
        return check switch
        {
            11 => 0,
            10 => null,
            _ => check,
        };
    }

    /// <summary>Builds the NHS number for nine digits given as a number (0..999,999,999), or null when its check digit would be 10.</summary>
    public static NhsNumber? FromBody(long body)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(body);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(body, 999_999_999L);
        Span<char> nine = stackalloc char[9];
        body.TryFormat(nine, out _, "D9", System.Globalization.CultureInfo.InvariantCulture);
        var check = CheckDigit(nine);
        return check is null ? null : new NhsNumber(string.Concat(nine, ((char)('0' + check.Value)).ToString()));
    }
}
