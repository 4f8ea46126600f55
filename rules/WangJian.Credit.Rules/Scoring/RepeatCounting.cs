using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Scoring;

/// <summary>The action shared by the per-family repeat rules (docs/policy.md §4.3 "repeat").</summary>
public static class RepeatCounting
{
    public static void Apply(FamilyFact family, AsOfFact asOf, PolicyFact policy, Scorecard card, string rule)
    {
        var t = asOf.At;
        var repeat = policy.Policy.Repeat;
        var windowStart = Months.Add(t, -repeat.WindowMonths);
        var ordinal = 0;
        foreach (var v in family.Members)
        {
            // Members are in §4.2's total order, so the running count is the ordinal; inactive ones
            // (revoked, repaired, not yet decided) do not count, whether or not they still deduct.
            if (v.DecidedAt <= windowStart || !v.IsActiveAt(t))
            {
                continue;
            }

            ordinal++;
            v.ApplyRepeat(ordinal, repeat.MultiplierFor(ordinal), rule);

            // When this one leaves the window, its own multiplier and every later ordinal can drop.
            card.ProposeChange(Windows.LeavesLookBack(v.DecidedAt, repeat.WindowMonths));
        }
    }
}
