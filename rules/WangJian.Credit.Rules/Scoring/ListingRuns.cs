using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;
using NRules.RuleModel;

namespace WangJian.Credit.Rules.Scoring;

/// <summary>Action of the listing-run rule: from surviving triggers to the listing in force at T.</summary>
public static class ListingRuns
{
    public static void Resolve(IContext ctx, AsOfFact asOf, PolicyFact policy, Scorecard card)
    {
        var listing = Resolve(card.Triggers, asOf.At, policy.Policy.Listing);
        if (listing is null)
        {
            return;
        }

        card.SetListing(listing);
        card.ProposeChange(listing.ExpiresAt);
        card.ProposeChange(Months.Add(listing.LastTriggerAt, policy.Policy.Listing.RepairAfterMonths));
        ctx.Insert(new ListedFact(listing));
    }

    /// <summary>
    /// Intervals [t, m(t, duration)) are chained while the next trigger starts at or before the
    /// current end (touching intervals leave no gap, so the operator never left the list). Every
    /// trigger is at or before T, so only the last chain can contain T.
    /// </summary>
    public static Listing? Resolve(IReadOnlyList<TriggerCandidate> candidates, DateTimeOffset t, ListingPolicy policy)
    {
        var live = new List<TriggerCandidate>(candidates.Count);
        foreach (var c in candidates)
        {
            if (!c.Void && c.At <= t)
            {
                live.Add(c);
            }
        }

        if (live.Count == 0)
        {
            return null;
        }

        live.Sort(static (a, b) =>
        {
            var c = a.At.CompareTo(b.At);
            if (c != 0)
            {
                return c;
            }

            c = a.Order.CompareTo(b.Order);
            return c != 0 ? c : string.CompareOrdinal(a.Rule, b.Rule);
        });

        var runStart = 0;
        var runEnd = Months.Add(live[0].At, policy.DurationMonths);
        for (var i = 1; i < live.Count; i++)
        {
            var end = Months.Add(live[i].At, policy.DurationMonths);
            if (live[i].At > runEnd)
            {
                runStart = i;
                runEnd = end;
            }
            else if (end > runEnd)
            {
                runEnd = end;
            }
        }

        if (t >= runEnd)
        {
            return null;
        }

        var triggers = new ListingTrigger[live.Count - runStart];
        for (var i = runStart; i < live.Count; i++)
        {
            triggers[i - runStart] = new ListingTrigger(live[i].At, live[i].Rule, live[i].ViolationIds);
        }

        return new Listing(live[runStart].At, runEnd, triggers);
    }
}
