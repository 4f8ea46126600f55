namespace WangJian.Credit.Domain.Tests;

[Trait("Category", "Unit")]
public class UsccTests
{
    private const string Alibaba = "91330106673959654P";
    private const string AllowedSuffix = " is not allowed (only 0-9 and A-Y without I, O, S, V, Z)";

    // ---- the real codes of TestData/uscc.tsv -------------------------------------------------------

    [Fact]
    public void TestData_CommittedFile_HoldsRealCodes()
    {
        Assert.True(File.Exists(UsccTestData.FilePath), $"missing {UsccTestData.FilePath}");
        Assert.True(UsccTestData.Codes.Count >= 5, $"only {UsccTestData.Codes.Count} codes read");
        Assert.Contains(Alibaba, UsccTestData.Codes);
    }

    [Theory]
    [MemberData(nameof(UsccTestData.AllCodes), MemberType = typeof(UsccTestData))]
    public void Parse_RealCode_ReturnsSameCanonicalCode(string code)
    {
        var parsed = Uscc.Parse(code);

        Assert.Equal(code, parsed.Value);
        Assert.Equal(code, parsed.ToString());
        Assert.True(Uscc.TryParse(code, out var again, out var error));
        Assert.Null(error);
        Assert.Equal(parsed, again);
    }

    [Theory]
    [MemberData(nameof(UsccTestData.AllCodes), MemberType = typeof(UsccTestData))]
    public void CheckCharacter_RealCode_AgreesWithParseAndReferenceFormula(string code)
    {
        Assert.Equal(code[17], Uscc.CheckCharacter(code.AsSpan(0, 17)));
        Assert.Equal(code[17], ReferenceCheckCharacter(code[..17]));
    }

    [Theory]
    [MemberData(nameof(UsccTestData.AllCodes), MemberType = typeof(UsccTestData))]
    public void Parse_EverySingleSubstitution_IsRejected(string code)
    {
        AssertEverySubstitutionRejected(code);
    }

    [Theory]
    [MemberData(nameof(UsccTestData.AllCodes), MemberType = typeof(UsccTestData))]
    public void Parse_EveryAdjacentTransposition_IsRejected(string code)
    {
        AssertEveryAdjacentTranspositionRejected(code);
    }

    // ---- normalisation ------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(UsccTestData.AllCodes), MemberType = typeof(UsccTestData))]
    public void Parse_LowerCase_NormalisesToCanonical(string code)
    {
        Assert.Equal(code, Uscc.Parse(code.ToLowerInvariant()).Value);
    }

    [Theory]
    [MemberData(nameof(UsccTestData.AllCodes), MemberType = typeof(UsccTestData))]
    public void Parse_FullWidth_NormalisesToCanonical(string code)
    {
        Assert.Equal(code, Uscc.Parse(FullWidth(code)).Value);
        Assert.Equal(code, Uscc.Parse(FullWidth(code.ToLowerInvariant())).Value);
    }

    [Theory]
    [InlineData(" {0} ")]
    [InlineData("\t{0}\r\n")]
    [InlineData("\u3000{0}\u3000")]
    [InlineData("\u00A0\u00A0{0}")]
    [InlineData("{0}\n")]
    public void Parse_SurroundingWhitespace_NormalisesToCanonical(string format)
    {
        var input = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Alibaba);

