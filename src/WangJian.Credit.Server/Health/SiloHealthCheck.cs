using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace WangJian.Credit.Server.Health;

/// <summary>NOT_SERVING until this silo has joined the cluster as Active (and again once it leaves).</summary>
public sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("silo active")
            : HealthCheckResult.Unhealthy($"silo is {status}"));
    }
}
