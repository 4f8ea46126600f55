using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Facts;

/// <summary>Inserted by the listing-run rule when the operator is on the list at T.</summary>
public sealed class ListedFact(Listing listing)
{
    public Listing Listing { get; } = listing;
}
