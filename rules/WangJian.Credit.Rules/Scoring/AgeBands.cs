using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Scoring;

/// <summary>
/// "In force" of docs/policy.md §4.2 for rules that only ask whether another violation still counts;
/// the deduction rules state each age band themselves.
/// </summary>
public static class AgeBands
{
    public static DateTimeOffset PublicityEnd(ViolationFact v, AgePolicy age) =>
        Months.Add(v.DecidedAt, v.Severity == Severity.Minor ? age.MinorMonths : age.HalfWeightUntilMonths);

    public static bool InForceAt(ViolationFact v, DateTimeOffset t, AgePolicy age) =>
        v.IsActiveAt(t) && t < PublicityEnd(v, age);
}
