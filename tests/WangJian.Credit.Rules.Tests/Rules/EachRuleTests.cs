using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Rules;
using WangJian.Credit.Rules.Scoring;
using static WangJian.Credit.Rules.Tests.Histories;

namespace WangJian.Credit.Rules.Tests.Rules;

/// <summary>
/// One rule at a time, alone in its session (<see cref="RuleHarness{TRule}"/>): on which facts it fires
/// and what it concludes, with the shipped policy's numbers (docs/policy.md §4). The whole rule set is
/// checked against the reference scorer elsewhere; these say which rule is wrong when that check fails.
/// </summary>
[Trait("Category", "Unit")]
public sealed class EachRuleTests
{
    private static readonly DateTimeOffset Jan10 = At(2026, 1, 10);

    // ---- deduction components (§4.3) ----

    [Fact]
    public void HeavierPenalty_AddsThePolicyPointsToAHeavierPenaltyOnly()
    {
        var run = RuleHarness<HeavierPenaltyRule>.Run(
            History(V("FAKE_TRANSACTION", Severity.General, Jan10, heavier: true), V("PRICE_FRAUD", Severity.General, Jan10)),
            At(2026, 2, 1));

        Assert.Single(run.Firings);
        Assert.Equal(10m, run.Violation("FAKE_TRANSACTION").HeavierPoints);
        Assert.Equal([HeavierPenaltyRule.Id], run.Violation("FAKE_TRANSACTION").RulesApplied);
        Assert.Equal(0m, run.Violation("PRICE_FRAUD").HeavierPoints);
    }

    [Fact]
    public void LifeAndHealthAggravation_MultipliesAnAggravatedCodeWhileAnotherTriggerCodeIsInForce()
    {
        var run = RuleHarness<LifeAndHealthAggravationRule>.Run(
            History(V("INFANT_FORMULA_PROMOTION", Severity.General, Jan10), V("FALSE_AD_HEALTH", Severity.General, At(2026, 1, 20))),
            At(2026, 2, 1));

        // The trigger code's own violation needs *another* one of its code: it is not aggravated here.
        Assert.Single(run.Firings);
        Assert.Equal(1.2m, run.Violation("INFANT_FORMULA_PROMOTION").HealthMultiplier);
        Assert.Equal(1m, run.Violation("FALSE_AD_HEALTH").HealthMultiplier);
    }

    [Fact]
    public void LifeAndHealthAggravation_DoesNotFireOnceTheTriggerLeavesForce()
    {
        var run = RuleHarness<LifeAndHealthAggravationRule>.Run(
            History(V("INFANT_FORMULA_PROMOTION", Severity.General, At(2028, 6, 1)), V("FALSE_AD_HEALTH", Severity.General, Jan10)),
            At(2029, 2, 1));

        Assert.Empty(run.Firings);
    }

    [Fact]
    public void FakeReviewRepeat_CountsTheFamilyInsideTheWindowOnly()
    {
        var run = RuleHarness<FakeReviewRepeatRule>.Run(
            History(
                V("FAKE_TRANSACTION", Severity.General, At(2023, 1, 10)),
                V("FAKE_REVIEW", Severity.General, At(2025, 3, 1)),
                V("FAKE_TRANSACTION", Severity.Minor, At(2025, 9, 1)),
                V("FAKE_REVIEW_ORGANIZING", Severity.General, Jan10),
                V("PRICE_FRAUD", Severity.General, Jan10)),
            At(2026, 2, 1));

        Assert.Single(run.Firings);
        var family = run.Violations.Where(v => v.Family == "FAKE_REVIEW").OrderBy(v => v.Order).ToArray();
        Assert.Equal([0, 1, 2, 3], family.Select(v => v.RepeatOrdinal));
        Assert.Equal([1m, 1m, 1.5m, 2m], family.Select(v => v.RepeatMultiplier));
        Assert.Equal(0, run.Violation("PRICE_FRAUD").RepeatOrdinal);
        // The earliest counted one leaves the 24-month window first.
        Assert.Equal(Windows.LeavesLookBack(At(2025, 3, 1), 24), run.Card.NextChangeAt);
    }

    [Fact]
    public void FalseAdvertisingRepeat_CountsItsFamilyAndNoOther()
    {
        var run = RuleHarness<FalseAdvertisingRepeatRule>.Run(
            History(V("FALSE_PROMOTION", Severity.General, At(2025, 6, 1)), V("FALSE_AD_FINANCE", Severity.Serious, Jan10), V("FAKE_REVIEW", Severity.General, Jan10)),
            At(2026, 2, 1));

        Assert.Single(run.Firings);
        Assert.Equal(1.5m, run.Violation("FALSE_AD_FINANCE").RepeatMultiplier);
        Assert.Equal(0, run.Violation("FAKE_REVIEW").RepeatOrdinal);
    }

