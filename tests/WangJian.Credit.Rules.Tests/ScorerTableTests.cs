using WangJian.Credit.Domain;
using static WangJian.Credit.Rules.Tests.Histories;

namespace WangJian.Credit.Rules.Tests;

/// <summary>
/// docs/policy.md §4 by example, every number worked out by hand from the default policy 2019.1. Run
/// against both scorers, so that the oracle of the property tests is itself checked by hand.
/// </summary>
public abstract class ScorerTableTests
{
    protected abstract ICreditScorer Scorer { get; }

    protected Assessment Assess(DateTimeOffset asOf, params Violation[] violations) =>
        Scorer.Assess(History(violations), Policy, asOf);

    protected Assessment Assess(DateTimeOffset asOf, IReadOnlyList<Violation> violations, params DateTimeOffset[] listingRepairs) =>
        Scorer.Assess(History(violations, listingRepairs), Policy, asOf);

    protected static Deduction Of(Assessment a, Violation v) => Assert.Single(a.Deductions, d => d.ViolationId == v.Id);

    // ---- §4.4 no record -------------------------------------------------------------------

    [Fact]
    public void Assess_NoRecord_ScoreHundredGradeANothingScheduled()
    {
        var a = Assess(At(2025, 1, 1));

        Assert.Equal(100m, a.Score);
        Assert.Equal(Grade.A, a.Grade);
        Assert.Empty(a.Deductions);
        Assert.Null(a.Listing);
        Assert.Null(a.NextChangeAt);
        Assert.Equal("2019.1", a.PolicyVersion);
    }

    // ---- §4.3 base and heavier --------------------------------------------------------------

