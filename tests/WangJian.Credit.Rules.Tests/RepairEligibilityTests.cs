using WangJian.Credit.Domain;
using static WangJian.Credit.Rules.Tests.Histories;

namespace WangJian.Credit.Rules.Tests;

[Trait("Category", "Unit")]
public class RepairEligibilityTests
{
    private static readonly NRulesCreditScorer Scorer = new();

    [Fact]
    public void CheckViolationRepair_OneTickBeforeSixMonths_TooEarlyWithEarliestDate()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 1, 31, 10));

        var check = RepairEligibility.CheckViolationRepair(v, Policy, null, At(2024, 7, 31, 10).AddTicks(-1));

        Assert.False(check.Allowed);
        Assert.Equal(RepairBlock.TooEarly, check.Block);
        Assert.Equal(At(2024, 7, 31, 10), check.EarliestAt);
        Assert.Contains("2024-07-31T10:00:00Z", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckViolationRepair_AtSixMonths_Allowed()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2024, 1, 31, 10));

        var check = RepairEligibility.CheckViolationRepair(v, Policy, null, At(2024, 7, 31, 10));

        Assert.True(check.Allowed);
        Assert.Equal(RepairBlock.None, check.Block);
    }

    [Fact]
    public void EarliestViolationRepair_DecidedAug31_ClampedToFeb29()
    {
        var v = V("PRICE_FRAUD", Severity.General, At(2023, 8, 31, 16));

        Assert.Equal(At(2024, 2, 29, 16), RepairEligibility.EarliestViolationRepair(v, Policy));
    }

    [Fact]
    public void CheckViolationRepair_ProductSafetyAtSixMonths_TooEarlyUntilTwelve()
    {
        var v = V("UNSAFE_FOOD", Severity.General, At(2024, 3, 10));

        var early = RepairEligibility.CheckViolationRepair(v, Policy, null, At(2024, 9, 10));
        var due = RepairEligibility.CheckViolationRepair(v, Policy, null, At(2025, 3, 10));

        Assert.Equal(RepairBlock.TooEarly, early.Block);
        Assert.Equal(At(2025, 3, 10), early.EarliestAt);
        Assert.True(due.Allowed);
    }

    [Fact]
    public void CheckViolationRepair_Revoked_BlockedWithReason()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2023, 1, 10), revokedAt: At(2023, 5, 1));

        var check = RepairEligibility.CheckViolationRepair(v, Policy, null, At(2025, 1, 1));

        Assert.False(check.Allowed);
        Assert.Equal(RepairBlock.Revoked, check.Block);
        Assert.Null(check.EarliestAt);
        Assert.Contains("revoked", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckViolationRepair_AlreadyRepaired_Blocked()
    {
        var v = V("FAKE_REVIEW", Severity.General, At(2023, 1, 10), repairedAt: At(2023, 8, 1));

        Assert.Equal(RepairBlock.AlreadyRepaired, RepairEligibility.CheckViolationRepair(v, Policy, null, At(2025, 1, 1)).Block);
    }

    [Fact]
    public void CheckViolationRepair_BehindListingInForce_BlockedUntilListingRepairable()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var later = V("WILDLIFE_TRADE", Severity.EspeciallySerious, At(2024, 9, 1));
        var atR = Scorer.Assess(History(v, later), Policy, At(2025, 2, 1));

        var check = RepairEligibility.CheckViolationRepair(v, Policy, atR);

        Assert.False(check.Allowed);
        Assert.Equal(RepairBlock.BehindListing, check.Block);
        Assert.Equal(At(2025, 9, 1), check.EarliestAt);
        Assert.Contains("repair the listing first", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckViolationRepair_ListedForAnotherViolation_Allowed()
    {
        var listed = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var other = V("PRICE_FRAUD", Severity.General, At(2024, 2, 10));
        var atR = Scorer.Assess(History(listed, other), Policy, At(2024, 9, 1));

        var check = RepairEligibility.CheckViolationRepair(other, Policy, atR);

        Assert.NotNull(atR.Listing);
        Assert.True(check.Allowed);
    }

    [Fact]
    public void CheckViolationRepair_AfterListingRepaired_Allowed()
    {
        var v = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var atR = Scorer.Assess(History([v], At(2025, 1, 10)), Policy, At(2025, 1, 10));

        var check = RepairEligibility.CheckViolationRepair(v, Policy, atR);

        Assert.Null(atR.Listing);
        Assert.True(check.Allowed);
    }

    [Fact]
    public void CheckListingRepair_NotListed_BlockedNotListed()
    {
        var atR = Scorer.Assess(History(V("PRICE_FRAUD", Severity.General, At(2024, 2, 10))), Policy, At(2025, 3, 1));

        var check = RepairEligibility.CheckListingRepair(Policy, atR);

        Assert.False(check.Allowed);
        Assert.Equal(RepairBlock.NotListed, check.Block);
    }

    [Fact]
    public void CheckListingRepair_OneTickBeforeTwelveMonthsAfterLastTrigger_TooEarly()
    {
        var first = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var last = V("FAKE_DRUG", Severity.EspeciallySerious, At(2024, 5, 31, 7));
        var history = History(first, last);

        var atR = Scorer.Assess(history, Policy, At(2025, 5, 31, 7).AddTicks(-1));
        var check = RepairEligibility.CheckListingRepair(Policy, atR);

        Assert.False(check.Allowed);
        Assert.Equal(RepairBlock.TooEarly, check.Block);
        Assert.Equal(At(2025, 5, 31, 7), check.EarliestAt);
        Assert.Contains("2025-05-31T07:00:00Z", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckListingRepair_TwelveMonthsAfterLastTrigger_AllowedAndEndsListing()
    {
        var first = V("COUNTERFEIT_GOODS", Severity.General, At(2024, 1, 10), heavier: true);
        var last = V("FAKE_DRUG", Severity.EspeciallySerious, At(2024, 5, 31, 7));
        var r = At(2025, 5, 31, 7);

        var check = RepairEligibility.CheckListingRepair(Policy, Scorer.Assess(History(first, last), Policy, r));
        var after = Scorer.Assess(History([first, last], r), Policy, r);

        Assert.True(check.Allowed);
        Assert.Null(after.Listing);
    }

    [Fact]
    public void EarliestListingRepair_LastTriggerFeb29_ClampedToFeb28()
    {
        var v = V("PRICE_GOUGING", Severity.General, At(2024, 2, 29, 12), heavier: true);
        var listing = Scorer.Assess(History(v), Policy, At(2024, 3, 1)).Listing!;

        Assert.Equal(At(2025, 2, 28, 12), RepairEligibility.EarliestListingRepair(listing, Policy));
    }
}
