using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace WangJian.Credit.Cli;

/// <summary>
/// Dates as regulators write them: China time (UTC+08:00, no daylight saving). A date alone means its
/// 00:00 in China; a date and time without an offset is China time too; an explicit offset or Z wins.
/// </summary>
public static class Times
{
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy/MM/dd", "yyyyMMdd", "yyyy/M/d", "yyyy-M-d"];

    private static readonly string[] LocalDateTimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF",
    ];

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        var s = text.Trim();
        if (DateTime.TryParseExact(s, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            value = new DateTimeOffset(date.Date, ChinaOffset);
            return true;
        }

        if (DateTime.TryParseExact(s, LocalDateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            value = new DateTimeOffset(local, ChinaOffset);
            return true;
        }

        // Only forms with an explicit offset or Z are left; anything else is ambiguous and refused.
        var hasOffset = s.EndsWith('Z') || s.EndsWith('z') || (s.Length > 6 && (s[^6] == '+' || s[^6] == '-') && s[^3] == ':');
        if (hasOffset && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>An instant in China time with its offset, e.g. <c>2025-03-14 09:30 +08:00</c>.</summary>
    public static string Format(Timestamp? timestamp) => timestamp is null ? "—" : Format(timestamp.ToDateTimeOffset());

    public static string Format(DateTimeOffset instant)
    {
        var china = instant.ToOffset(ChinaOffset);
        var format = china.Second == 0 && china.Millisecond == 0 ? "yyyy-MM-dd HH:mm" : "yyyy-MM-dd HH:mm:ss";
        return china.ToString(format, CultureInfo.InvariantCulture) + " +08:00";
    }

    /// <summary>The date alone, in China time: how decisions are dated.</summary>
    public static string FormatDate(Timestamp? timestamp) =>
        timestamp is null ? "—" : timestamp.ToDateTimeOffset().ToOffset(ChinaOffset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
