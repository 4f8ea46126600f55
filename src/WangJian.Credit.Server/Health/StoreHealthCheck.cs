using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Health;

/// <summary>
/// The store answers a PING within <see cref="ProbeTimeout"/>: the gRPC health service reports NOT_SERVING
/// while it does not. The probe has its own short timeout, not the operation timeout: a stopped or frozen
/// store must show within a second, and a health probe with a few seconds' deadline must get an answer.
/// </summary>
public sealed class StoreHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(500);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected)
        {
            return HealthCheckResult.Unhealthy("store disconnected");
        }

        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(ProbeTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"store answered in {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"store did not answer a PING within {ProbeTimeout.TotalMilliseconds:F0} ms", e);
        }
    }
}
