namespace WangJian.Credit.Grains;

/// <summary>
/// The clock the credit logic reads. A separate service from the silo's own TimeProvider so that tests
/// can move credit time by years while Orleans keeps real time for its timeouts, probes and timers.
/// </summary>
public sealed class CreditClock(TimeProvider time)
{
    public static CreditClock System { get; } = new(TimeProvider.System);

    public TimeProvider Time { get; } = time;

    public DateTimeOffset UtcNow => Time.GetUtcNow();
}
