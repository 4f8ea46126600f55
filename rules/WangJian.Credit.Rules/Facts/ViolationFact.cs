using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Facts;

/// <summary>
/// One recorded violation with its offense definition, plus the deduction components the
/// higher-priority rules fill in before the deduction rules read them.
/// </summary>
public sealed class ViolationFact
{
    private List<string>? rulesApplied;

    public ViolationFact(Violation violation, OffenseDefinition offense, int order)
    {
        Violation = violation;
        Offense = offense;
        Order = order;
        DecidedAt = violation.DecidedAt.ToUniversalTime();
        RepairedAt = violation.RepairedAt?.ToUniversalTime();

        // Read once: conditions test activity in many join nodes, and the status walks the change list.
        IsRevoked = violation.IsRevoked;
        HeavierPenalty = violation.HeavierPenalty;
    }

    public Violation Violation { get; }

    public OffenseDefinition Offense { get; }

    /// <summary>Position in the total chronological order of docs/policy.md §4.2 over the whole history.</summary>
    public int Order { get; }

    public string Id => Violation.Id;

    public string Code => Offense.Code;

    public string Family => Offense.Family;

    public Severity Severity => Violation.Severity;

    public bool HeavierPenalty { get; }

    public bool IsRevoked { get; }

    /// <summary>In UTC, because m(t, n) is defined on UTC calendar months.</summary>
    public DateTimeOffset DecidedAt { get; }

    public DateTimeOffset? RepairedAt { get; }

    public decimal HeavierPoints { get; private set; }

    /// <summary>1-based position inside the repeat window; 0 when outside it.</summary>
    public int RepeatOrdinal { get; private set; }

    public decimal RepeatMultiplier { get; private set; } = 1m;

    public decimal HealthMultiplier { get; private set; } = 1m;

    public IReadOnlyList<string> RulesApplied => (IReadOnlyList<string>?)rulesApplied ?? [];

    /// <summary>docs/policy.md §4.2: exists, not revoked (for all of time), not repaired at or before t.</summary>
    public bool IsActiveAt(DateTimeOffset t) => DecidedAt <= t && !IsRevoked && !(RepairedAt is { } r && r <= t);

    public void ApplyHeavierPenalty(decimal points, string rule)
    {
        HeavierPoints = points;
        (rulesApplied ??= new(3)).Add(rule);
    }

    public void ApplyRepeat(int ordinal, decimal multiplier, string rule)
    {
        RepeatOrdinal = ordinal;
        RepeatMultiplier = multiplier;
        (rulesApplied ??= new(3)).Add(rule);
    }

    public void ApplyHealth(decimal multiplier, string rule)
    {
        HealthMultiplier = multiplier;
        (rulesApplied ??= new(3)).Add(rule);
    }
}
