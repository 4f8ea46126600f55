using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using Orleans.Serialization;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Rules;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Http;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.Webhooks;

namespace WangJian.Credit.Server;

/// <summary>
/// Composes the one process: store (embedded Garnet or Redis), Orleans silo, and the gRPC API on Kestrel.
/// Kept out of Program.cs so that tests start exactly the same server in-process.
/// </summary>
public static class ServerHost
{
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Configuration ships beside the binaries; relative paths in it (Storage:DataDir) are relative to
        // the working directory, so `dotnet run` from the repository root keeps data in ./data.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        var config = builder.Configuration;

        // gRPC (h2c) on Urls, REST/JSON on Http:Urls: bound here, so Kestrel's own Urls binding is cleared.
        var listeners = Listeners.From(config);
        builder.Configuration[WebHostDefaults.ServerUrlsKey] = string.Empty;
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Empty);
        builder.WebHost.ConfigureKestrel(listeners.Bind);

        var storage = config.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var silo = config.GetSection(OrleansOptions.Section).Get<OrleansOptions>() ?? new OrleansOptions();
        var policyOptions = config.GetSection(PolicyOptions.Section).Get<PolicyOptions>() ?? new PolicyOptions();
        var auth = config.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var observability = config.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();

        using var bootLoggers = LoggerFactory.Create(l => l.AddConsole().SetMinimumLevel(LogLevel.Information));
        var bootLog = bootLoggers.CreateLogger("WangJian.Credit.Server");

        // A broken policy must stop the server before it scores anything.
        var policy = PolicyFile.Load(policyOptions.Path);
        bootLog.LogInformation("Policy {Version} loaded: {Offenses} offenses, {Measures} measures", policy.Version, policy.Offenses.Count, policy.Measures.Count);

        var principals = auth.Principals.Count > 0
            ? PrincipalRegistry.FromOptions(auth.Principals)
            : storage.Embedded
                ? DevTokens.LoadOrCreate(storage.DataDir, bootLog)
                : throw new InvalidOperationException(
                    "Auth:Principals is empty. With an external Redis (Storage:Redis) the server needs configured principals " +
                    "(Name, Role, Agency, TokenSha256); development tokens are generated only for the embedded store.");

        EmbeddedGarnet? garnet = null;
        if (storage.Embedded)
        {
            using var garnetLoggers = LoggerFactory.Create(l => l.AddConsole().SetMinimumLevel(LogLevel.Warning));
            garnet = EmbeddedGarnet.Start(storage.DataDir, garnetLoggers);
            bootLog.LogInformation("Embedded Garnet on 127.0.0.1:{Port}, data in {DataDir}", garnet.Port, garnet.DataDir);
        }

        var redisOptions = ConfigurationOptions.Parse(garnet?.ConnectionString ?? storage.Redis!);
        redisOptions.AbortOnConnectFail = false;
        redisOptions.ConnectTimeout = storage.OperationTimeoutMs;
        redisOptions.SyncTimeout = storage.OperationTimeoutMs;
        redisOptions.AsyncTimeout = storage.OperationTimeoutMs;
        redisOptions.ClientName = "wangjian-credit";
        var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);
        var durable = garnet is not null
            ? DurableWrites.For(garnet, TimeSpan.FromMilliseconds(storage.OperationTimeoutMs))
            : DurableWrites.StoreAcknowledgesDurably;

        var clusterOptions = new ClusterOptions { ClusterId = silo.ClusterId, ServiceId = silo.ServiceId };
        if (garnet is not null)
        {
            // The embedded store belongs to this process alone (the data-dir lock): any member entry in it
            // is this server's own from before a restart or kill -9. Dropping it spares the new silo from
            // waiting for its dead predecessor to be voted out.
            await redis.GetDatabase().KeyDeleteAsync(RedisClusteringOptions.DefaultCreateRedisKey(clusterOptions));
        }

        var siloPort = silo.SiloPort == 0 ? FreePort() : silo.SiloPort;
        // One multiplexer for every provider and our own keys; IsShared stops a provider from disposing it.
        Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> SharedMultiplexer<T>(T _) => Task.FromResult<(IConnectionMultiplexer, bool)>((redis, true));

        builder.UseOrleans(s =>
        {
            s.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterOptions.ClusterId;
                o.ServiceId = clusterOptions.ServiceId;
            });
            s.ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedIp), siloPort, gatewayPort: 0, listenOnAnyHostAddress: silo.AdvertisedIp != "127.0.0.1");

            // A dead silo is declared dead after NumMissedProbesLimit probes of ProbeTimeout each (about
            // 6 s here, Orleans' default is 15 s or more); any ClusterMembershipOptions field can be set
            // under Orleans:Membership.
            s.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 3;
            });
            s.Configure<ClusterMembershipOptions>(config.GetSection("Orleans:Membership"));

            // What bounds memory with many more operators than fit: an operator idle for CollectionAge
            // (Orleans:Collection:CollectionAgeMinutes, default 10) is deactivated, its state stays in the
            // store; and above MemoryUsageLimitPercentage of the memory available to the process Orleans
            // sheds the least recently used activations down to MemoryUsageTargetPercentage. Any
            // GrainCollectionOptions field can be set under Orleans:Collection (benchmarks/README.md).
            s.Configure<GrainCollectionOptions>(o =>
            {
                o.CollectionAge = TimeSpan.FromMinutes(config.GetValue("Orleans:Collection:CollectionAgeMinutes", 10.0));
                o.EnableActivationSheddingOnMemoryPressure = true;
                o.MemoryUsageLimitPercentage = 80;
                o.MemoryUsageTargetPercentage = 70;
            });
            s.Configure<GrainCollectionOptions>(config.GetSection("Orleans:Collection"));
            s.UseRedisClustering((RedisClusteringOptions o) =>
            {
                o.ConfigurationOptions = redisOptions;
                o.CreateMultiplexer = SharedMultiplexer;
            });
            s.AddRedisGrainStorage(StorageNames.Credit, (Orleans.Persistence.RedisStorageOptions o) =>
            {
                o.ConfigurationOptions = redisOptions;
                o.CreateMultiplexer = SharedMultiplexer;
                o.GrainStorageSerializer = new DomainJsonGrainStorageSerializer();
            });
            // Reminders in hashes bucketed by grain hash (Storage/BucketedReminderTable.cs says why not
            // Orleans' single sorted set); the rest of the reminder service is Orleans' own.
            s.AddReminders();
            s.Services.AddSingleton<IReminderTable, BucketedReminderTable>();
            s.Services.AddSerializer(b => b.AddCreditDomainTypes());
            Observability.AddDashboard(s, observability);
        });
        Observability.Add(builder, observability, bootLog);

        var services = builder.Services;
        services.AddSingleton<IConnectionMultiplexer>(redis);
        services.AddSingleton(durable);
        services.AddSingleton(policy);
        services.AddSingleton<ICreditScorer, NRulesCreditScorer>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(CreditClock.System);
        services.AddSingleton(principals);
        services.AddSingleton<CheckLog>();
        services.AddSingleton<RedisChangeLog>();
        services.AddSingleton<ChangeViews>();
        services.AddSingleton<SellerLists>();
        services.AddOptions<WebhookOptions>().Bind(config.GetSection(WebhookOptions.Section));
        services.AddSingleton(sp => new UrlGuard(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value));
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();
        services.AddSingleton<INoticeStore, RedisNoticeStore>();
        services.AddSingleton<INoticePusher, GrpcNoticePusher>();
        services.AddOptions<DeliveryOptions>().Bind(config.GetSection(DeliveryOptions.Section));
        services.AddOptions<AgencyEndpointsOptions>().Bind(config.GetSection(AgencyEndpointsOptions.Section));
        AddDeliveryPipelines(services, config.GetSection(DeliveryOptions.Section).Get<DeliveryOptions>() ?? new DeliveryOptions());
        services.AddSingleton<ICreditChangeLog>(sp => sp.GetRequiredService<RedisChangeLog>());
        var notifier = new ChangeNotifier(redis);
        await notifier.StartAsync();
        services.AddSingleton(notifier);
        if (garnet is not null)
        {
            services.AddSingleton(garnet);
        }

        // Callers are authenticated by BearerTokenMiddleware; ASP.NET Core's authorization checks the roles of
        // [Authorize] and GrpcAuthorizationResultHandler answers a refusal as a gRPC status.
        services.AddAuthorization();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        var grpc = services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            o.MaxReceiveMessageSize = 4 * 1024 * 1024;
        });
        JsonApi.Add(services, grpc);
        services.AddSingleton(listeners);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store").AddCheck<SiloHealthCheck>("silo");

        var app = builder.Build();
        JsonApi.Map(app);
        app.UseMiddleware<BearerTokenMiddleware>();
        app.UseAuthorization();
        app.UseMiddleware<MessageValidationMiddleware>();
        app.MapGrpcService<RegulatorGrpcService>();
        app.MapGrpcService<CreditGrpcService>();
        app.MapGrpcService<AgencyGrpcService>();
        app.MapGrpcService<PlatformGrpcService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        Observability.Map(app, observability);

        app.Lifetime.ApplicationStarted.Register(() => _ = ResumeDeliveryAsync(app.Services));
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            redis.Dispose();
            garnet?.Dispose();
        });
        return app;
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
                .AddDeliveryStrategies(transient, o.Retries, o.RetryDelayMs, o.BreakMs, minimumThroughput: 4, o.AttemptTimeoutMs));
        }
    }

    /// <summary>
    /// After a start (or a crash), wake every agency outbox with a receiver and every operator that still
    /// holds notices, so pending delivery resumes at once rather than at the next reminder.
    /// </summary>
    private static async Task ResumeDeliveryAsync(IServiceProvider services)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("WangJian.Credit.Delivery");
        var pusher = services.GetRequiredService<INoticePusher>();
        var store = services.GetRequiredService<INoticeStore>();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                foreach (var op in await store.PendingOperatorsAsync())
                {
                    await grains.Operator(op).GetAssessmentAsync(null);
                }

                foreach (var agency in Agencies.All.Where(pusher.HasEndpoint))
                {
                    await grains.GetGrain<IAgencyOutboxGrain>(agency).WakeAsync();
                }

                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Resuming notice delivery failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
