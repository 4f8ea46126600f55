using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Repeat multiplier for the FALSE_ADVERTISING family — 虚假宣传与虚假广告 (AUCL 8; Advertising Law): the active violations of the family decided in (m(T, −window), T], in decided_at order, get the policy's 1st, 2nd, 3rd-and-later multipliers (docs/policy.md §4.3).")]
[Tag("FALSE_ADVERTISING")]
[Tag("REPEAT")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.Repeat)]
public sealed class FalseAdvertisingRepeatRule : Rule
{
    public const string Id = "FALSE_ADVERTISING_REPEAT";

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
            .Match(() => family, f => f.Family == Families.FalseAdvertising);

        Then()
            .Do(_ => RepeatCounting.Apply(family, asOf, policy, card, Id));
    }
}
