using NRules.Fluent.Dsl;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Listing rule 1 (SAMR Order No. 44): an active violation of a listable offense with a heavier penalty or severity ESPECIALLY_SERIOUS lists the operator from its decided_at (docs/policy.md §4.5).")]
[Tag("ALL_FAMILIES")]
[Tag("LISTING")]
[Priority(Stages.Trigger)]
public sealed class ListableHeavierPenaltyTriggerRule : Rule
{
    public const string Id = "LISTABLE_HEAVIER_PENALTY";

    public override void Define()
    {
        AsOfFact asOf = null!;
        PolicyFact policy = null!;
        Scorecard card = null!;
        ViolationFact v = null!;

        When()
            .Match(() => asOf)
            .Match(() => policy)
            .Match(() => card)
            .Match(
                () => v,
                x => x.Offense.Listable,
                x => x.HeavierPenalty || x.Severity == Severity.EspeciallySerious,
                x => x.IsActiveAt(asOf.At));

        Then()
            .Do(_ => ListingTriggers.Single(v, card, Id));
    }
}
