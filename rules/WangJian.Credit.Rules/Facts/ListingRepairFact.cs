using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Facts;

/// <summary>An approved listing repair (docs/policy.md §4.5), effective from <see cref="At"/>.</summary>
public sealed class ListingRepairFact(ListingRepair repair)
{
    public ListingRepair Repair { get; } = repair;

    public DateTimeOffset At { get; } = repair.At.ToUniversalTime();
}
