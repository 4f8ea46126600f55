using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Life-and-health aggravation: a violation of an aggravated code (FALSE_AD_HEALTH, INFANT_FORMULA_PROMOTION) deducts × the health multiplier while another violation of the trigger code (FALSE_AD_HEALTH) is in force (docs/policy.md §4.3).")]
[Tag("FALSE_ADVERTISING")]
[Tag("HEALTH")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.Health)]
public sealed class LifeAndHealthAggravationRule : Rule
{
    public const string Id = "LIFE_AND_HEALTH_AGGRAVATION";

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
            .Match(() => v, x => policy.AggravatedCodes.Contains(x.Code), x => AgeBands.InForceAt(x, asOf.At, policy.Policy.Age))
            .Exists<ViolationFact>(
                o => o.Code == policy.Policy.Health.TriggerCode,
                o => o != v,
                o => AgeBands.InForceAt(o, asOf.At, policy.Policy.Age));

        Then()
            .Do(_ => v.ApplyHealth(policy.Policy.Health.Multiplier, Id));
    }
}
