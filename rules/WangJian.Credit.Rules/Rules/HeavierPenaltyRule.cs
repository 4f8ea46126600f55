using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("A heavier administrative penalty (较重行政处罚) adds the policy's heavier-penalty points to the base (docs/policy.md §4.3).")]
[Tag("ALL_FAMILIES")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.HeavierPenalty)]
public sealed class HeavierPenaltyRule : Rule
{
    public const string Id = "HEAVIER_PENALTY";

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
            .Match(() => v, x => x.HeavierPenalty, x => x.IsActiveAt(asOf.At));

        Then()
            .Do(_ => v.ApplyHeavierPenalty(policy.Policy.HeavierPenaltyPoints, Id));
    }
}