    [Fact]
    public void PricingRepeat_SkipsARevokedViolation()
    {
        var run = RuleHarness<PricingRepeatRule>.Run(
            History(
                V("PRICE_MARKING", Severity.General, At(2025, 6, 1), revokedAt: At(2025, 7, 1)),
                V("PRICE_FRAUD", Severity.General, At(2025, 8, 1)),
                V("PRICE_GOUGING", Severity.General, Jan10)),
            At(2026, 2, 1));

        Assert.Equal(0, run.Violation("PRICE_MARKING").RepeatOrdinal);
        Assert.Equal([1, 2], new[] { run.Violation("PRICE_FRAUD").RepeatOrdinal, run.Violation("PRICE_GOUGING").RepeatOrdinal });
        Assert.Equal(PricingRepeatRule.Id, run.Violation("PRICE_GOUGING").RulesApplied.Single());
    }

    [Fact]
    public void GenericRepeat_CoversEveryFamilyWithoutAFirstClassRule()
    {
        var run = RuleHarness<GenericRepeatRule>.Run(
            History(
                V("DISCLOSURE_FAILURE", Severity.General, At(2025, 6, 1)),
                V("PLATFORM_DUTY_FAILURE", Severity.General, Jan10),
                V("UNFAIR_TERMS", Severity.General, Jan10),
                V("FAKE_REVIEW", Severity.General, At(2025, 6, 1)),
                V("FAKE_TRANSACTION", Severity.General, Jan10)),
            At(2026, 2, 1));

        Assert.Equal(2, run.Firings.Count); // QUALIFICATION and CONSUMER_RIGHTS, not FAKE_REVIEW
        Assert.Equal(1.5m, run.Violation("PLATFORM_DUTY_FAILURE").RepeatMultiplier);
        Assert.Equal(1m, run.Violation("UNFAIR_TERMS").RepeatMultiplier);
        Assert.Equal(0, run.Violation("FAKE_TRANSACTION").RepeatOrdinal);
    }

    // ---- age bands (§4.3) ----

    [Fact]
    public void FullWeightDeduction_DeductsTheBasePointsInTheFirstYear()
    {
        var run = RuleHarness<FullWeightDeductionRule>.Run(
            History(V("FAKE_TRANSACTION", Severity.General, Jan10), V("PRICE_MARKING", Severity.Minor, Jan10)),
            At(2026, 2, 1));

        var d = Assert.Single(run.Card.OrderedDeductions());
        Assert.Equal(("FAKE_TRANSACTION", 8m, 1m, FullWeightDeductionRule.Id), (d.OffenseCode, d.Points, d.AgeWeight, d.Rule));
        Assert.Equal(At(2027, 1, 10), run.Card.NextChangeAt);
    }

    [Fact]
    public void FullWeightDeduction_StopsAtTwelveMonths()
    {
        var run = RuleHarness<FullWeightDeductionRule>.Run(History(V("FAKE_TRANSACTION", Severity.General, Jan10)), At(2027, 1, 10));

        Assert.Empty(run.Firings);
    }

    [Fact]
    public void HalfWeightDeduction_HalvesFromTwelveToThirtySixMonthsWithTheComponentsEarlierRulesSet()
    {
        var run = RuleHarness<HalfWeightDeductionRule>.Run(
            History(V("FAKE_REVIEW_ORGANIZING", Severity.Serious, Jan10)),
            At(2027, 3, 1),
            (_, violations) => violations[0].ApplyRepeat(2, 1.5m, FakeReviewRepeatRule.Id));

        var d = Assert.Single(run.Card.OrderedDeductions());
        Assert.Equal(22.5m, d.Points); // 30 × 1.5 × 0.5
        Assert.Equal([FakeReviewRepeatRule.Id, HalfWeightDeductionRule.Id], d.RulesApplied);
        Assert.Equal(At(2029, 1, 10), run.Card.NextChangeAt);
        Assert.Empty(RuleHarness<HalfWeightDeductionRule>.Run(History(V("FAKE_REVIEW", Severity.General, Jan10)), At(2029, 1, 10)).Firings);
    }

    [Fact]
    public void MinorDeduction_DeductsAMinorViolationForThreeMonthsOnly()
    {
        var history = History(V("PRICE_MARKING", Severity.Minor, Jan10), V("PRICE_FRAUD", Severity.General, Jan10));

        var inside = RuleHarness<MinorDeductionRule>.Run(history, At(2026, 4, 9));
        var after = RuleHarness<MinorDeductionRule>.Run(history, At(2026, 4, 10));

        Assert.Equal(2m, Assert.Single(inside.Card.OrderedDeductions()).Points);
        Assert.Equal(At(2026, 4, 10), inside.Card.NextChangeAt);
        Assert.Empty(after.Firings);
    }

