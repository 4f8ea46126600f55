namespace WangJian.Credit.Domain;

/// <summary>
/// What one violation takes off the score at the as-of time, and why:
/// Points = round½((BasePoints + HeavierPoints) × RepeatMultiplier × HealthMultiplier × AgeWeight).
/// </summary>
public sealed record Deduction(
    string ViolationId,
    string OffenseCode,
    string Family,
    Severity Severity,
    string DecisionNumber,
    string AuthorityCode,
    DateTimeOffset DecidedAt,
    decimal BasePoints,
    decimal HeavierPoints,
    int RepeatOrdinal,
    decimal RepeatMultiplier,
    decimal HealthMultiplier,
    decimal AgeWeight,
    decimal Points,
    string Rule,
    IReadOnlyList<string> RulesApplied,
    string LegalBasis);

/// <summary>An instant at which the operator entered the list, the rule that put it there, and the violations behind it.</summary>
public sealed record ListingTrigger(DateTimeOffset At, string Rule, IReadOnlyList<string> ViolationIds);

/// <summary>The listing in force: the run of overlapping trigger intervals containing the as-of time.</summary>
public sealed record Listing(DateTimeOffset ListedAt, DateTimeOffset ExpiresAt, IReadOnlyList<ListingTrigger> Triggers)
{
    /// <summary>The latest trigger: listing repair is allowed 12 months (policy) after it.</summary>
    public DateTimeOffset LastTriggerAt => Triggers.Max(t => t.At);
}

/// <summary>The credit assessment of an operator at one instant under one policy version.</summary>
/// <param name="NextChangeAt">The next instant after AsOf at which the assessment may change with no new record.</param>
public sealed record Assessment(
    string OperatorId,
    DateTimeOffset AsOf,
    string PolicyVersion,
    decimal Score,
    Grade Grade,
    IReadOnlyList<Deduction> Deductions,
    Listing? Listing,
    DateTimeOffset? NextChangeAt)
{
    public bool Blacklisted => Listing is not null;
}

/// <summary>The pure scoring function: (history, policy, as-of) → assessment. No clock, no I/O.</summary>
public interface ICreditScorer
{
    Assessment Assess(OperatorHistory history, CreditPolicy policy, DateTimeOffset asOf);
}
