using System.Linq.Expressions;
using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

/// <summary>
/// The repeat multiplier of one or more offense families (docs/policy.md §4.3). The counting is the same
/// for every family; each family the policy names first-class keeps its own rule (its own name, tags and
/// firing record, so an operator's deductions say which family's repeats counted), and differs from the
/// others only in which families it covers.
/// </summary>
public abstract class FamilyRepeatRule(string id) : Rule
{
    /// <summary>Which family facts this rule counts repeats for.</summary>
    protected abstract Expression<Func<FamilyFact, bool>> Covers { get; }

    public override void Define()
    {
        AsOfFact asOf = null!;
        PolicyFact policy = null!;
        Scorecard card = null!;
        FamilyFact family = null!;

        When()
            .Match(() => asOf)
            .Match(() => policy)
            .Match(() => card)
            .Match(() => family, Covers);

        Then()
            .Do(_ => RepeatCounting.Apply(family, asOf, policy, card, id));
    }
}
