using System.Text;
using CsCheck;
using WangJian.Credit.Domain;
using static WangJian.Credit.Rules.Tests.Histories;

namespace WangJian.Credit.Rules.Tests;

/// <summary>
/// <see cref="HistoryIndex.Assess"/> gives NRules only what can matter at T; these prove it gives the same
/// assessment as NRules over the whole history: random histories of up to 20 years (so that most of a
/// history lies outside the policy's horizon and listing runs chain across it), random as-of times,
/// under the default policy and under one with every number changed.
/// </summary>
[Trait("Category", "Unit")]
public class RelevanceFilterTests
{
    private static readonly NRulesCreditScorer Rules = new();

    // Up to 120 violations over up to 19 years, some packed into one year so that repeats and rule-2
    // listings occur; their statuses change up to four years after the decision.
    private static readonly Gen<(int Start, int Span)> LongPeriod = Gen.Select(Gen.Int[0, 600], Gen.OneOf(400, 1900, 4000, 7000), (start, span) => (start, span));

    private static readonly Gen<OperatorHistory> LongHistory =
        Gen.Select(LongPeriod, Gen.Frequency((3, Gen.Int[0, 40]), (1, Gen.Int[40, 120])), Gen.Int[0, 3])
            .SelectMany((period, count, repairs) => Gen.Select(
                ScorerPropertyTests.InstantIn(period).Array[1, 6].SelectMany(pool => ScorerPropertyTests.ViolationGen(ScorerPropertyTests.InstantIn(period), pool).Array[count]),
                ScorerPropertyTests.InstantIn(period).Array[repairs],
                (specs, listingRepairs) => History(specs.Select((s, i) => s(i)).ToList(), listingRepairs)));

    private static readonly Gen<(OperatorHistory History, DateTimeOffset AsOf)> LongCase =
        LongHistory.SelectMany(h => Gen.Frequency(
                (2, ScorerPropertyTests.InstantIn((0, 7700))),
                (1, Gen.Const(Latest(h).AddDays(1))),
                (4, ScorerPropertyTests.BoundaryOf(h)))
            .Select(t => (h, t)));

    [Fact]
    public void Assess_RandomLongHistories_SameAsFullEvaluation()
    {
        ScorerPropertyTests.ForEachCase(LongCase, (history, asOf) => AssertSame(history, Policy, asOf));
    }

    [Fact]
    public void Assess_RandomLongHistoriesUnderAnotherPolicy_SameAsFullEvaluation()
    {
        ScorerPropertyTests.ForEachCase(LongCase, (history, asOf) => AssertSame(history, ScorerPropertyTests.OtherPolicy, asOf));
    }

    [Fact]
    public void Assess_ListedWithoutBreakForYears_ReachesBackToTheRunStart()
    {
        // A listable heavier penalty every two years for 18 years: one run of chained listings since the first.
        var violations = Enumerable.Range(0, 10)
            .Select(i => V("FAKE_REVIEW_ORGANIZING", Severity.Serious, At(2008, 3, 1).AddMonths(24 * i), heavier: true))
            .ToList();
        var history = History(violations);
        var asOf = At(2027, 1, 1);

        var assessment = HistoryIndex.From(history).Assess(Rules, Policy, asOf);

        Assert.Equal(At(2008, 3, 1), assessment.Listing!.ListedAt);
        Assert.Equal(10, assessment.Listing.Triggers.Count);
        AssertSame(history, Policy, asOf);
    }

    [Fact]
    public void Assess_OldRecordsOnly_NoFactsBeyondTheHorizon()
    {
        var old = Enumerable.Range(0, 50).Select(i => V("FALSE_PROMOTION", Severity.General, At(2000, 1, 1).AddDays(30 * i))).ToList();
        var recent = V("FAKE_REVIEW_ORGANIZING", Severity.General, At(2026, 6, 1));
        var counting = new CountingScorer(Rules);

        var assessment = HistoryIndex.From(History([.. old, recent])).Assess(counting, Policy, At(2026, 7, 1));

        Assert.Equal([1], counting.Sizes);
        Assert.Equal(Describe(Rules.Assess(History([.. old, recent]), Policy, At(2026, 7, 1))), Describe(assessment));
    }

    [Fact]
    public void HorizonMonths_ComesFromThePolicy()
    {
        Assert.Equal(Policy.Listing.DurationMonths + Policy.Listing.RepeatWindowMonths, HistoryIndex.HorizonMonths(Policy));
        var longer = Policy with { Age = Policy.Age with { HalfWeightUntilMonths = 99 } };
        Assert.Equal(99, HistoryIndex.HorizonMonths(longer));
    }

    private static void AssertSame(OperatorHistory history, CreditPolicy policy, DateTimeOffset asOf)
    {
        var expected = Exact(Rules.Assess(history, policy, asOf));
        var actual = Exact(HistoryIndex.From(history).Assess(Rules, policy, asOf));
        Assert.True(expected == actual, $"filtered and full evaluation differ under {policy.Version} for\n{Print(history, asOf)}\nfull:\n{expected}\nfiltered:\n{actual}");
    }

    /// <summary>Everything of an assessment, rule names included.</summary>
    private static string Exact(Assessment a)
    {
        var sb = new StringBuilder(Describe(a));
        foreach (var d in a.Deductions)
        {
            sb.Append(d.ViolationId).Append(' ').Append(d.Rule).Append(' ').AppendJoin(",", d.RulesApplied).Append('\n');
        }

        return sb.ToString();
    }

    private static DateTimeOffset Latest(OperatorHistory h) =>
        h.Violations.Select(v => v.DecidedAt.ToUniversalTime()).DefaultIfEmpty(At(2021, 1, 1)).Max();

    private sealed class CountingScorer(ICreditScorer inner) : ICreditScorer
    {
        public List<int> Sizes { get; } = [];

        public Assessment Assess(OperatorHistory history, CreditPolicy policy, DateTimeOffset asOf)
        {
            Sizes.Add(history.Violations.Count);
            return inner.Assess(history, policy, asOf);
        }
    }
}
