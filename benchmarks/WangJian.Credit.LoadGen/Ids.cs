using WangJian.Credit.Domain;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// Deterministic, valid operator ids (USCCs), one range per workload, so that the commands agree on them
/// without passing lists around: <c>91330100</c> + range digit + 8-digit index + check character.
/// </summary>
public static class Ids
{
    public const int Special = 0;
    public const int History = 1;
    public const int Writes = 2;
    public const int Import = 3;
    public const int Scale = 4;
    public const int Cold = 5;
    public const int LongHistory = 6;
    public const int Unknown = 7;

    /// <summary>Never recorded: A / 100.</summary>
    public static readonly string Clean = Of(Special, 1);

    /// <summary>Listed by one ESPECIALLY_SERIOUS UNSAFE_FOOD decision (seed).</summary>
    public static readonly string Listed = Of(Special, 2);

    public static string Of(int range, long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 99_999_999);
        var body = FormattableString.Invariant($"91330100{range}{index:D8}");
        return body + Uscc.CheckCharacter(body);
    }
}
