using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace WangJian.Credit.Server.Health;

public static class HealthExtensions
{
    /// <summary>grpc.health.v1 answers from the store's PING and the silo's membership.</summary>
    public static void AddCreditHealth(this IServiceCollection services)
    {
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store").AddCheck<SiloHealthCheck>("silo");
        // Check answers from the checks run at the call; Watch streams follow the publisher, so it runs
        // every second (a PING and a look at the membership snapshot) rather than ASP.NET Core's 30 s.
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(1);
            o.Period = TimeSpan.FromSeconds(1);
        });
    }
}
