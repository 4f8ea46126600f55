namespace WangJian.Credit.Rules.Facts;

/// <summary>
/// All violations of one family in chronological order. Repeat counting is an ordered walk over
/// the family; handing the rules one pre-sorted group keeps the Rete network from joining every
/// pair of violations to discover the order.
/// </summary>
public sealed class FamilyFact(string family, IReadOnlyList<ViolationFact> members)
{
    public string Family { get; } = family;

    public IReadOnlyList<ViolationFact> Members { get; } = members;
}
