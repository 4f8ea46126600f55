using System.Diagnostics.Metrics;
using WangJian.Credit.Grains;

namespace WangJian.Credit.Server.Applications;

/// <summary>
/// <c>wjcredit.applications.overdue</c> (meter WangJian.Credit): applications waiting for the authority past their
/// due date, counted in the store when the metric is collected, so every server of a cluster reports the
/// same number and a restart loses nothing.
/// </summary>
public static class ApplicationMetrics
{
    private static readonly Meter Meter = new(CreditMetrics.MeterName, "1.0");
    private static Func<long>? count;

    private static readonly ObservableGauge<long> Overdue = Meter.CreateObservableGauge(
        "wjcredit.applications.overdue",
        () => count?.Invoke() ?? 0,
        "{application}",
        "Repair applications and objections past their due date of 10 working days without a decision");

    /// <summary>Points the gauge at this server's store (the last server started in a process wins).</summary>
    public static void Observe(ApplicationStore store, CreditClock clock)
    {
        _ = Overdue;
        count = () =>
        {
            try
            {
                return store.CountOverdue(clock.UtcNow);
            }
            catch (StackExchange.Redis.RedisException)
            {
                return 0;
            }
        };
    }
}
