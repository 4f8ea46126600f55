using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Listing rule 2, repeat 炒信: among the active violations of the policy's repeat family (FAKE_REVIEW) of at least the minimum severity, in decided_at order, each one that completes repeatCount inside one repeatWindowMonths window lists the operator from its decided_at (docs/policy.md §4.5).")]
[Tag("FAKE_REVIEW")]
[Tag("LISTING")]
[Priority(Stages.Trigger)]
public sealed class RepeatFakeReviewTriggerRule : Rule
{
    public const string Id = "REPEAT_FAKE_REVIEW";

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
            .Match(() => family, f => f.Family == policy.Policy.Listing.RepeatFamily);

        Then()
            .Do(_ => ListingTriggers.Repeats(family, asOf, policy, card, Id));
    }
}
