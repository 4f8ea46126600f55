using System.Diagnostics;

namespace WangJian.Credit.Server.Startup;

/// <summary>
/// The system clock with monotonic timestamps counted from process start instead of machine start. Only
/// differences of timestamps mean anything, so this is the system clock for every correct reader; for a
/// reader that subtracts from an unset (zero) timestamp it gives the process age instead of the uptime.
/// </summary>
public sealed class ProcessRelativeTimeProvider : TimeProvider
{
    private static readonly long Origin = Stopwatch.GetTimestamp() - Stopwatch.Frequency;

    public override long GetTimestamp() => Stopwatch.GetTimestamp() - Origin;

    public override long TimestampFrequency => Stopwatch.Frequency;
}