    // ---- listing (§4.5) ----

    [Fact]
    public void ListableHeavierPenaltyTrigger_ListsOnAListableOffenseWithAHeavierPenaltyOrEspeciallySerious()
    {
        var run = RuleHarness<ListableHeavierPenaltyTriggerRule>.Run(
            History(
                V("FAKE_REVIEW_ORGANIZING", Severity.General, Jan10, heavier: true),
                V("PRICE_GOUGING", Severity.EspeciallySerious, At(2026, 1, 12)),
                V("FAKE_TRANSACTION", Severity.EspeciallySerious, At(2026, 1, 14), heavier: true)),
            At(2026, 2, 1));

        Assert.Equal(
            [(Jan10, run.Violation("FAKE_REVIEW_ORGANIZING").Id), (At(2026, 1, 12), run.Violation("PRICE_GOUGING").Id)],
            run.Card.Triggers.OrderBy(t => t.At).Select(t => (t.At, t.ViolationIds.Single())));
    }

    [Fact]
    public void RepeatFakeReviewTrigger_ListsAtTheThirdGeneralOrWorseInsideTwentyFourMonths()
    {
        var run = RuleHarness<RepeatFakeReviewTriggerRule>.Run(
            History(
                V("FAKE_TRANSACTION", Severity.General, At(2024, 3, 1)),
                V("FAKE_REVIEW", Severity.Minor, At(2024, 9, 1)),
                V("FAKE_REVIEW", Severity.General, At(2025, 2, 1)),
                V("FAKE_TRANSACTION", Severity.Serious, At(2026, 2, 1))),
            At(2026, 3, 1));

        // 2024-03-01, 2025-02-01, 2026-02-01: the third is inside m(2024-03-01, 24); the minor one does not count.
        var trigger = Assert.Single(run.Card.Triggers);
        Assert.Equal(At(2026, 2, 1), trigger.At);
        Assert.Equal(3, trigger.ViolationIds.Count);
        Assert.DoesNotContain(run.Violations.Single(v => v.Severity == Severity.Minor).Id, trigger.ViolationIds);
    }

    [Fact]
    public void RepeatFakeReviewTrigger_ThreeSpreadOverMoreThanTheWindowDoNotList()
    {
        var run = RuleHarness<RepeatFakeReviewTriggerRule>.Run(
            History(V("FAKE_REVIEW", Severity.General, At(2024, 1, 1)), V("FAKE_REVIEW", Severity.General, At(2025, 1, 1)), V("FAKE_REVIEW", Severity.General, At(2026, 1, 1))),
            At(2026, 3, 1));

        Assert.Single(run.Firings);
        Assert.Empty(run.Card.Triggers);
    }

    [Fact]
    public void ListingRepair_VoidsEveryTriggerAtOrBeforeTheRepair()
    {
        var run = RuleHarness<ListingRepairRule>.Run(
            History([], At(2026, 6, 1)),
            At(2026, 7, 1),
            (card, _) =>
            {
                card.AddTrigger(new TriggerCandidate(Jan10, "T", 0, ["a"]));
                card.AddTrigger(new TriggerCandidate(At(2026, 6, 20), "T", 1, ["b"]));
            });

        Assert.Equal([true, false], run.Card.Triggers.Select(t => t.Void));
    }

    [Fact]
    public void PendingListingRepair_ALaterRepairIsTheNextChange()
    {
        var history = History([], At(2026, 8, 1));

        Assert.Equal(At(2026, 8, 1), RuleHarness<PendingListingRepairRule>.Run(history, At(2026, 7, 1)).Card.NextChangeAt);
        Assert.Empty(RuleHarness<PendingListingRepairRule>.Run(history, At(2026, 8, 1)).Firings);
    }

    [Fact]
    public void ListingRun_ChainsTriggersIntoTheListingInForceAndAssertsIt()
    {
        var run = RuleHarness<ListingRunRule>.Run(
            History(),
            At(2026, 6, 1),
            (card, _) =>
            {
                card.AddTrigger(new TriggerCandidate(At(2022, 1, 1), "T", 0, ["old"]));
                card.AddTrigger(new TriggerCandidate(Jan10, "T", 1, ["a"]));
                card.AddTrigger(new TriggerCandidate(At(2026, 3, 1), "T", 2, ["b"]) { Void = true });
            });

        // The 2022 listing ended 2025-01-01; the voided trigger does not count.
        var listing = run.Card.Listing!;
        Assert.Equal((Jan10, At(2029, 1, 10)), (listing.ListedAt, listing.ExpiresAt));
        Assert.Equal(["a"], listing.Triggers.Single().ViolationIds);
        Assert.Same(listing, run.Listed!.Listing);
        Assert.Equal(At(2027, 1, 10), run.Card.NextChangeAt); // listing repair possible 12 months after the last trigger
    }

