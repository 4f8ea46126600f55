using NRules.Fluent.Dsl;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("A violation above MINOR deducts at full weight in [decided_at, m(decided_at, fullWeightMonths)) (docs/policy.md §4.2–4.3).")]
[Tag("ALL_FAMILIES")]
[Tag("AGE_WEIGHT")]
[Tag("DEDUCTION")]
[Priority(Stages.Deduction)]
public sealed class FullWeightDeductionRule : Rule
{
    public const string Id = "FULL_WEIGHT_DEDUCTION";

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
                x => asOf.At < Months.Add(x.DecidedAt, policy.Policy.Age.FullWeightMonths));

        Then()
            .Do(_ => DeductionMath.Deduct(v, card, 1m, Id, Months.Add(v.DecidedAt, policy.Policy.Age.FullWeightMonths)));
    }
}