    [Fact]
    public void Assess_GeneralFakeReview_DeductsBasePointsWithLegalBasis()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 3, 10));

        var a = Assess(At(2024, 6, 1), v);

        var d = Of(a, v);
        Assert.Equal(8m, d.BasePoints);
        Assert.Equal(0m, d.HeavierPoints);
        Assert.Equal(1, d.RepeatOrdinal);
        Assert.Equal(1m, d.RepeatMultiplier);
        Assert.Equal(1m, d.HealthMultiplier);
        Assert.Equal(1m, d.AgeWeight);
        Assert.Equal(8m, d.Points);
        Assert.Equal("E-Commerce Law Art. 17; Anti-Unfair Competition Law Art. 8", d.LegalBasis);
        Assert.Equal("FAKE_REVIEW", d.Family);
        Assert.Equal(92m, a.Score);
        Assert.Equal(Grade.A, a.Grade);
    }

    [Theory]
    [InlineData(Severity.Minor, 4)]
    [InlineData(Severity.General, 8)]
    [InlineData(Severity.Serious, 20)]
    [InlineData(Severity.EspeciallySerious, 40)]
    public void Assess_PriceFraudBySeverity_DeductsCataloguePoints(Severity severity, int points)
    {
        var v = V("PRICE_FRAUD", severity, At(2024, 3, 10));

        var a = Assess(At(2024, 3, 20), v);

        Assert.Equal(points, Of(a, v).Points);
    }

    [Fact]
    public void Assess_HeavierPenaltyOnNonListableOffense_AddsTenPointsWithoutListing()
    {
        var v = V("PRICE_FRAUD", Severity.Serious, At(2024, 3, 10), heavier: true);

        var a = Assess(At(2024, 6, 1), v);

        var d = Of(a, v);
        Assert.Equal(20m, d.BasePoints);
        Assert.Equal(10m, d.HeavierPoints);
        Assert.Equal(30m, d.Points);
        Assert.Equal(70m, a.Score);
        Assert.Equal(Grade.B, a.Grade);
        Assert.Null(a.Listing);
    }

    [Fact]
    public void Assess_RecordedAtLate_DoesNotEnterScore()
    {
        var v = V("PRICE_FRAUD", Severity.General, At(2024, 3, 10)) with { RecordedAt = At(2025, 12, 1) };

        var a = Assess(At(2024, 6, 1), v);

        Assert.Equal(8m, Of(a, v).Points);
    }

    // ---- §4.2 age weight: 3 / 12 / 36 months, one tick before and at the boundary ---------

    [Fact]
    public void Assess_MinorOneTickBeforeThreeMonths_DeductsFullWeight()
    {
        var v = V("DISCLOSURE_FAILURE", Severity.Minor, At(2024, 1, 15, 10));

        var a = Assess(At(2024, 4, 15, 10).AddTicks(-1), v);

        Assert.Equal(1m, Of(a, v).AgeWeight);
        Assert.Equal(99m, a.Score);
    }

    [Fact]
    public void Assess_MinorAtThreeMonths_NoLongerDeducts()
    {
        var v = V("DISCLOSURE_FAILURE", Severity.Minor, At(2024, 1, 15, 10));

        var a = Assess(At(2024, 4, 15, 10), v);

        Assert.Empty(a.Deductions);
        Assert.Equal(100m, a.Score);
    }

    [Fact]
    public void Assess_MinorNeverHalfWeight_NothingBetweenThreeAndTwelveMonths()
    {
        var v = V("FAKE_DRUG", Severity.Minor, At(2024, 1, 15, 10));

        var a = Assess(At(2024, 10, 1), v);

        Assert.Empty(a.Deductions);
    }

    [Fact]
    public void Assess_GeneralOneTickBeforeTwelveMonths_DeductsFullWeight()
    {
        var v = V("TIE_IN_SALE", Severity.General, At(2023, 5, 20, 8));

        var a = Assess(At(2024, 5, 20, 8).AddTicks(-1), v);

        Assert.Equal(1m, Of(a, v).AgeWeight);
        Assert.Equal(5m, Of(a, v).Points);
    }

    [Fact]
    public void Assess_GeneralAtTwelveMonths_DeductsHalfWeightRoundedToHalfPoint()
    {
        var v = V("TIE_IN_SALE", Severity.General, At(2023, 5, 20, 8));

        var a = Assess(At(2024, 5, 20, 8), v);

        Assert.Equal(0.5m, Of(a, v).AgeWeight);
        Assert.Equal(2.5m, Of(a, v).Points);
        Assert.Equal(97.5m, a.Score);
    }

    [Fact]
    public void Assess_GeneralOneTickBeforeThirtySixMonths_StillHalfWeight()
    {
        var v = V("TIE_IN_SALE", Severity.General, At(2023, 5, 20, 8));

        var a = Assess(At(2026, 5, 20, 8).AddTicks(-1), v);

        Assert.Equal(2.5m, Of(a, v).Points);
    }

    [Fact]
    public void Assess_GeneralAtThirtySixMonths_PublicityEndedNoDeduction()
    {
        var v = V("TIE_IN_SALE", Severity.General, At(2023, 5, 20, 8));

        var a = Assess(At(2026, 5, 20, 8), v);

        Assert.Empty(a.Deductions);
        Assert.Equal(100m, a.Score);
    }

    [Fact]
    public void Assess_DecidedAfterAsOf_DoesNotExistYet()
    {
        var v = V("FAKE_DRUG", Severity.EspeciallySerious, At(2024, 3, 10, 9), heavier: true);

        var a = Assess(At(2024, 3, 10, 9).AddTicks(-1), v);

        Assert.Empty(a.Deductions);
        Assert.Null(a.Listing);
        Assert.Equal(At(2024, 3, 10, 9), a.NextChangeAt);
    }

    [Fact]
    public void Assess_AsOfEqualsDecidedAt_Exists()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 3, 10, 9));

        var a = Assess(At(2024, 3, 10, 9), v);

        Assert.Equal(8m, Of(a, v).Points);
    }

    // ---- month-end clamping -----------------------------------------------------------------

    [Fact]
    public void Assess_MinorDecidedJan31_EndsApril30ClampedAtThatInstant()
    {
        var v = V("FAKE_REVIEW", Severity.Minor, At(2024, 1, 31, 12));

        Assert.Single(Assess(At(2024, 4, 30, 12).AddTicks(-1), v).Deductions);
        Assert.Empty(Assess(At(2024, 4, 30, 12), v).Deductions);
    }

    [Fact]
    public void Assess_GeneralDecidedFeb29_HalvesOnFeb28NextYear()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 2, 29, 9));

        Assert.Equal(1m, Of(Assess(At(2025, 2, 28, 9).AddTicks(-1), v), v).AgeWeight);
        Assert.Equal(0.5m, Of(Assess(At(2025, 2, 28, 9), v), v).AgeWeight);
        Assert.Equal(0.5m, Of(Assess(At(2027, 2, 28, 9).AddTicks(-1), v), v).AgeWeight);
        Assert.Empty(Assess(At(2027, 2, 28, 9), v).Deductions);
    }

    [Fact]
    public void Assess_InstantsAtChinaOffset_ScoredOnUtcMonths()
    {
        // 2024-05-01T04:00+08:00 is 2024-04-30T20:00Z: three UTC months end 2024-07-30T20:00Z,
        // a day before three local months would (2024-08-01T04:00+08:00).
        var china = TimeSpan.FromHours(8);
        var v = V("FAKE_REVIEW", Severity.Minor, new DateTimeOffset(2024, 5, 1, 4, 0, 0, china));

        Assert.Single(Assess(new DateTimeOffset(2024, 7, 31, 4, 0, 0, china).AddTicks(-1), v).Deductions);
        Assert.Empty(Assess(new DateTimeOffset(2024, 7, 31, 4, 0, 0, china), v).Deductions);
        Assert.Empty(Assess(new DateTimeOffset(2024, 7, 31, 20, 0, 0, china), v).Deductions);
    }

    // ---- §4.3 repeat --------------------------------------------------------------------------

    [Fact]
    public void Assess_FourPricingViolationsInAYear_MultipliersOneOneAndHalfTwoTwo()
    {
        var vs = new[]
        {
            V("PRICE_MARKING", Severity.General, At(2024, 1, 10)),
            V("PRICE_FRAUD", Severity.General, At(2024, 3, 10)),
            V("PRICE_MARKING", Severity.General, At(2024, 5, 10)),
            V("PRICE_MARKING", Severity.General, At(2024, 7, 10)),
        };

        var a = Assess(At(2024, 8, 1), vs);

        Assert.Equal([1, 2, 3, 4], a.Deductions.Select(d => d.RepeatOrdinal));
        Assert.Equal([1.0m, 1.5m, 2.0m, 2.0m], a.Deductions.Select(d => d.RepeatMultiplier));
        Assert.Equal([4m, 12m, 8m, 8m], a.Deductions.Select(d => d.Points));
        Assert.Equal(68m, a.Score);
        Assert.Equal(Grade.C, a.Grade);
    }

    [Fact]
    public void Assess_DifferentFamilies_EachFirstOfItsFamily()
    {
        var review = V("FAKE_REVIEW", Severity.General, At(2024, 1, 10));
        var price = V("PRICE_FRAUD", Severity.General, At(2024, 2, 10));

        var a = Assess(At(2024, 3, 1), review, price);

        Assert.All(a.Deductions, d => Assert.Equal(1, d.RepeatOrdinal));
        Assert.Equal(84m, a.Score);
    }

    [Fact]
    public void Assess_SameDecidedAt_TieBrokenByAuthorityThenDecisionNumber()
    {
        var at = At(2024, 5, 5, 10);
        var samr = V("PRICE_MARKING", Severity.General, at, authority: "SAMR", number: "A-1");
        var cac2 = V("PRICE_MARKING", Severity.General, at, authority: "CAC", number: "B-2");
        var cac10 = V("PRICE_MARKING", Severity.General, at, authority: "CAC", number: "B-10");

        var a = Assess(At(2024, 6, 1), samr, cac2, cac10);

        // Ordinal order: "CAC" < "SAMR"; "B-10" < "B-2".
        Assert.Equal([cac10.Id, cac2.Id, samr.Id], a.Deductions.Select(d => d.ViolationId));
        Assert.Equal(1, Of(a, cac10).RepeatOrdinal);
        Assert.Equal(2, Of(a, cac2).RepeatOrdinal);
        Assert.Equal(3, Of(a, samr).RepeatOrdinal);
    }

    [Fact]
    public void Assess_OneTickBeforeTwentyFourMonths_EarlierStillCountsForRepeat()
    {
        var first = V("PRICE_MARKING", Severity.General, At(2023, 6, 10, 10));
        var second = V("PRICE_MARKING", Severity.General, At(2024, 6, 1, 10));

        var a = Assess(At(2025, 6, 10, 10).AddTicks(-1), first, second);

        Assert.Equal(1, Of(a, first).RepeatOrdinal);
        Assert.Equal(2m, Of(a, first).Points);
        Assert.Equal(2, Of(a, second).RepeatOrdinal);
        Assert.Equal(3m, Of(a, second).Points);
        Assert.Equal(95m, a.Score);
    }

    [Fact]
    public void Assess_AtTwentyFourMonths_EarlierLeavesRepeatWindow()
    {
        var first = V("PRICE_MARKING", Severity.General, At(2023, 6, 10, 10));
        var second = V("PRICE_MARKING", Severity.General, At(2024, 6, 1, 10));

        var a = Assess(At(2025, 6, 10, 10), first, second);

        Assert.Equal(0, Of(a, first).RepeatOrdinal);
        Assert.Equal(1m, Of(a, first).RepeatMultiplier);
        Assert.Equal(1, Of(a, second).RepeatOrdinal);
        Assert.Equal(2m, Of(a, second).Points);
        Assert.Equal(96m, a.Score);
    }

    [Fact]
    public void Assess_DecidedFeb29_StaysInRepeatWindowUntilMarch1NotFeb28()
    {
        // m(T, −24) < Feb 29 2024 holds all through Feb 28 2026: the window lets go at Mar 1 00:00.
        var first = V("PRICE_MARKING", Severity.General, At(2024, 2, 29, 12));
        var second = V("PRICE_MARKING", Severity.General, At(2024, 6, 1));

        var onClampedDay = Assess(At(2026, 2, 28, 12), first, second);
        var lastTick = Assess(At(2026, 3, 1).AddTicks(-1), first, second);
        var march1 = Assess(At(2026, 3, 1), first, second);

        Assert.Equal(2, Of(onClampedDay, second).RepeatOrdinal);
        Assert.Equal(2, Of(lastTick, second).RepeatOrdinal);
        Assert.Equal(1, Of(march1, second).RepeatOrdinal);
        Assert.Equal(At(2026, 3, 1), onClampedDay.NextChangeAt);
    }

    [Fact]
    public void Assess_ThirdFakeReviewJustInsideTwentyFourMonths_DoubledAndListed()
    {
        var v1 = V("FAKE_TRANSACTION", Severity.General, At(2023, 3, 15));
        var v2 = V("FAKE_REVIEW", Severity.General, At(2024, 1, 10));
        var v3 = V("FAKE_REVIEW_ORGANIZING", Severity.General, At(2025, 3, 15).AddSeconds(-1));

        var a = Assess(v3.DecidedAt, v1, v2, v3);

        Assert.Equal([1, 2, 3], a.Deductions.Select(d => d.RepeatOrdinal));
        Assert.Equal([4m, 6m, 30m], a.Deductions.Select(d => d.Points));
        Assert.Equal(60m, a.Score);
        Assert.Equal(Grade.D, a.Grade);
        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(v3.DecidedAt, listing.ListedAt);
        Assert.Equal(At(2028, 3, 15).AddSeconds(-1), listing.ExpiresAt);
        var trigger = Assert.Single(listing.Triggers);
        Assert.Equal("REPEAT_FAKE_REVIEW", trigger.Rule);
        Assert.Equal([v1.Id, v2.Id, v3.Id], trigger.ViolationIds);
    }

    [Fact]
    public void Assess_ThirdFakeReviewAtTwentyFourMonths_NotListedFirstOutOfWindow()
    {
        var v1 = V("FAKE_TRANSACTION", Severity.General, At(2023, 3, 15));
        var v2 = V("FAKE_REVIEW", Severity.General, At(2024, 1, 10));
        var v3 = V("FAKE_REVIEW_ORGANIZING", Severity.General, At(2025, 3, 15));

        var a = Assess(v3.DecidedAt, v1, v2, v3);

        Assert.Equal([0, 1, 2], a.Deductions.Select(d => d.RepeatOrdinal));
        Assert.Equal([4m, 4m, 22.5m], a.Deductions.Select(d => d.Points));
        Assert.Equal(69.5m, a.Score);
        Assert.Equal(Grade.C, a.Grade);
        Assert.Null(a.Listing);
    }

    [Fact]
    public void Assess_MinorFakeReviews_CountForRepeatButNotForListing()
    {
        var v1 = V("FAKE_REVIEW", Severity.Minor, At(2024, 1, 10));
        var v2 = V("FAKE_REVIEW", Severity.Minor, At(2024, 2, 10));
        var v3 = V("FAKE_REVIEW", Severity.General, At(2024, 3, 10));

        var a = Assess(At(2024, 3, 20), v1, v2, v3);

        Assert.Equal(2.0m, Of(a, v3).RepeatMultiplier);
        Assert.Null(a.Listing);
    }

    [Fact]
    public void Assess_MinorPastPublicity_StillCountsTowardsRepeat()
    {
        var minor = V("PRICE_MARKING", Severity.Minor, At(2024, 1, 10));
        var later = V("PRICE_FRAUD", Severity.General, At(2024, 9, 10));

        var a = Assess(At(2024, 10, 1), minor, later);

        Assert.Single(a.Deductions);
        Assert.Equal(2, Of(a, later).RepeatOrdinal);
        Assert.Equal(12m, Of(a, later).Points);
    }

    // ---- §4.3 health --------------------------------------------------------------------------

    [Fact]
    public void Assess_InfantFormulaWhileHealthAdInForce_AggravatedByOnePointTwo()
    {
        var health = V("FALSE_AD_HEALTH", Severity.General, At(2024, 1, 10));
        var infant = V("INFANT_FORMULA_PROMOTION", Severity.General, At(2024, 2, 10));

        var a = Assess(At(2024, 3, 1), health, infant);

        Assert.Equal(1m, Of(a, health).HealthMultiplier);
        Assert.Equal(12m, Of(a, health).Points);
        Assert.Equal(1.2m, Of(a, infant).HealthMultiplier);
        Assert.Equal(18m, Of(a, infant).Points);
        Assert.Equal(70m, a.Score);
        Assert.Equal(Grade.B, a.Grade);
    }

    [Fact]
    public void Assess_TwoHealthAdsInForce_EachAggravatedByTheOther()
    {
        var h1 = V("FALSE_AD_HEALTH", Severity.General, At(2024, 1, 10));
        var h2 = V("FALSE_AD_HEALTH", Severity.General, At(2024, 2, 10));

        var a = Assess(At(2024, 3, 1), h1, h2);

        // 12 × 1.2 = 14.4 → 14.5; 12 × 1.5 × 1.2 = 21.6 → 21.5.
        Assert.Equal(14.5m, Of(a, h1).Points);
        Assert.Equal(21.5m, Of(a, h2).Points);
        Assert.Equal(64m, a.Score);
        Assert.Equal(Grade.C, a.Grade);
    }

    [Fact]
    public void Assess_LoneHealthAd_NotAggravatedByItself()
    {
        var h = V("FALSE_AD_HEALTH", Severity.Serious, At(2024, 1, 10));

        var a = Assess(At(2024, 3, 1), h);

        Assert.Equal(1m, Of(a, h).HealthMultiplier);
        Assert.Equal(25m, Of(a, h).Points);
    }

    [Fact]
    public void Assess_HealthAdPublicityEnded_AggravationStopsAtThatInstant()
    {
        var health = V("FALSE_AD_HEALTH", Severity.Minor, At(2024, 1, 10, 6));
        var infant = V("INFANT_FORMULA_PROMOTION", Severity.General, At(2024, 2, 10));

        var before = Assess(At(2024, 4, 10, 6).AddTicks(-1), health, infant);
        var at = Assess(At(2024, 4, 10, 6), health, infant);

        Assert.Equal(1.2m, Of(before, infant).HealthMultiplier);
        Assert.Equal(1m, Of(at, infant).HealthMultiplier);
        Assert.Equal(15m, Of(at, infant).Points);
    }

    [Fact]
    public void Assess_FalsePromotionWithHealthAd_NotAnAggravatedCode()
    {
        var health = V("FALSE_AD_HEALTH", Severity.General, At(2024, 1, 10));
        var promo = V("FALSE_PROMOTION", Severity.General, At(2024, 2, 10));

        var a = Assess(At(2024, 3, 1), health, promo);

        Assert.Equal(1m, Of(a, promo).HealthMultiplier);
        Assert.Equal(12m, Of(a, promo).Points);
    }

    // ---- round½ ---------------------------------------------------------------------------------

    [Fact]
    public void Assess_HealthSecondAgedInfant_RoundsNineteenPointEightToTwenty()
    {
        // 22 × 1.5 × 1.2 × 0.5 = 19.8 → round½ → 20.
        var health = V("FALSE_AD_HEALTH", Severity.Minor, At(2025, 4, 1));
        var infantFirst = V("INFANT_FORMULA_PROMOTION", Severity.Serious, At(2024, 1, 10));
        var infantSecond = V("INFANT_FORMULA_PROMOTION", Severity.Serious, At(2024, 2, 10));

        var a = Assess(At(2025, 4, 15), health, infantFirst, infantSecond);

        var d = Of(a, infantSecond);
        Assert.Equal((22m, 1.5m, 1.2m, 0.5m), (d.BasePoints, d.RepeatMultiplier, d.HealthMultiplier, d.AgeWeight));
        Assert.Equal(20m, d.Points);
    }

    [Fact]
    public void Assess_HealthAdSecondAged_RoundsTenPointEightToEleven()
    {
        // 12 × 1.5 × 1.2 × 0.5 = 10.8 → 11.
        var first = V("FALSE_AD_HEALTH", Severity.General, At(2024, 1, 10));
        var second = V("FALSE_AD_HEALTH", Severity.General, At(2024, 2, 10));

        var a = Assess(At(2025, 3, 1), first, second);

        Assert.Equal(11m, Of(a, second).Points);
    }

    [Fact]
    public void Assess_QuarterPointMidway_RoundsHalfAwayFromZeroNotToEven()
    {
        // 15 × 1.5 × 0.5 = 11.25: 2x = 22.5 rounds away from zero to 23 (banker's rounding would give 22).
        var first = V("PREPAID_CARD", Severity.General, At(2024, 1, 10));
        var second = V("PREPAID_CARD", Severity.Serious, At(2024, 2, 10));

        var a = Assess(At(2025, 3, 1), first, second);

        Assert.Equal(11.5m, Of(a, second).Points);
    }

    // ---- §4.4 score and grade bands -----------------------------------------------------------

    [Fact]
    public void Assess_ScoreExactlyNinety_GradeA()
    {
        var a = Assess(At(2024, 3, 1), V("PLATFORM_EXCLUSIVITY", Severity.General, At(2024, 2, 1)));

        Assert.Equal(90m, a.Score);
        Assert.Equal(Grade.A, a.Grade);
    }

    [Fact]
    public void Assess_ScoreEightyNinePointFive_GradeB()
    {
        var a = Assess(
            At(2024, 3, 1),
            V("FAKE_REVIEW", Severity.General, At(2024, 2, 1)),
            V("DISCLOSURE_FAILURE", Severity.Serious, At(2022, 12, 1)));

        Assert.Equal(89.5m, a.Score);
        Assert.Equal(Grade.B, a.Grade);
    }

    [Fact]
    public void Assess_ScoreExactlySeventy_GradeB()
    {
        var a = Assess(
            At(2024, 3, 1),
            V("PRICE_FRAUD", Severity.Serious, At(2024, 2, 1)),
            V("PLATFORM_EXCLUSIVITY", Severity.General, At(2024, 2, 1)));

        Assert.Equal(70m, a.Score);
        Assert.Equal(Grade.B, a.Grade);
    }

    [Fact]
    public void Assess_ScoreSixtyNinePointFive_GradeC()
    {
        var a = Assess(
            At(2024, 3, 1),
            V("PRICE_FRAUD", Severity.Serious, At(2024, 2, 1)),
            V("FAKE_REVIEW", Severity.General, At(2024, 2, 1)),
            V("DISCLOSURE_FAILURE", Severity.Serious, At(2022, 12, 1)));

        Assert.Equal(69.5m, a.Score);
        Assert.Equal(Grade.C, a.Grade);
    }

    [Fact]
    public void Assess_ScoreExactlyForty_GradeC()
    {
        var a = Assess(
            At(2024, 3, 1),
            V("FAKE_DRUG", Severity.Serious, At(2024, 2, 1)),
            V("PRICE_FRAUD", Severity.Serious, At(2024, 2, 1)));

        Assert.Equal(40m, a.Score);
        Assert.Equal(Grade.C, a.Grade);
        Assert.Null(a.Listing);
    }

    [Fact]
    public void Assess_ScoreThirtyNinePointFive_GradeD()
    {
        var a = Assess(
            At(2024, 3, 1),
            V("FAKE_DRUG", Severity.Serious, At(2024, 2, 1)),
            V("FAKE_REVIEW", Severity.General, At(2024, 2, 1)),
            V("PLATFORM_EXCLUSIVITY", Severity.General, At(2024, 2, 1)),
            V("DISCLOSURE_FAILURE", Severity.Serious, At(2022, 12, 1)));

        Assert.Equal(39.5m, a.Score);
        Assert.Equal(Grade.D, a.Grade);
        Assert.Null(a.Listing);
    }

    [Fact]
    public void Assess_DeductionsAboveHundred_ScoreFloorsAtZero()
    {
        var vs = Enumerable.Range(1, 4).Select(i => V("PRICE_GOUGING", Severity.EspeciallySerious, At(2024, i, 1))).ToArray();

        var a = Assess(At(2024, 6, 1), vs);

        Assert.Equal(0m, a.Score);
        Assert.Equal(Grade.D, a.Grade);
    }

    // ---- §4.5 listing --------------------------------------------------------------------------

    [Fact]
    public void Assess_ListableWithHeavierPenalty_ListedGradeDForThirtySixMonths()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10, 9), heavier: true);

        var a = Assess(At(2024, 6, 1), v);

        Assert.Equal(78m, a.Score);
        Assert.Equal(Grade.D, a.Grade);
        Assert.True(a.Blacklisted);
        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(At(2024, 1, 10, 9), listing.ListedAt);
        Assert.Equal(At(2027, 1, 10, 9), listing.ExpiresAt);
        var trigger = Assert.Single(listing.Triggers);
        Assert.Equal("LISTABLE_HEAVIER_PENALTY", trigger.Rule);
        Assert.Equal([v.Id], trigger.ViolationIds);
    }

    [Fact]
    public void Assess_ListableEspeciallySerious_ListedWithoutHeavierFlag()
    {
        var v = V("UNSAFE_FOOD", Severity.EspeciallySerious, At(2024, 1, 10));

        var a = Assess(At(2024, 6, 1), v);

        Assert.Equal(40m, a.Score);
        Assert.Equal(Grade.D, a.Grade);
        Assert.NotNull(a.Listing);
    }

    [Fact]
    public void Assess_ListableSeriousWithoutHeavier_NotListed()
    {
        var a = Assess(At(2024, 6, 1), V("WILDLIFE_TRADE", Severity.Serious, At(2024, 1, 10)));

        Assert.Null(a.Listing);
        Assert.Equal(Grade.B, a.Grade);
    }

    [Fact]
    public void Assess_NonListableEspeciallySerious_NotListed()
    {
        var a = Assess(At(2024, 6, 1), V("PROHIBITED_GOODS", Severity.EspeciallySerious, At(2024, 1, 10), heavier: true));

        Assert.Null(a.Listing);
        Assert.Equal(45m, a.Score);
        Assert.Equal(Grade.C, a.Grade);
    }

    [Fact]
    public void Assess_OneTickBeforeListingEnds_StillListedAfterPublicityScoreRecovered()
    {
        var v = V("PRICE_GOUGING", Severity.General, At(2023, 2, 28, 15), heavier: true);

        var before = Assess(At(2026, 2, 28, 15).AddTicks(-1), v);
        var at = Assess(At(2026, 2, 28, 15), v);

        Assert.NotNull(before.Listing);
        Assert.Equal(Grade.D, before.Grade);
        Assert.Null(at.Listing);
        Assert.Equal(Grade.A, at.Grade);
    }

    [Fact]
    public void Assess_OverlappingTriggers_OneRunFromFirstToLastEnd()
    {
        var t1 = V("FAKE_DRUG", Severity.General, At(2023, 1, 10), heavier: true);
        var t2 = V("UNSAFE_FOOD", Severity.EspeciallySerious, At(2024, 6, 1));

        var a = Assess(At(2026, 3, 1), t1, t2);

        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(t1.DecidedAt, listing.ListedAt);
        Assert.Equal(At(2027, 6, 1), listing.ExpiresAt);
        Assert.Equal([t1.DecidedAt, t2.DecidedAt], listing.Triggers.Select(t => t.At));
    }

    [Fact]
    public void Assess_TriggerExactlyAtPreviousEnd_RunContinuesWithoutGap()
    {
        var t1 = V("FAKE_DRUG", Severity.General, At(2022, 1, 10), heavier: true);
        var t2 = V("UNSAFE_FOOD", Severity.EspeciallySerious, At(2025, 1, 10));

        var a = Assess(At(2025, 6, 1), t1, t2);

        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(t1.DecidedAt, listing.ListedAt);
        Assert.Equal(At(2028, 1, 10), listing.ExpiresAt);
        Assert.Equal(2, listing.Triggers.Count);
    }

    [Fact]
    public void Assess_EarlierListingExpiredBeforeNextTrigger_ReportsOnlyCurrentRun()
    {
        var old = V("FAKE_DRUG", Severity.General, At(2020, 1, 10), heavier: true);
        var current = V("UNSAFE_FOOD", Severity.EspeciallySerious, At(2024, 1, 10));

        var a = Assess(At(2024, 6, 1), old, current);

        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(current.DecidedAt, listing.ListedAt);
        Assert.Equal([current.Id], Assert.Single(listing.Triggers).ViolationIds);
    }

    [Fact]
    public void Assess_SameViolationTriggersBothRules_BothTriggersReported()
    {
        var v1 = V("FAKE_REVIEW", Severity.General, At(2024, 1, 10));
        var v2 = V("FAKE_REVIEW", Severity.General, At(2024, 2, 10));
        var v3 = V("FAKE_REVIEW_ORGANIZING", Severity.Serious, At(2024, 3, 10), heavier: true);

        var a = Assess(At(2024, 4, 1), v1, v2, v3);

        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(["LISTABLE_HEAVIER_PENALTY", "REPEAT_FAKE_REVIEW"], listing.Triggers.Select(t => t.Rule));
        Assert.All(listing.Triggers, t => Assert.Equal(v3.DecidedAt, t.At));
    }

    [Fact]
    public void Assess_FourFakeReviewsInWindow_ThirdAndFourthEachTrigger()
    {
        var vs = Enumerable.Range(0, 4).Select(i => V("FAKE_TRANSACTION", Severity.Serious, At(2024, 1 + (3 * i), 5))).ToArray();

        var a = Assess(At(2025, 1, 1), vs);

        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(vs[2].DecidedAt, listing.ListedAt);
        Assert.Equal([vs[2].DecidedAt, vs[3].DecidedAt], listing.Triggers.Select(t => t.At));
        Assert.Equal([vs[1].Id, vs[2].Id, vs[3].Id], listing.Triggers[1].ViolationIds);
        Assert.Equal(At(2027, 10, 5), listing.ExpiresAt);
    }

    [Fact]
    public void Assess_RevokedTrigger_NeverListedAtAnyTime()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true, revokedAt: At(2024, 8, 1));

        var before = Assess(At(2024, 6, 1), v);
        var after = Assess(At(2024, 9, 1), v);

        Assert.Null(before.Listing);
        Assert.Empty(before.Deductions);
        Assert.Null(after.Listing);
        Assert.Equal(100m, before.Score);
    }

    [Fact]
    public void Assess_RevokedFakeReview_RemovedFromRepeatCountAndRuleTwo()
    {
        var v1 = V("FAKE_REVIEW", Severity.General, At(2024, 1, 10), revokedAt: At(2024, 6, 1));
        var v2 = V("FAKE_REVIEW", Severity.General, At(2024, 2, 10));
        var v3 = V("FAKE_REVIEW", Severity.General, At(2024, 3, 10));

        var a = Assess(At(2024, 4, 1), v1, v2, v3);

        Assert.Null(a.Listing);
        Assert.Equal([1, 2], a.Deductions.Select(d => d.RepeatOrdinal));
    }

    // ---- §4.5 listing repair -------------------------------------------------------------------

    [Fact]
    public void Assess_ListingRepaired_NotListedFromRepairOnGradeFromScore()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var repair = At(2025, 1, 10);

        var before = Assess(repair.AddTicks(-1), [v], repair);
        var at = Assess(repair, [v], repair);

        Assert.NotNull(before.Listing);
        Assert.Null(at.Listing);
        Assert.Equal(89m, at.Score);
        Assert.Equal(Grade.B, at.Grade);
    }

    [Fact]
    public void Assess_TriggerAfterListingRepair_ListsAgainFromNewTrigger()
    {
        var first = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var second = V("WILDLIFE_TRADE", Severity.EspeciallySerious, At(2025, 6, 1));
        var repair = At(2025, 1, 10);

        var a = Assess(At(2025, 7, 1), [first, second], repair);

        var listing = Assert.IsType<Listing>(a.Listing);
        Assert.Equal(second.DecidedAt, listing.ListedAt);
        Assert.Equal([second.Id], Assert.Single(listing.Triggers).ViolationIds);
    }

    [Fact]
    public void Assess_LateImportedTriggerBeforeRepair_StaysVoid()
    {
        var first = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var imported = V("WILDLIFE_TRADE", Severity.EspeciallySerious, At(2024, 12, 1));
        var repair = At(2025, 1, 10);

        var a = Assess(At(2025, 7, 1), [first, imported], repair);

        Assert.Null(a.Listing);
    }

    // ---- §4.6 violation repair -----------------------------------------------------------------

    [Fact]
    public void Assess_ViolationRepaired_DeductsUntilRepairThenNothing()
    {
        var repairedAt = At(2024, 9, 10, 14);
        var v = V("FAKE_REVIEW", Severity.Serious, At(2024, 3, 10), repairedAt: repairedAt);

        Assert.Equal(20m, Of(Assess(repairedAt.AddTicks(-1), v), v).Points);
        Assert.Empty(Assess(repairedAt, v).Deductions);
    }

    [Fact]
    public void Assess_EarlierViolationRepaired_NoLongerCountsTowardsRepeat()
    {
        var first = V("PRICE_FRAUD", Severity.General, At(2024, 1, 10), repairedAt: At(2024, 7, 10));
        var second = V("PRICE_FRAUD", Severity.General, At(2024, 8, 10));

        var a = Assess(At(2024, 9, 1), first, second);

        var d = Assert.Single(a.Deductions);
        Assert.Equal(1, d.RepeatOrdinal);
        Assert.Equal(8m, d.Points);
    }

    [Fact]
    public void Assess_RepairedFakeReview_NoLongerCountsTowardsRuleTwo()
    {
        var v1 = V("FAKE_REVIEW", Severity.General, At(2024, 1, 10), repairedAt: At(2024, 7, 10));
        var v2 = V("FAKE_REVIEW", Severity.General, At(2024, 5, 10));
        var v3 = V("FAKE_REVIEW", Severity.General, At(2024, 8, 10));

        var a = Assess(At(2024, 9, 1), v1, v2, v3);

        Assert.Null(a.Listing);
    }

    [Fact]
    public void Assess_RepairedTriggerViolation_NoLongerTriggers()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true, repairedAt: At(2025, 2, 1));

        Assert.NotNull(Assess(At(2025, 1, 31), v).Listing);
        Assert.Null(Assess(At(2025, 2, 1), v).Listing);
    }

    // ---- NextChangeAt ----------------------------------------------------------------------------

    [Fact]
    public void Assess_SingleGeneral_NextChangeWalksRepairFullHalfWindowAndEnd()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 3, 10));

        Assert.Equal(At(2024, 9, 10), Assess(At(2024, 4, 1), v).NextChangeAt); // repair becomes possible
        Assert.Equal(At(2025, 3, 10), Assess(At(2024, 9, 10), v).NextChangeAt); // weight halves
        Assert.Equal(At(2026, 3, 10), Assess(At(2025, 3, 10), v).NextChangeAt); // leaves the repeat window
        Assert.Equal(At(2027, 3, 10), Assess(At(2026, 3, 10), v).NextChangeAt); // publicity ends
        Assert.Null(Assess(At(2027, 3, 10), v).NextChangeAt);
    }

    [Fact]
    public void Assess_ProductSafety_RepairPossibleAfterTwelveMonths()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 3, 10));

        Assert.Equal(At(2025, 3, 10), Assess(At(2024, 4, 1), v).NextChangeAt);
    }

    [Fact]
    public void Assess_Listed_NextChangeIsListingRepairPossibleThenExpiry()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 3, 10), heavier: true);

        Assert.Equal(At(2025, 3, 10), Assess(At(2024, 4, 1), v).NextChangeAt);
        Assert.Equal(At(2026, 3, 10), Assess(At(2025, 3, 10), v).NextChangeAt);
        Assert.Equal(At(2027, 3, 10), Assess(At(2026, 3, 10), v).NextChangeAt);
    }

    [Fact]
    public void Assess_RepairDatedAfterAsOf_NextChangeAtRepair()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 3, 10), repairedAt: At(2024, 10, 1, 8));

        Assert.Equal(At(2024, 10, 1, 8), Assess(At(2024, 9, 20), v).NextChangeAt);
    }

    [Fact]
    public void Assess_ListingRepairDatedAfterAsOf_NextChangeAtListingRepair()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 3, 10), heavier: true);

        var a = Assess(At(2025, 4, 1), [v], At(2025, 5, 2, 9));

        Assert.NotNull(a.Listing);
        Assert.Equal(At(2025, 5, 2, 9), a.NextChangeAt);
    }

    [Fact]
    public void Assess_RevokedOnly_NothingScheduled()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 3, 10), revokedAt: At(2024, 4, 1));

        Assert.Null(Assess(At(2024, 5, 1), v).NextChangeAt);
    }
}

