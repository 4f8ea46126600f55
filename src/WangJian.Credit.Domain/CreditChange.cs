namespace WangJian.Credit.Domain;

/// <summary>What made an operator's grade or listing change.</summary>
public enum ChangeCause
{
    Recorded = 1,
    Revoked = 2,
    Repaired = 3,
    Time = 4,

    /// <summary>A new policy version came into force (the rollout, or the first assessment after its effective_from).</summary>
    Policy = 5,
}

/// <summary>The part of an assessment that platforms and agencies act on.</summary>
public sealed record CreditSummary(
    decimal Score,
    Grade Grade,
    bool Blacklisted,
    DateTimeOffset? ListedAt,
    DateTimeOffset? ExpiresAt,
    IReadOnlyList<string> ListingRules)
{
    /// <summary>An operator with no record: A / 100, not listed.</summary>
    public static readonly CreditSummary Clean = new(100m, Grade.A, false, null, null, []);

    public static CreditSummary From(Assessment a) => new(
        a.Score,
        a.Grade,
        a.Blacklisted,
        a.Listing?.ListedAt,
        a.Listing?.ExpiresAt,
        a.Listing?.Triggers.Select(t => t.Rule).Distinct().ToArray() ?? []);

    /// <summary>Value equality, with the rule list compared by content.</summary>
    public bool SameAs(CreditSummary other) =>
        Score == other.Score && !DiffersInGradeOrListing(other) && ListingRules.SequenceEqual(other.ListingRules);

    /// <summary>A grade or listing change (a score change inside a grade is not one).</summary>
    public bool DiffersInGradeOrListing(CreditSummary other) =>
        Grade != other.Grade || Blacklisted != other.Blacklisted || ListedAt != other.ListedAt || ExpiresAt != other.ExpiresAt;
}

/// <summary>
/// One grade or listing change of one operator. <see cref="Number"/> counts the operator's changes
/// (1, 2, …) and, with the operator id, makes publishing it idempotent.
/// </summary>
public sealed record CreditChange(
    string OperatorId,
    long Number,
    DateTimeOffset At,
    ChangeCause Cause,
    CreditSummary Previous,
    CreditSummary Current);
