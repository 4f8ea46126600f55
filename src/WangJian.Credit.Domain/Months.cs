namespace WangJian.Credit.Domain;

/// <summary>
/// docs/policy.md §4.2's m(t, n): calendar months with the day clamped to the month's end.
/// One helper so that every rule and both scorers agree on the boundary instants.
/// </summary>
public static class Months
{
    public static DateTimeOffset Add(DateTimeOffset t, int months) => t.AddMonths(months);
}
