using NRules.Fluent.Dsl;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("A violation above MINOR deducts at the policy's half weight in [m(decided_at, fullWeightMonths), m(decided_at, halfWeightUntilMonths)); its 3-year publicity then ends (docs/policy.md §4.2–4.3).")]
[Tag("ALL_FAMILIES")]
[Tag("AGE_WEIGHT")]
[Tag("DEDUCTION")]
[Priority(Stages.Deduction)]
public sealed class HalfWeightDeductionRule : Rule
{
    public const string Id = "HALF_WEIGHT_DEDUCTION";

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
                x => x.Severity != Severity.Minor,
                x => x.IsActiveAt(asOf.At),
                x => asOf.At >= Months.Add(x.DecidedAt, policy.Policy.Age.FullWeightMonths),
                x => asOf.At < Months.Add(x.DecidedAt, policy.Policy.Age.HalfWeightUntilMonths));

        Then()
            .Do(_ => DeductionMath.Deduct(v, card, policy.Policy.Age.HalfWeight, Id, Months.Add(v.DecidedAt, policy.Policy.Age.HalfWeightUntilMonths)));
    }
}
