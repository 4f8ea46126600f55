using Grpc.Core;
using Polly;
using Polly.Timeout;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Startup;

namespace WangJian.Credit.Server.Delivery;

public static class DeliveryExtensions
{
    /// <summary>
    /// Push delivery of notices to agency receivers (<c>Agencies:Endpoints</c>, <c>Delivery:*</c>): the gRPC
    /// pusher, one resilience pipeline per agency, the outbox's backoff, and the hosted service that resumes
    /// pending delivery once the server has started.
    /// </summary>
    public static void AddAgencyDelivery(this WebApplicationBuilder builder)
    {
        var delivery = builder.AddValidatedOptions<DeliveryOptions, DeliveryOptionsValidator>(DeliveryOptions.Section);
        builder.AddValidatedOptions<AgencyEndpointsOptions, AgencyEndpointsOptionsValidator>(AgencyEndpointsOptions.Section);
        var services = builder.Services;
        services.AddSingleton<INoticePusher, GrpcNoticePusher>();
        services.AddSingleton(new DeliveryBackoff(delivery, Random.Shared));
        AddDeliveryPipelines(services, delivery);
        services.AddHostedService<DeliveryResume>();
    }

    /// <summary>
    /// One named pipeline per agency, so each has its own circuit breaker: a dead receiver at one agency
    /// never slows delivery to the others. Retry (exponential, jittered) around breaker around timeout.
    /// </summary>
    private static void AddDeliveryPipelines(IServiceCollection services, DeliveryOptions o)
    {
        var transient = new PredicateBuilder()
            .Handle<RpcException>()
            .Handle<TimeoutRejectedException>()
            .Handle<HttpRequestException>();
        foreach (var agency in Agencies.All)
        {
            services.AddResiliencePipeline(GrpcNoticePusher.PipelinePrefix + agency, b => b
                .AddDeliveryStrategies(transient, o.Retries, o.RetryDelay, o.Break, minimumThroughput: 4, o.AttemptTimeout));
        }
    }

    /// <summary>
    /// After a start (or a crash), wakes every agency outbox and every operator that still holds notices, so
    /// pending delivery resumes at once rather than at the next reminder, and each agency's notice gauges
    /// are reported from the start.
    /// </summary>
    private sealed class DeliveryResume(IGrainFactory grains, INoticeStore store, IHostApplicationLifetime lifetime, ILoggerFactory loggers) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await lifetime.WhenStartedAsync(stoppingToken);
            var logger = loggers.CreateLogger("WangJian.Credit.Delivery");
            for (var attempt = 0; attempt < 10 && !stoppingToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    foreach (var op in await store.PendingOperatorsAsync())
                    {
                        await grains.Operator(op).GetAssessmentAsync(null);
                        await store.ClearPendingAsync(op);
                    }

                    foreach (var agency in Agencies.All)
                    {
                        await grains.GetGrain<IAgencyOutboxGrain>(agency).WakeAsync();
                    }

                    return;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Resuming notice delivery failed; retrying");
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
                }
            }
        }
    }
}
