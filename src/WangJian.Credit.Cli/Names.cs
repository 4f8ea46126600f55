using System.Globalization;
using System.Text;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli;

/// <summary>Enum values as the proto and the import file spell them, without the type prefix (GENERAL, ENHANCED_REVIEW).</summary>
public static class Names
{
    public static string Of(Grade grade) => grade == Grade.Unspecified ? "?" : grade.ToString();

    public static string Of<T>(T value)
        where T : struct, Enum
    {
        var pascal = value.ToString();
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                sb.Append('_');
            }

            sb.Append(char.ToUpperInvariant(pascal[i]));
        }

        return sb.ToString();
    }

    /// <summary>Scores are multiples of 0.5: 85, 72.5.</summary>
    public static string Points(double points) => points.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Yuan(long fen) => (fen / 100m).ToString("#,0.##", CultureInfo.InvariantCulture);
}
