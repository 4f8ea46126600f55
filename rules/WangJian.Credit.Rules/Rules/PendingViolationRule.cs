using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("A recorded decision dated after T starts to count at its decided_at: the assessment must be recomputed then (docs/policy.md §4.2 \"exists\").")]
[Tag("SCHEDULE")]
[Priority(Stages.Schedule)]
public sealed class PendingViolationRule : Rule
{
    public const string Id = "PENDING_VIOLATION";

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
            .Match(() => v, x => x.DecidedAt > asOf.At, x => x.IsActiveAt(x.DecidedAt));

        Then()
            .Do(_ => card.ProposeChange(v.DecidedAt));
    }
}
