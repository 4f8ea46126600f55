using WangJian.Credit.Grains;

namespace WangJian.Credit.Server.Applications;

public static class ApplicationExtensions
{
    /// <summary>Repair applications and objections, and the overdue gauge.</summary>
    public static void AddRepairApplications(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ApplicationStore>();
        services.AddSingleton<ApplicationService>();
        services.AddHostedService<OverdueGauge>();
    }

    /// <summary>Points the overdue gauge at this server's store when the host starts.</summary>
    private sealed class OverdueGauge(ApplicationStore store, CreditClock clock) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            ApplicationMetrics.Observe(store, clock);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
