namespace WangJian.Credit.Rules.Facts;

/// <summary>The instant the assessment is made for (T of docs/policy.md §4.2), always in UTC.</summary>
public sealed class AsOfFact(DateTimeOffset at)
{
    public DateTimeOffset At { get; } = at.ToUniversalTime();
}
