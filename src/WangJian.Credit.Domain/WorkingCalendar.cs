using System.Globalization;

namespace WangJian.Credit.Domain;

/// <summary>
/// China's working days: Monday to Friday, less the public holidays, plus the weekend days that are worked
/// in exchange (调休). Dates are China's (UTC+8, no daylight saving), since a review period of "10 working
/// days" is counted on the authority's calendar, not on UTC's.
/// </summary>
public sealed class WorkingCalendar
{
    /// <summary>China Standard Time, UTC+8 all year.</summary>
    public static readonly TimeSpan ChinaOffset = TimeSpan.FromHours(8);

    private readonly HashSet<DateOnly> holidays;
    private readonly HashSet<DateOnly> extraWorkdays;

    public WorkingCalendar(IEnumerable<DateOnly> holidays, IEnumerable<DateOnly> extraWorkdays)
    {
        this.holidays = [.. holidays];
        this.extraWorkdays = [.. extraWorkdays];
        var both = this.holidays.Intersect(this.extraWorkdays).Order().ToArray();
        if (both.Length > 0)
        {
            throw new ArgumentException($"{Format(both[0])} is both a holiday and an extra working day");
        }
    }

    /// <summary>Weekdays are worked, weekends are not; nothing adjusted.</summary>
    public static WorkingCalendar Plain { get; } = new([], []);

    public bool IsWorkingDay(DateOnly day) =>
        extraWorkdays.Contains(day) || (!holidays.Contains(day) && day.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));

    /// <summary>The <paramref name="n"/>-th working day after <paramref name="day"/> (the day itself not counted).</summary>
    public DateOnly AddWorkingDays(DateOnly day, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var d = day;
        for (var counted = 0; counted < n;)
        {
            d = d.AddDays(1);
            if (IsWorkingDay(d))
            {
                counted++;
            }
        }

        return d;
    }

    /// <summary>
    /// When a period of <paramref name="workingDays"/> working days started at <paramref name="start"/> ends:
    /// at the end (China midnight) of the <paramref name="workingDays"/>-th working day after the day of
    /// <paramref name="start"/>, the day of submission not counted (an application made on Friday evening has
    /// its first day on Monday).
    /// </summary>
    public DateTimeOffset DueAt(DateTimeOffset start, int workingDays)
    {
        var local = start.ToOffset(ChinaOffset);
        var last = AddWorkingDays(DateOnly.FromDateTime(local.DateTime), workingDays);
        return new DateTimeOffset(last.AddDays(1).ToDateTime(TimeOnly.MinValue), ChinaOffset).ToUniversalTime();
    }

    /// <summary>Parses a list of yyyy-MM-dd dates; the message names the bad entry.</summary>
    public static IReadOnlyList<DateOnly> ParseDates(IEnumerable<string> values, string setting)
    {
        var dates = new List<DateOnly>();
        foreach (var raw in values)
        {
            foreach (var entry in raw.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!DateOnly.TryParseExact(entry, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                {
                    throw new FormatException($"'{entry}' is not a date yyyy-MM-dd ({setting})");
                }

                dates.Add(d);
            }
        }

        return dates;
    }

    private static string Format(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
