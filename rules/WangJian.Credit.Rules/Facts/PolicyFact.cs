using System.Collections.Frozen;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Facts;

/// <summary>
/// The policy in force for the session. Rules read every number from here, so a new policy file
/// changes the outcome without a recompile of the rules.
/// </summary>
public sealed class PolicyFact
{
    public PolicyFact(CreditPolicy policy)
    {
        Policy = policy;
        AggravatedCodes = policy.Health.AggravatedCodes.ToFrozenSet(StringComparer.Ordinal);
    }

    public CreditPolicy Policy { get; }

    /// <summary>Lookup set for the health rule's condition, built once per policy instead of per session.</summary>
    public FrozenSet<string> AggravatedCodes { get; }
}
