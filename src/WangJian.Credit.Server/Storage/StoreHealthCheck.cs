using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Storage;

/// <summary>The store answers a PING: the gRPC health service reports NOT_SERVING while it does not.</summary>
public sealed class StoreHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync();
            return HealthCheckResult.Healthy($"store answered in {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("store unreachable", e);
        }
    }
}
