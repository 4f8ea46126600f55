using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Repeat multiplier for every family without a first-class rule (QUALIFICATION, PRODUCT_SAFETY, COMPETITION, CONSUMER_RIGHTS, PROHIBITED_TRADE, and any family a later policy adds): same counting as the first-class families (docs/policy.md §4.3).")]
[Tag("GENERIC")]
[Tag("REPEAT")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.Repeat)]
public sealed class GenericRepeatRule : Rule
{
    public const string Id = "GENERIC_REPEAT";

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
            .Match(() => family, f => !Families.IsFirstClass(f.Family));

        Then()
            .Do(_ => RepeatCounting.Apply(family, asOf, policy, card, Id));
    }
}
