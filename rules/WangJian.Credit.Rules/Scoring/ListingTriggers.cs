using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Scoring;

/// <summary>Actions of the listing rules (docs/policy.md §4.5).</summary>
public static class ListingTriggers
{
    public static void Single(ViolationFact v, Scorecard card, string rule) =>
        card.AddTrigger(new TriggerCandidate(v.DecidedAt, rule, v.Order, [v.Id]));

    /// <summary>
    /// Rule 2 generalised to the policy's count n: the k-th counted violation (k ≥ n) triggers when
    /// it falls before m(decided_at of the (k−n+1)-th, window), i.e. n of them inside one window.
    /// </summary>
    public static void Repeats(FamilyFact family, AsOfFact asOf, PolicyFact policy, Scorecard card, string rule)
    {
        var listing = policy.Policy.Listing;
        var t = asOf.At;
        var counted = new List<ViolationFact>(family.Members.Count);
        foreach (var v in family.Members)
        {
            if (v.Severity >= listing.RepeatMinSeverity && v.IsActiveAt(t))
            {
                counted.Add(v);
            }
        }

        var n = listing.RepeatCount;
        for (var k = n - 1; k < counted.Count; k++)
        {
            var first = counted[k - n + 1];
            var vk = counted[k];
            if (vk.DecidedAt < Months.Add(first.DecidedAt, listing.RepeatWindowMonths))
            {
                var ids = new string[n];
                for (var i = 0; i < n; i++)
                {
                    ids[i] = counted[k - n + 1 + i].Id;
                }

                card.AddTrigger(new TriggerCandidate(vk.DecidedAt, rule, vk.Order, ids));
            }
        }
    }

    /// <summary>A listing repair at R voids every trigger at or before R (it is already in effect at T ≥ R).</summary>
    public static void Void(ListingRepairFact repair, Scorecard card)
    {
        foreach (var trigger in card.Triggers)
        {
            if (trigger.At <= repair.At)
            {
                trigger.Void = true;
            }
        }
    }
}
