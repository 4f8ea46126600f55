namespace WangJian.Credit.Domain;

/// <summary>
/// What may be published about a penalty decision, and until when (SAMR Order No. 45; docs/policy.md §4.8).
/// A pure function of the record, the policy and the instant, like the scorer.
/// </summary>
public static class Publicity
{
    /// <summary>
    /// The short period applies to a decision that imposes nothing but a warning and a fine at or below the
    /// policy's low-fine threshold, and is not a heavier penalty; every other decision is published for the
    /// long period.
    /// </summary>
    public static bool IsShort(Violation violation, PublicityPolicy policy) =>
        !violation.HeavierPenalty
        && violation.PenaltyKinds.All(k => k is PenaltyKind.Warning or PenaltyKind.Fine)
        && violation.FineFen <= policy.LowFineThresholdFen;

    /// <summary>
    /// When publicity of the decision ends: its period after the decision, or its repair if earlier.
    /// Null for a revoked decision, which is never published.
    /// </summary>
    public static DateTimeOffset? EndsAt(Violation violation, PublicityPolicy policy)
    {
        if (violation.IsRevoked)
        {
            return null;
        }

        var end = Months.Add(violation.DecidedAt.ToUniversalTime(), IsShort(violation, policy) ? policy.ShortMonths : policy.LongMonths);
        return violation.RepairedAt is { } repaired && repaired < end ? repaired : end;
    }

    /// <summary>Inside its publicity period at <paramref name="at"/>: decided, not revoked, before its end.</summary>
    public static bool IsPublishedAt(Violation violation, PublicityPolicy policy, DateTimeOffset at) =>
        violation.DecidedAt <= at && EndsAt(violation, policy) is { } end && at < end;
}