[Trait("Category", "Unit")]
[Trait("Category", "Unit")]
public sealed class NRulesCreditScorerTests : ScorerTableTests
{
    protected override ICreditScorer Scorer { get; } = new NRulesCreditScorer();

    [Fact]
    public void Assess_Deduction_NamesProducingRuleAndEveryRuleApplied()
    {
        var first = V("FAKE_REVIEW", Severity.General, At(2024, 1, 10));
        var second = V("FAKE_REVIEW_ORGANIZING", Severity.Serious, At(2024, 2, 10), heavier: true);

        var a = Assess(At(2025, 3, 1), first, second);

        var d = Of(a, second);
        Assert.Equal("HALF_WEIGHT_DEDUCTION", d.Rule);
        Assert.Equal(["HEAVIER_PENALTY", "FAKE_REVIEW_REPEAT", "HALF_WEIGHT_DEDUCTION"], d.RulesApplied);
        Assert.Equal(30m, d.Points); // (30 + 10) × 1.5 × 0.5
    }

    [Theory]
    [InlineData("FALSE_PROMOTION", "FALSE_ADVERTISING_REPEAT")]
    [InlineData("PRICE_MARKING", "PRICING_REPEAT")]
    [InlineData("FAKE_TRANSACTION", "FAKE_REVIEW_REPEAT")]
    [InlineData("COUNTERFEIT_GOODS", "GENERIC_REPEAT")]
    [InlineData("UNFAIR_TERMS", "GENERIC_REPEAT")]
    [InlineData("WILDLIFE_TRADE", "GENERIC_REPEAT")]
    [InlineData("DISCLOSURE_FAILURE", "GENERIC_REPEAT")]
    [InlineData("TIE_IN_SALE", "GENERIC_REPEAT")]
    public void Assess_SecondOfFamily_RepeatRuleOfThatFamilyApplied(string code, string rule)
    {
        var first = V(code, Severity.General, At(2024, 1, 10));
        var second = V(code, Severity.General, At(2024, 2, 10));

        var a = Assess(At(2024, 3, 1), first, second);

        Assert.Contains(rule, Of(a, second).RulesApplied);
        Assert.Equal(1.5m, Of(a, second).RepeatMultiplier);
    }

