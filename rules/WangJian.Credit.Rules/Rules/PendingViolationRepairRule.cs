using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("A violation repaired after T (a past status being recomputed) stops deducting, triggering and counting at its repair (docs/policy.md §4.6).")]
[Tag("SCHEDULE")]
[Tag("REPAIR")]
[Priority(Stages.Schedule)]
public sealed class PendingViolationRepairRule : Rule
{
    public const string Id = "PENDING_VIOLATION_REPAIR";

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
            .Match(() => v, x => x.RepairedAt > asOf.At, x => x.IsActiveAt(asOf.At));

        Then()
            .Do(_ => card.ProposeChange(v.RepairedAt!.Value));
    }
}
