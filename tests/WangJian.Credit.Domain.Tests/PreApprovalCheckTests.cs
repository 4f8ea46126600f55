namespace WangJian.Credit.Domain.Tests;

[Trait("Category", "Unit")]
public sealed class PreApprovalCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly CreditPolicy Policy = PolicyLoader.Load();

    private static Assessment Of(bool listed) => new(
        "91330100000000002F", Now, Policy.Version, listed ? 40m : 100m, listed ? Grade.D : Grade.A, [],
        listed ? new Listing(Now.AddMonths(-1), Now.AddYears(3), [new ListingTrigger(Now.AddMonths(-1), "R", ["v1"])]) : null, null);

    [Fact]
    public void Clean_IsAllowed_WithNoMeasure()
    {
        var answer = PreApprovalCheck.Decide(Of(listed: false), Policy, "NDRC", "GOV_FUNDING");

        Assert.Equal((CheckDecision.Allow, 0, 0), (answer.Decision, answer.Measures.Count, answer.MeasureCodes.Count));
    }

    [Fact]
    public void Listed_GetsTheAgencysMeasuresForTheMatter_TheStrictestWins()
    {
        var answer = PreApprovalCheck.Decide(Of(listed: true), Policy, "NDRC", "GOV_PROCUREMENT");

        var expected = Policy.Measures.Where(m => m.Agency == "NDRC" && m.Matters.Any(x => x.Matter == "GOV_PROCUREMENT")).Select(m => m.Code).ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, answer.MeasureCodes);
        Assert.Equal(expected, answer.Measures.Select(m => m.Measure.Code));
        Assert.Equal(CheckDecision.Prohibit, answer.Decision);
    }

    [Fact]
    public void Listed_ForAMatterTheAgencyHasNoMeasureFor_IsAllowed()
    {
        var answer = PreApprovalCheck.Decide(Of(listed: true), Policy, "NDRC", "HONORS");

        Assert.Equal((CheckDecision.Allow, 0), (answer.Decision, answer.Measures.Count));
    }

    [Fact]
    public void Listed_TheSameQuestionUnderTheSamePolicy_IsAnsweredByTheSameObject_AnotherPolicyIsDecidedAfresh()
    {
        var first = PreApprovalCheck.Decide(Of(listed: true), Policy, "NDRC", "GOV_FUNDING");
        var again = PreApprovalCheck.Decide(Of(listed: true), Policy, "NDRC", "GOV_FUNDING");
        var other = Policy with { Measures = Policy.Measures.Where(m => m.Code != "NO_GOV_FUNDING").ToArray() };
        var underOther = PreApprovalCheck.Decide(Of(listed: true), other, "NDRC", "GOV_FUNDING");

        Assert.Same(first, again);
        Assert.Equal(["NO_GOV_FUNDING"], first.MeasureCodes);
        Assert.Equal(CheckDecision.Allow, underOther.Decision);
    }
}
