using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("An approved listing repair at R ends the listing: every trigger at or before R is void from R on; later triggers list again (docs/policy.md §4.5).")]
[Tag("LISTING")]
[Tag("REPAIR")]
[Priority(Stages.ListingRepair)]
public sealed class ListingRepairRule : Rule
{
    public const string Id = "LISTING_REPAIR";

    public override void Define()
    {
        AsOfFact asOf = null!;
        PolicyFact policy = null!;
        Scorecard card = null!;
        ListingRepairFact repair = null!;

        When()
            .Match(() => asOf)
            .Match(() => policy)
            .Match(() => card)
            .Match(() => repair, r => r.At <= asOf.At);

        Then()
            .Do(_ => ListingTriggers.Void(repair, card));
    }
}
