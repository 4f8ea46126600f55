namespace WangJian.Credit.Rules;

/// <summary>The offense families that have first-class rules; every other family goes through the generic ones.</summary>
public static class Families
{
    public const string FakeReview = "FAKE_REVIEW";
    public const string FalseAdvertising = "FALSE_ADVERTISING";
    public const string Pricing = "PRICING";

    public static bool IsFirstClass(string family) => family is FakeReview or FalseAdvertising or Pricing;
}
