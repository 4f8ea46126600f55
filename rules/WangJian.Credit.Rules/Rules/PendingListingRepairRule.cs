using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("A listing repair dated after T (a past status being recomputed) ends the listing at its date (docs/policy.md §4.5).")]
[Tag("SCHEDULE")]
[Tag("LISTING")]
[Tag("REPAIR")]
[Priority(Stages.Schedule)]
public sealed class PendingListingRepairRule : Rule
{
    public const string Id = "PENDING_LISTING_REPAIR";

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
            .Match(() => repair, r => r.At > asOf.At);

        Then()
            .Do(_ => card.ProposeChange(repair.At));
    }
}
