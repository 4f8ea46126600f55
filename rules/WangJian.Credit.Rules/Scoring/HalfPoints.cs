namespace WangJian.Credit.Rules.Scoring;

/// <summary>docs/policy.md §4.3's round½, so that two implementations agree to the half point.</summary>
public static class HalfPoints
{
    public static decimal Round(decimal x) => Math.Round(2 * x, MidpointRounding.AwayFromZero) / 2;
}