        Assert.Equal(Alibaba, Uscc.Parse(input).Value);
        Assert.Equal(Alibaba, Uscc.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, FullWidth(Alibaba.ToLowerInvariant()))).Value);
    }

    [Fact]
    public void Parse_DifferentSpellings_AreEqualValues()
    {
        Assert.Equal(Uscc.Parse(Alibaba), Uscc.Parse("  91330106673959654p "));
        Assert.Equal(Uscc.Parse(Alibaba).GetHashCode(), Uscc.Parse(FullWidth(Alibaba)).GetHashCode());
    }

    [Fact]
    public void ToString_Default_IsEmpty()
    {
        Assert.Equal(string.Empty, default(Uscc).ToString());
    }

    // ---- precise error messages ---------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n")]
    [InlineData("\u3000")]
    public void Parse_NullOrBlank_SaysRequired(string? input)
    {
        var e = Assert.Throws<DomainValidationException>(() => Uscc.Parse(input));

        var v = Assert.Single(e.Violations);
        Assert.Equal("operator_id", v.Field);
        Assert.Equal("USCC is required (18 characters, GB 32100-2015)", v.Description);
        Assert.Equal("operator_id: USCC is required (18 characters, GB 32100-2015)", e.Message);
    }

    [Theory]
    [InlineData("9133010667395965", 16)]
    [InlineData("91330106673959654", 17)]
    [InlineData("91330106673959654PX", 19)]
    [InlineData("9133 0106 6739 5965 4P", 22)]
    [InlineData("9", 1)]
    [InlineData("91330106673959654P91330106673959654P", 36)]
    public void Parse_WrongLength_SaysLength(string input, int length)
    {
        Assert.Equal($"USCC must be 18 characters, got {length}", Error(input));
    }

    [Fact]
    public void Parse_WrongLengthAfterTrim_CountsTrimmedLength()
    {
        Assert.Equal("USCC must be 18 characters, got 17", Error("  91330106673959654  "));
    }

    [Theory]
    [InlineData('I')]
    [InlineData('O')]
    [InlineData('S')]
    [InlineData('V')]
    [InlineData('Z')]
    public void Parse_ForbiddenLetter_SaysCharacterAndPosition(char letter)
    {
        for (var position = 1; position <= 18; position++)
        {
            var input = Replace(Alibaba, position - 1, letter);

            Assert.Equal($"USCC character '{letter}' at position {position}{AllowedSuffix}", Error(input));
            Assert.Equal(
                $"USCC character '{letter}' at position {position}{AllowedSuffix}",
                Error(Replace(Alibaba, position - 1, char.ToLowerInvariant(letter))));
        }
    }

    [Theory]
    [InlineData('-', 1)]
    [InlineData('*', 10)]
    [InlineData('#', 18)]
    [InlineData('中', 5)]
    public void Parse_CharacterOutsideAlphabet_SaysCharacterAndPosition(char c, int position)
    {
        Assert.Equal($"USCC character '{c}' at position {position}{AllowedSuffix}", Error(Replace(Alibaba, position - 1, c)));
    }

    [Fact]
    public void Parse_TwoBadCharacters_NamesTheFirst()
    {
        Assert.Equal($"USCC character 'O' at position 2{AllowedSuffix}", Error("9O330106673959654I"));
    }

    [Theory]
    [InlineData(3, 'A')]
    [InlineData(4, 'B')]
    [InlineData(5, 'Y')]
    [InlineData(6, 'K')]
    [InlineData(7, 'X')]
    [InlineData(8, 'H')]
    public void Parse_LetterInDivisionCode_SaysPositionAndCharacter(int position, char letter)
    {
        // Give the code a correct check character so that only the division-code rule fails.
        var first17 = Replace(Alibaba, position - 1, letter)[..17];
        var input = first17 + Uscc.CheckCharacter(first17);

        Assert.Equal(
            $"USCC positions 3-8 are the administrative division code and must be digits; position {position} is '{letter}'",
            Error(input));
        Assert.Equal(
            $"USCC positions 3-8 are the administrative division code and must be digits; position {position} is '{letter}'",
            Error(input.ToLowerInvariant()));
    }

    [Theory]
    [InlineData(1, 'A')]
    [InlineData(2, 'Y')]
    [InlineData(9, 'W')]
    [InlineData(17, 'X')]
    public void Parse_LetterOutsideDivisionCode_IsAllowed(int position, char letter)
    {
        var first17 = Replace(Alibaba, position - 1, letter)[..17];
        var code = first17 + Uscc.CheckCharacter(first17);

        Assert.Equal(code, Uscc.Parse(code).Value);
    }

    [Theory]
    [InlineData("91330106673959654A", 'A', 'P')]
    [InlineData("91330106673959654Q", 'Q', 'P')]
    [InlineData("913301066739596540", '0', 'P')]
    [InlineData("91110302562134916Y", 'Y', 'R')]
    [InlineData("91440300708461136X", 'X', 'T')]
    [InlineData("91330100799655058C", 'C', 'B')]
    [InlineData("914403001922038210", '0', '6')]
    [InlineData(" 91330106673959654a ", 'A', 'P')]
    [InlineData("９１３３０１０６６７３９５９６５４Ａ", 'A', 'P')]
    public void Parse_WrongCheckCharacter_SaysExpected(string input, char got, char expected)
    {
        Assert.Equal($"USCC check character (position 18) is '{got}' but GB 32100-2015 requires '{expected}'", Error(input));
    }

    [Fact]
    public void Parse_FieldName_IsReportedInViolation()
    {
        var e = Assert.Throws<DomainValidationException>(() => Uscc.Parse("91330106673959654A", "seller.uscc"));

        var v = Assert.Single(e.Violations);
        Assert.Equal("seller.uscc", v.Field);
        Assert.StartsWith("seller.uscc: USCC check character", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_Invalid_ReturnsFalseDefaultAndError()
    {
        Assert.False(Uscc.TryParse("91330106673959654A", out var code, out var error));
        Assert.Equal(default, code);
        Assert.NotNull(error);
    }

    // ---- CheckCharacter -----------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("9133010667395965")]
    [InlineData("91330106673959654P")]
    public void CheckCharacter_Not17Characters_Throws(string input)
    {
        Assert.Throws<ArgumentException>(() => Uscc.CheckCharacter(input));
    }

    [Theory]
    [InlineData("9133010667395965I")]
    [InlineData("9133010667395965a")]
    [InlineData("913301066739 5965")]
    public void CheckCharacter_CharacterOutsideAlphabet_Throws(string input)
    {
        var e = Assert.Throws<ArgumentException>(() => Uscc.CheckCharacter(input));
        Assert.Equal("first17", e.ParamName);
    }

    [Fact]
    public void CheckCharacter_Weights_AreThePowersOfThreeOfTheStandard()
    {
        // docs/policy.md §2 lists w = 1,3,9,...,28 and says w(i) = 3^i mod 31; the reference below uses the list.
        var powers = Enumerable.Range(0, 17).Select(i => (int)System.Numerics.BigInteger.ModPow(3, i, 31)).ToArray();
        Assert.Equal(Weights, powers);

        // A unit in each position shows each weight through the real implementation: c = (31 − w) mod 31.
        for (var i = 0; i < 17; i++)
        {
            var prefix = new string('0', i) + "1" + new string('0', 16 - i);
            Assert.Equal(Uscc.Alphabet[(31 - Weights[i]) % 31], Uscc.CheckCharacter(prefix));
        }

        Assert.Equal('0', Uscc.CheckCharacter(new string('0', 17)));
    }

    [Fact]
    public void Parse_FirstAndCheckCharacterSwapped_PassesTheChecksum()
    {
        // Known limit of GB 32100 itself (see AssertEveryAdjacentTranspositionRejected): positions 1 and
        // 18 both weigh 1, so swapping them keeps the sum. Documented here so nobody "fixes" the test data.
        Assert.Equal("P13301066739596549", Uscc.Parse("P13301066739596549").Value);
    }

    // ---- property tests (seeded, reproducible) ------------------------------------------------------

    [Fact]
    public void CheckCharacter_RandomPrefixes_ProduceCodesThatParse()
    {
        var random = new Random(20191118);
        for (var n = 0; n < 10_000; n++)
        {
            var first17 = RandomPrefix(random);
            var check = Uscc.CheckCharacter(first17);
            var code = first17 + check;

            Assert.Equal(ReferenceCheckCharacter(first17), check);
            Assert.True(Uscc.TryParse(code, out var parsed, out var error), $"{code}: {error}");
            Assert.Equal(code, parsed.Value);
            Assert.Equal(code, Uscc.Parse(FullWidth(code.ToLowerInvariant())).Value);

            // Exactly one check character fits: every other one is refused, naming the right one.
            foreach (var other in Uscc.Alphabet)
            {
                if (other != check)
                {
                    Assert.Equal(
                        $"USCC check character (position 18) is '{other}' but GB 32100-2015 requires '{check}'",
                        Error(first17 + other));
                }
            }
        }
    }

    [Fact]
    public void Parse_RandomCodes_EverySubstitutionAndAdjacentTranspositionRejected()
    {
        var random = new Random(118);
        for (var n = 0; n < 300; n++)
        {
            var first17 = RandomPrefix(random);
            var code = first17 + Uscc.CheckCharacter(first17);
            AssertEverySubstitutionRejected(code);
            AssertEveryAdjacentTranspositionRejected(code);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

    /// <summary>docs/policy.md §2 written out independently: c = (31 − Σ value(i)·w(i) mod 31) mod 31.</summary>
    private static char ReferenceCheckCharacter(string first17)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            sum += Uscc.Alphabet.IndexOf(first17[i], StringComparison.Ordinal) * Weights[i];
        }

        return Uscc.Alphabet[(31 - (sum % 31)) % 31];
    }

    private static string RandomPrefix(Random random)
    {
        var chars = new char[17];
        for (var i = 0; i < 17; i++)
        {
            chars[i] = i is >= 2 and <= 7
                ? (char)('0' + random.Next(10))
                : Uscc.Alphabet[random.Next(Uscc.Alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>
    /// Every one-character substitution by another alphabet character is refused. With 31 prime and
    /// every weight (and the check character's implicit weight 1) non-zero mod 31, changing one value
    /// by d ≢ 0 changes the weighted sum by d·w ≢ 0 (mod 31), so no substitution can keep the check.
    /// A substitution that keeps the format valid is refused by the check character itself.
    /// </summary>
    private static void AssertEverySubstitutionRejected(string code)
    {
        for (var i = 0; i < 18; i++)
        {
            foreach (var c in Uscc.Alphabet)
            {
                if (c == code[i])
                {
                    continue;
                }

                var mutated = Replace(code, i, c);
                var error = Error(mutated);
                Assert.True(error is not null, $"{code}: substituting '{c}' at position {i + 1} gives {mutated}, which was accepted");
                if (i is >= 2 and <= 7 && !char.IsAsciiDigit(c))
                {
                    Assert.StartsWith($"USCC positions 3-8 are the administrative division code", error, StringComparison.Ordinal);
                }
                else
                {
                    Assert.StartsWith("USCC check character (position 18)", error, StringComparison.Ordinal);
                }
            }
        }
    }

    /// <summary>
    /// Every swap of two adjacent, different characters is refused. Write the check as
    /// Σ value(i)·W(i) ≡ 0 (mod 31) over all 18 positions, with W(i) = 3^i for i = 0..16 and W(17) = 1
    /// (c ≡ −Σ). Swapping values a ≠ b at i, i+1 changes the sum by (a − b)(W(i) − W(i+1)). For i ≤ 15
    /// that is (a − b)·3^i·(1 − 3) = −2·3^i·(a − b); for the last pair (information character 17 and
    /// the check character) it is (a − b)(28 − 1) = 27(a − b). Each factor is non-zero mod the prime 31
    /// (0 &lt; |a − b| ≤ 30), so the change is never ≡ 0: every adjacent transposition is detected,
    /// the one with the check character included. This is guaranteed only because adjacent weights
    /// differ; in general a swap of positions i and j is caught iff W(i) ≠ W(j), and W(0) = W(17) = 1,
    /// so swapping the first and the last character is NOT always caught (not asserted here).
    /// </summary>
    private static void AssertEveryAdjacentTranspositionRejected(string code)
    {
        for (var i = 0; i < 17; i++)
        {
            if (code[i] == code[i + 1])
            {
                continue;
            }

            var chars = code.ToCharArray();
            (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);
            var mutated = new string(chars);
            var error = Error(mutated);
            Assert.True(error is not null, $"{code}: swapping positions {i + 1} and {i + 2} gives {mutated}, which was accepted");
            var divisionBroken = Enumerable.Range(2, 6).Any(p => !char.IsAsciiDigit(mutated[p]));
            Assert.StartsWith(
                divisionBroken ? "USCC positions 3-8 are the administrative division code" : "USCC check character (position 18)",
                error,
                StringComparison.Ordinal);
        }
    }

    private static string? Error(string? input)
    {
        var ok = Uscc.TryParse(input, out _, out var error);
        if (!ok)
        {
            // Parse must report the very same text as TryParse.
            var e = Assert.Throws<DomainValidationException>(() => Uscc.Parse(input));
            Assert.Equal(error, Assert.Single(e.Violations).Description);
        }

        return error;
    }

    private static string Replace(string s, int index, char c)
    {
        var chars = s.ToCharArray();
        chars[index] = c;
        return new string(chars);
    }

    /// <summary>ASCII to full-width forms (Ａ, １), as Chinese input methods type them.</summary>
    private static string FullWidth(string s) =>
        new(s.Select(c => c is >= '!' and <= '~' ? (char)(c + 0xFEE0) : c).ToArray());
}
