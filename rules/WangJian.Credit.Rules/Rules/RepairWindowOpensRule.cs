using NRules.Fluent.Dsl;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Credit repair of an active violation becomes possible at m(decided_at, repair months of its family) (SAMR Order No. 45; docs/policy.md §4.6): the status shown to the operator changes then.")]
[Tag("SCHEDULE")]
[Tag("REPAIR")]
[Priority(Stages.Schedule)]
public sealed class RepairWindowOpensRule : Rule
{
    public const string Id = "REPAIR_WINDOW_OPENS";

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
                x => x.IsActiveAt(asOf.At),
                x => Months.Add(x.DecidedAt, policy.Policy.Repair.MonthsFor(x.Family)) > asOf.At);

        Then()
            .Do(_ => card.ProposeChange(Months.Add(v.DecidedAt, policy.Policy.Repair.MonthsFor(v.Family))));
    }
}
