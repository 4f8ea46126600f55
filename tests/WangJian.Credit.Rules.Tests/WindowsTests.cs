using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Scoring;
using static WangJian.Credit.Rules.Tests.Histories;

namespace WangJian.Credit.Rules.Tests;

[Trait("Category", "Unit")]
public class WindowsTests
{
    public static TheoryData<int> MonthCounts => [1, 3, 6, 12, 24, 36];

    [Fact]
    public void LeavesLookBack_DecidedFeb29_FirstInstantOfMarchTwoYearsOn()
    {
        Assert.Equal(At(2026, 3, 1), Windows.LeavesLookBack(At(2024, 2, 29, 12), 24));
    }

    [Fact]
    public void LeavesLookBack_DecidedAug31SixMonths_MarchFirstAfterLeapFebruary()
    {
        Assert.Equal(At(2024, 3, 1), Windows.LeavesLookBack(At(2023, 8, 31, 23), 6));
    }

    [Fact]
    public void LeavesLookBack_NotClamped_IsPlainMonthSum()
    {
        Assert.Equal(At(2026, 1, 31, 5), Windows.LeavesLookBack(At(2024, 1, 31, 5), 24));
    }

    [Theory]
    [MemberData(nameof(MonthCounts))]
    public void LeavesLookBack_EveryDayOfThreeYears_IsTheExactFirstInstantOutside(int months)
    {
        foreach (var hour in new[] { 0, 13 })
        {
            for (var d = At(2023, 1, 1, hour); d < At(2026, 1, 1); d = d.AddDays(1))
            {
                var leaves = Windows.LeavesLookBack(d, months);

                Assert.True(Months.Add(leaves, -months) >= d, $"{d:o} +{months}: {leaves:o} still looks back before d");
                Assert.True(Months.Add(leaves.AddTicks(-1), -months) < d, $"{d:o} +{months}: {leaves:o} is not the first instant outside");
            }
        }
    }

    [Theory]
    [InlineData(7.25, 7.5)]
    [InlineData(6.75, 7.0)]
    [InlineData(11.25, 11.5)]
    [InlineData(10.8, 11.0)]
    [InlineData(14.4, 14.5)]
    [InlineData(7.2, 7.0)]
    [InlineData(0.24, 0.0)]
    [InlineData(0.25, 0.5)]
    public void HalfPointsRound_Midpoints_AwayFromZero(double raw, double expected)
    {
        Assert.Equal((decimal)expected, HalfPoints.Round((decimal)raw));
    }
}