    [Fact]
    public void Assess_HealthAggravation_NamedInRulesApplied()
    {
        var health = V("FALSE_AD_HEALTH", Severity.General, At(2024, 1, 10));
        var infant = V("INFANT_FORMULA_PROMOTION", Severity.Minor, At(2024, 2, 10));

        var a = Assess(At(2024, 3, 1), health, infant);

        Assert.Equal(["FALSE_ADVERTISING_REPEAT", "LIFE_AND_HEALTH_AGGRAVATION", "MINOR_DEDUCTION"], Of(a, infant).RulesApplied);
    }

    [Fact]
    public void Assess_ConcurrentCallsOnOneScorer_SameAnswers()
    {
        var vs = new[]
        {
            V("FAKE_REVIEW", Severity.General, At(2024, 1, 10)),
            V("FALSE_AD_HEALTH", Severity.Serious, At(2024, 2, 10), heavier: true),
            V("INFANT_FORMULA_PROMOTION", Severity.General, At(2024, 3, 10)),
        };
        var expected = Describe(Assess(At(2024, 6, 1), vs));

        var results = new string[64];
        Parallel.For(0, results.Length, i => results[i] = Describe(Assess(At(2024, 6, 1), vs)));

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Assess_UnknownOffenseCode_ThrowsDomainValidation()
    {
        var v = V("NOT_IN_POLICY", Severity.General, At(2024, 1, 10));

        Assert.Throws<DomainValidationException>(() => Assess(At(2024, 3, 1), v));
    }
}

[Trait("Category", "Unit")]
public sealed class ReferenceScorerTests : ScorerTableTests
{
    protected override ICreditScorer Scorer { get; } = new ReferenceScorer();
}
