using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Scoring;

/// <summary>Boundary instants of the month-based windows of docs/policy.md §4.</summary>
public static class Windows
{
    /// <summary>
    /// The earliest T at which <paramref name="decidedAt"/> has left the look-back window (m(T, −months), T],
    /// i.e. the least T with m(T, −months) ≥ decidedAt.
    /// </summary>
    /// <remarks>
    /// This is m(d, months) unless that sum was clamped to a shorter month (d = Jan 31 → Feb 28):
    /// then m(m(d, months), −months) lands before d, every instant of that short month still looks
    /// back to before d, and the window only lets go at the first instant of the next month.
    /// Returning m(d, months) there would schedule a re-assessment too early and then never again.
    /// </remarks>
    public static DateTimeOffset LeavesLookBack(DateTimeOffset decidedAt, int months)
    {
        var d = decidedAt.ToUniversalTime();
        var candidate = Months.Add(d, months);
        if (Months.Add(candidate, -months) >= d)
        {
            return candidate;
        }

        return new DateTimeOffset(candidate.Year, candidate.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
    }
}
