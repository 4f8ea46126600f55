using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// The persisted state of one operator: the append-only history (records are never removed; status
/// changes are appended to each record) and what the grain last told the world about it.
/// </summary>
public sealed class OperatorState
{
    public List<Violation> Violations { get; set; } = [];

    public List<ListingRepair> ListingRepairs { get; set; } = [];

    /// <summary>The instant the time-driven reminder is set for, if any.</summary>
    public DateTimeOffset? NextWakeUp { get; set; }
}
