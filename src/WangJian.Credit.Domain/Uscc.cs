using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace WangJian.Credit.Domain;

/// <summary>
/// A Unified Social Credit Code (统一社会信用代码, GB 32100-2015): the identity of an operator.
/// Always holds the normalised, checked 18-character form.
/// </summary>
public readonly record struct Uscc
{
    public const int Length = 18;

    /// <summary>The code alphabet in value order: 0–9 then A–Y without I, O, S, V, Z.</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

    // w(i) = 3^i mod 31 for the 17 information characters.
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    private Uscc(string value) => Value = value;

    public string Value { get; }

    public override string ToString() => Value ?? string.Empty;

    /// <summary>Parses or throws <see cref="DomainValidationException"/> naming the rule that failed.</summary>
    public static Uscc Parse(string? input, string field = "operator_id")
    {
        if (TryParse(input, out var code, out var error))
        {
            return code;
        }

        throw new DomainValidationException(field, error);
    }

    public static bool TryParse(string? input, out Uscc code, [NotNullWhen(false)] out string? error)
    {
        code = default;
        if (string.IsNullOrWhiteSpace(input))
        {
            error = "USCC is required (18 characters, GB 32100-2015)";
            return false;
        }

        // Full-width forms (ＡＢ１２) are common in Chinese input methods; NFKC folds them to ASCII.
        var s = input.Trim().Normalize(NormalizationForm.FormKC).ToUpperInvariant();
        if (s.Length != Length)
        {
            error = $"USCC must be {Length} characters, got {s.Length}";
            return false;
        }

        var sum = 0;
        for (var i = 0; i < Length; i++)
        {
            var value = Alphabet.IndexOf(s[i]);
            if (value < 0)
            {
                error = $"USCC character '{s[i]}' at position {i + 1} is not allowed (only 0-9 and A-Y without I, O, S, V, Z)";
                return false;
            }

            if (i < Length - 1)
            {
                sum += value * Weights[i];
            }
        }

        for (var i = 2; i < 8; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                error = $"USCC positions 3-8 are the administrative division code and must be digits; position {i + 1} is '{s[i]}'";
                return false;
            }
        }

        var expected = Alphabet[(31 - (sum % 31)) % 31];
        if (s[Length - 1] != expected)
        {
            error = $"USCC check character (position 18) is '{s[Length - 1]}' but GB 32100-2015 requires '{expected}'";
            return false;
        }

        code = new Uscc(s);
        error = null;
        return true;
    }

    /// <summary>The check character for 17 information characters (already in the alphabet).</summary>
    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        if (first17.Length != Length - 1)
        {
            throw new ArgumentException("17 characters expected", nameof(first17));
        }

        var sum = 0;
        for (var i = 0; i < first17.Length; i++)
        {
            var value = Alphabet.IndexOf(first17[i]);
            if (value < 0)
            {
                throw new ArgumentException($"'{first17[i]}' is not in the USCC alphabet", nameof(first17));
            }

            sum += value * Weights[i];
        }

        return Alphabet[(31 - (sum % 31)) % 31];
    }
}
