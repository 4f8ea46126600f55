using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Each surviving trigger t lists over [t, m(t, durationMonths)); the reported listing is the run of chained intervals containing T, from its first trigger to its last interval's end (docs/policy.md §4.5).")]
[Tag("LISTING")]
[Priority(Stages.ListingRun)]
public sealed class ListingRunRule : Rule
{
    public const string Id = "LISTING_RUN";

    public override void Define()
    {
        AsOfFact asOf = null!;
        PolicyFact policy = null!;
        Scorecard card = null!;

        When()
            .Match(() => asOf)
            .Match(() => policy)
            .Match(() => card);

        Then()
            .Do(ctx => ListingRuns.Resolve(ctx, asOf, policy, card));
    }
}
