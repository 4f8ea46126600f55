using System.Globalization;

namespace WangJian.Credit.Domain;

/// <summary>Why a repair request cannot be approved now.</summary>
public enum RepairBlock
{
    None = 0,

    /// <summary>The policy's waiting time has not passed; <see cref="RepairCheck.EarliestAt"/> says when it will.</summary>
    TooEarly = 1,

    /// <summary>The penalty was overturned; there is nothing to repair.</summary>
    Revoked = 2,

    /// <summary>The violation was already repaired.</summary>
    AlreadyRepaired = 3,

    /// <summary>The violation is behind the listing in force; the listing must be repaired first.</summary>
    BehindListing = 4,

    /// <summary>A listing repair was asked for an operator that is not listed.</summary>
    NotListed = 5,
}

/// <summary>The answer to "may this repair be approved at <c>At</c>?".</summary>
/// <param name="EarliestAt">When the request could first be approved, if any instant can be named.</param>
/// <param name="Reason">A sentence for the FAILED_PRECONDITION message (or "allowed").</param>
public sealed record RepairCheck(DateTimeOffset At, bool Allowed, RepairBlock Block, DateTimeOffset? EarliestAt, string Reason);

/// <summary>
/// docs/policy.md §4.5 (listing repair) and §4.6 (violation repair) preconditions, as a pure function of
/// the record, the policy and the listing in force at the decision instant R (take it from the
/// assessment at R, so that the scorer stays the one place that decides what is listed).
/// </summary>
public static class RepairEligibility
{
    /// <summary>m(decided_at, 6), or m(decided_at, 12) for PRODUCT_SAFETY (policy: repair.familyMonths).</summary>
    public static DateTimeOffset EarliestViolationRepair(Violation violation, CreditPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(violation);
        ArgumentNullException.ThrowIfNull(policy);
        var family = policy.Offense(violation.OffenseCode).Family;
        return Months.Add(violation.DecidedAt.ToUniversalTime(), policy.Repair.MonthsFor(family));
    }

    /// <summary>m(t_last, 12): at least a year after the listing's latest trigger (policy: listing.repairAfterMonths).</summary>
    public static DateTimeOffset EarliestListingRepair(Listing listing, CreditPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(policy);
        return Months.Add(listing.LastTriggerAt.ToUniversalTime(), policy.Listing.RepairAfterMonths);
    }

    /// <summary>May <paramref name="violation"/> be repaired at <paramref name="at"/>, given the listing in force then?</summary>
    public static RepairCheck CheckViolationRepair(Violation violation, CreditPolicy policy, Listing? listingInForce, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(violation);
        ArgumentNullException.ThrowIfNull(policy);
        at = at.ToUniversalTime();

        if (violation.IsRevoked)
        {
            return new RepairCheck(at, false, RepairBlock.Revoked, null, $"violation {violation.Id} was revoked; a revoked penalty cannot be repaired");
        }

        if (violation.RepairedAt is { } repairedAt)
        {
            return new RepairCheck(at, false, RepairBlock.AlreadyRepaired, null, $"violation {violation.Id} was already repaired at {Format(repairedAt)}");
        }

        var earliest = EarliestViolationRepair(violation, policy);
        if (listingInForce is not null && IsBehind(violation, listingInForce))
        {
            // Once the listing is repaired the violation no longer stands behind it, so the earliest
            // date is the later of the two waiting times.
            var listingEarliest = EarliestListingRepair(listingInForce, policy);
            var when = listingEarliest > earliest ? listingEarliest : earliest;
            return new RepairCheck(
                at,
                false,
                RepairBlock.BehindListing,
                when,
                $"violation {violation.Id} is behind the listing in force since {Format(listingInForce.ListedAt)}; repair the listing first (possible from {Format(listingEarliest)}); the violation may be repaired from {Format(when)} at the earliest");
        }

        if (at < earliest)
        {
            var months = policy.Repair.MonthsFor(policy.Offense(violation.OffenseCode).Family);
            return new RepairCheck(
                at,
                false,
                RepairBlock.TooEarly,
                earliest,
                $"violation {violation.Id} may be repaired no earlier than {Format(earliest)} ({months.ToString(CultureInfo.InvariantCulture)} months after its decision of {Format(violation.DecidedAt)})");
        }

        return new RepairCheck(at, true, RepairBlock.None, earliest, "allowed");
    }

    /// <summary>Overload taking the assessment at the decision instant R (its AsOf).</summary>
    public static RepairCheck CheckViolationRepair(Violation violation, CreditPolicy policy, Assessment atDecision)
    {
        ArgumentNullException.ThrowIfNull(atDecision);
        return CheckViolationRepair(violation, policy, atDecision.Listing, atDecision.AsOf);
    }

    /// <summary>May the listing in force at <paramref name="at"/> be repaired then?</summary>
    public static RepairCheck CheckListingRepair(Listing? listingInForce, CreditPolicy policy, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(policy);
        at = at.ToUniversalTime();

        if (listingInForce is null)
        {
            return new RepairCheck(at, false, RepairBlock.NotListed, null, $"the operator is not listed at {Format(at)}; there is no listing to repair");
        }

        var earliest = EarliestListingRepair(listingInForce, policy);
        if (at < earliest)
        {
            return new RepairCheck(
                at,
                false,
                RepairBlock.TooEarly,
                earliest,
                $"the listing may be repaired no earlier than {Format(earliest)} ({policy.Listing.RepairAfterMonths.ToString(CultureInfo.InvariantCulture)} months after its latest trigger of {Format(listingInForce.LastTriggerAt)})");
        }

        return new RepairCheck(at, true, RepairBlock.None, earliest, "allowed");
    }

    /// <summary>Overload taking the assessment at the decision instant R (its AsOf).</summary>
    public static RepairCheck CheckListingRepair(CreditPolicy policy, Assessment atDecision)
    {
        ArgumentNullException.ThrowIfNull(atDecision);
        return CheckListingRepair(atDecision.Listing, policy, atDecision.AsOf);
    }

    private static bool IsBehind(Violation violation, Listing listing)
    {
        foreach (var trigger in listing.Triggers)
        {
            foreach (var id in trigger.ViolationIds)
            {
                if (id == violation.Id)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string Format(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