    [Fact]
    public void ListingRun_NoTriggerNoListing()
    {
        var run = RuleHarness<ListingRunRule>.Run(History(), At(2026, 6, 1));

        Assert.Single(run.Firings);
        Assert.Null(run.Card.Listing);
        Assert.Null(run.Listed);
    }

    // ---- score and grade (§4.4) ----

    [Fact]
    public void ScoreAndGrade_HundredMinusTheDeductionsGradedByThePolicyBands()
    {
        var run = RuleHarness<ScoreAndGradeRule>.Run(
            History(V("FAKE_REVIEW_ORGANIZING", Severity.Serious, Jan10)),
            At(2026, 2, 1),
            (card, violations) => DeductionMath.Deduct(violations[0], card, 1m, "TEST", At(2027, 1, 10)));

        Assert.Equal((70m, Grade.B), (run.Card.Score, run.Card.Grade));
        Assert.Equal((100m, Grade.A), Graded(RuleHarness<ScoreAndGradeRule>.Run(History(), At(2026, 2, 1)).Card));
    }

    [Fact]
    public void ListedGrade_IsDWhileListedWhateverTheScore()
    {
        var listing = new Listing(Jan10, At(2029, 1, 10), [new ListingTrigger(Jan10, "T", ["a"])]);

        var listed = RuleHarness<ListedGradeRule>.Run(History(), At(2026, 2, 1), null, new ListedFact(listing));
        var notListed = RuleHarness<ListedGradeRule>.Run(History(), At(2026, 2, 1));

        Assert.Equal(Grade.D, listed.Card.Grade);
        Assert.Empty(notListed.Firings);
    }

    // ---- change instants (§4.2, §4.6) ----

    [Fact]
    public void RepairWindowOpens_TheDayRepairBecomesPossibleIsAChange()
    {
        var run = RuleHarness<RepairWindowOpensRule>.Run(
            History(V("FAKE_REVIEW", Severity.General, Jan10), V("COUNTERFEIT_GOODS", Severity.General, Jan10)),
            At(2026, 2, 1));

        Assert.Equal(2, run.Firings.Count);
        Assert.Equal(At(2026, 7, 10), run.Card.NextChangeAt); // default 6 months; PRODUCT_SAFETY's 12 come later
        Assert.Single(RuleHarness<RepairWindowOpensRule>.Run(History(V("FAKE_REVIEW", Severity.General, Jan10), V("COUNTERFEIT_GOODS", Severity.General, Jan10)), At(2026, 8, 1)).Firings);
    }

    [Fact]
    public void PendingViolationRepair_ARepairDatedAfterTIsTheNextChange()
    {
        var run = RuleHarness<PendingViolationRepairRule>.Run(History(V("FAKE_REVIEW", Severity.General, Jan10, repairedAt: At(2026, 9, 1))), At(2026, 3, 1));

        Assert.Single(run.Firings);
        Assert.Equal(At(2026, 9, 1), run.Card.NextChangeAt);
    }

    [Fact]
    public void PendingViolation_ADecisionDatedAfterTIsTheNextChangeUnlessRevoked()
    {
        var later = RuleHarness<PendingViolationRule>.Run(History(V("FAKE_REVIEW", Severity.General, At(2026, 5, 1))), At(2026, 3, 1));
        var revoked = RuleHarness<PendingViolationRule>.Run(History(V("FAKE_REVIEW", Severity.General, At(2026, 5, 1), revokedAt: At(2026, 5, 2))), At(2026, 3, 1));

        Assert.Equal(At(2026, 5, 1), later.Card.NextChangeAt);
        Assert.Empty(revoked.Firings);
    }

    [Fact]
    public void EveryRuleClass_HasATestHereNamedAfterIt()
    {
        var rules = typeof(NRulesCreditScorer).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false } && t.IsSubclassOf(typeof(NRules.Fluent.Dsl.Rule)))
            .Select(t => t.Name[..^"Rule".Length]);
        var tests = typeof(EachRuleTests).GetMethods().Select(m => m.Name.Split('_')[0]).ToHashSet();

        Assert.All(rules, rule => Assert.Contains(rule, tests));
    }

    private static (decimal?, Grade?) Graded(Scorecard card) => (card.Score, card.Grade);
}
