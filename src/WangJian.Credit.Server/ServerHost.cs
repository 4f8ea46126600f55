using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Http;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Policies;
using WangJian.Credit.Server.Publicity;
using WangJian.Credit.Server.Reports;
using WangJian.Credit.Server.Startup;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.Web;
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

        // Both listener settings are checked (form, port range, port free) before anything starts.
        var (grpcUrls, restUrls) = Listeners.Configured(config);
        foreach (var (setting, urls) in new[] { ("Urls", grpcUrls), (Listeners.HttpUrlsKey, restUrls) })
        {
            foreach (var url in Preflight.ParseUrls(urls, setting))
            {
                if (OptionChecks.ListenAddress(url.Host) is { } address)
                {
                    Preflight.RequirePortFree(address, url.Port, "HTTP address", setting);
                }
            }
        }

        // gRPC (h2c) on Urls, REST/JSON on Http:Urls: bound here, so Kestrel's own Urls binding is cleared.
        var listeners = Listeners.From(config);
        builder.Configuration[WebHostDefaults.ServerUrlsKey] = string.Empty;
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Empty);
        builder.WebHost.ConfigureKestrel(listeners.Bind);

        var storage = config.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var silo = config.GetSection(OrleansOptions.Section).Get<OrleansOptions>() ?? new OrleansOptions();
        var policyOptions = config.GetSection(PolicyOptions.Section).Get<PolicyOptions>() ?? new PolicyOptions();
        var auth = config.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        if (!string.IsNullOrWhiteSpace(auth.PrincipalsFile))
        {
            // Watched: an edit applies to new calls within seconds (PrincipalReload).
            var file = Path.GetFullPath(auth.PrincipalsFile);
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"the principals file {file} does not exist (Auth:PrincipalsFile)");
            }

            builder.Configuration.AddJsonFile(file, optional: false, reloadOnChange: true);
            auth = config.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        }

        var audit = config.GetSection(AuditOptions.Section).Get<AuditOptions>() ?? new AuditOptions();
        if (audit.RetainFor <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"the access log retention must be positive, got {audit.RetainFor} (Audit:RetainFor)");
        }

        var approvals = config.GetSection(ApprovalsOptions.Section).Get<ApprovalsOptions>() ?? new ApprovalsOptions();
        // A list in JSON (["REVOKE"]) or one comma-separated string (REVOKE,LISTING_REPAIR); NONE or empty: one step.
        var gated = config.GetSection($"{ApprovalsOptions.Section}:SecondPersonFor");
        if (gated.Value is not null || gated.GetChildren().Any())
        {
            approvals.SecondPersonFor = gated.Value ?? string.Join(",", gated.GetChildren().Select(c => c.Value));
        }

        FourEyes.Parse(approvals.SecondPersonFor);
        if (approvals.ExpireAfter <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"approvals must expire after a positive time, got {approvals.ExpireAfter} (Approvals:ExpireAfter)");
        }
        var calendar = ReadCalendar(config);
        var publicOptions = config.GetSection(PublicOptions.Section).Get<PublicOptions>() ?? new PublicOptions();
        if (publicOptions.PermitsPerMinute < 1)
        {
            throw new InvalidOperationException($"the public rate limit must be at least 1 call a minute, got {publicOptions.PermitsPerMinute} (Public:PermitsPerMinute)");
        }

        var reportOptions = config.GetSection(ReportOptions.Section).Get<ReportOptions>() ?? new ReportOptions();
        var fontFamily = ReportFontFamilyFor(reportOptions);
        var observability = config.GetSection(ObservabilityOptions.Section).Get<ObservabilityOptions>() ?? new ObservabilityOptions();
        var deliveryOptions = config.GetSection(DeliveryOptions.Section).Get<DeliveryOptions>() ?? new DeliveryOptions();
        OptionChecks.Validate(storage, silo, observability, deliveryOptions);

        using var bootLoggers = LoggerFactory.Create(l => l.AddConsole().SetMinimumLevel(LogLevel.Information));
        var bootLog = bootLoggers.CreateLogger("WangJian.Credit.Server");

        // A broken policy must stop the server before it scores anything.
        var policy = PolicyFile.Load(policyOptions.Path);
        var policyDocument = File.ReadAllText(policyOptions.Path ?? PolicyFile.DefaultPath);
        if (policyOptions.RolloutConcurrency is < 1 or > 1024)
        {
            throw new InvalidOperationException($"a rollout re-assesses 1 to 1024 operators at once, got {policyOptions.RolloutConcurrency} (Policy:RolloutConcurrency)");
        }

        if (policyOptions.RolloutRatePerSecond < 0 || !double.IsFinite(policyOptions.RolloutRatePerSecond))
        {
            throw new InvalidOperationException($"the rollout rate must be 0 (no limit) or positive, got {policyOptions.RolloutRatePerSecond} (Policy:RolloutRatePerSecond)");
        }
        bootLog.LogInformation("Policy {Version} loaded: {Offenses} offenses, {Measures} measures", policy.Version, policy.Offenses.Count, policy.Measures.Count);
        if (fontFamily is null)
        {
            bootLog.LogWarning("No CJK TrueType font for PDF credit reports ({Paths}): PDF reports answer FAILED_PRECONDITION, JSON reports work; install fonts-wqy-zenhei or set Reports:FontPath", string.Join(", ", ReportFont.DefaultPaths));
        }

        if (storage.Embedded)
        {
            // Before anything is written to it (dev tokens, the store): owner-only.
            PrivateDataDir.Prepare(storage.DataDir);
        }

        var principals = auth.Principals.Count > 0
            ? new PrincipalRegistry(PrincipalRegistry.FromOptions(auth.Principals))
            : storage.Embedded
                ? DevTokens.LoadOrCreate(storage.DataDir, bootLog)
                : auth.Jwt.Enabled
                    ? new PrincipalRegistry([])
                    : throw new InvalidOperationException(
                    "Auth:Principals is empty. With an external Redis (Storage:Redis) the server needs configured principals " +
                    "(Name, Role, Authorities, Agency, Uscc, TokenSha256) or single sign-on (Auth:Jwt); development tokens are generated only for the embedded store.");

        var siloPort = silo.SiloPort == 0 ? FreePort() : silo.SiloPort;
        var advertised = IPAddress.Parse(silo.AdvertisedIp);
        var listenOnAny = silo.AdvertisedIp != "127.0.0.1";
        Preflight.RequirePortFree(listenOnAny ? IPAddress.Any : advertised, siloPort, "silo port", "Orleans:SiloPort");

        EmbeddedGarnet? garnet = null;
        // Lives as long as the store: Garnet and the log marks log through it until the store is disposed.
        ILoggerFactory? garnetLoggers = null;
        if (storage.Embedded)
        {
            garnetLoggers = LoggerFactory.Create(l => l.AddConsole().SetMinimumLevel(LogLevel.Warning));
            try
            {
                garnet = EmbeddedGarnet.Start(storage, garnetLoggers);
            }
            catch
            {
                garnetLoggers.Dispose();
                throw;
            }

            bootLog.LogInformation("Embedded Garnet on 127.0.0.1:{Port}, data in {DataDir}, recovered in {RecoveryMs:F0} ms", garnet.Port, garnet.DataDir, garnet.Recovery.TotalMilliseconds);
        }

        var redisOptions = garnet?.ConnectionOptions() ?? Preflight.ParseRedis(storage.Redis!, "Storage:Redis");
        redisOptions.AbortOnConnectFail = false;
        redisOptions.ConnectTimeout = storage.OperationTimeoutMs;
        redisOptions.SyncTimeout = storage.OperationTimeoutMs;
        redisOptions.AsyncTimeout = storage.OperationTimeoutMs;
        redisOptions.ClientName = "wangjian-credit";
        var redis = await Preflight.ConnectAsync(redisOptions, "Storage:Redis", TimeSpan.FromMilliseconds(storage.OperationTimeoutMs));
        var durable = garnet is not null
            ? DurableWrites.For(garnet, TimeSpan.FromMilliseconds(storage.OperationTimeoutMs))
            : DurableWrites.StoreAcknowledgesDurably;

        var signingKeys = await SigningKeys.LoadAsync(
            reportOptions.SigningKeyPath is { Length: > 0 } keyPath ? keyPath : Path.Combine(storage.DataDir, "report-signing-key.pem"),
            create: string.IsNullOrEmpty(reportOptions.SigningKeyPath),
            redis,
            TimeProvider.System.GetUtcNow());
        var clusterOptions = new ClusterOptions { ClusterId = silo.ClusterId, ServiceId = silo.ServiceId };
        if (garnet is not null)
        {
            // The embedded store belongs to this process alone (the data-dir lock): any member entry in it
            // is this server's own from before a restart or kill -9. Dropping it spares the new silo from
            // waiting for its dead predecessor to be voted out.
            await redis.GetDatabase().KeyDeleteAsync(RedisClusteringOptions.DefaultCreateRedisKey(clusterOptions));
        }

        // Before the silo starts: no operator grain may load a record that is still in the old layout.
        await OperatorLayoutMigration.RunAsync(redis, clusterOptions.ServiceId, bootLog);
        // The published versions score; a fresh store starts with the policy file as its initial version.
        var policyStore = new PolicyStore(redis);
        var policyVersions = new PolicyVersions(await PolicyCatalog.LoadAsync(policyStore, policy, policyDocument, bootLog));
        bootLog.LogInformation("Policy versions: {Versions}; in force now: {Current}", string.Join(", ", policyVersions.Timeline.Versions.Select(v => $"{v.Version} from {v.EffectiveFrom:yyyy-MM-dd'T'HH:mm:ss'Z'}")), policyVersions.Timeline.At(TimeProvider.System.GetUtcNow()).Version);
        await MembershipPreflight.RequireEndpointFreeAsync(
            redis.GetDatabase(), RedisClusteringOptions.DefaultCreateRedisKey(clusterOptions), new IPEndPoint(advertised, siloPort), TimeSpan.FromSeconds(1));
        // One multiplexer for every provider and our own keys; IsShared stops a provider from disposing it.
        Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> SharedMultiplexer<T>(T _) => Task.FromResult<(IConnectionMultiplexer, bool)>((redis, true));

        // Orleans' watchdog reads this clock's timestamps relative to a field its first check can see unset
        // (zero), and then warns of a "deadlock" as long as the machine's uptime on every start. Timestamps
        // counted from process start keep that first reading inside the start-up time; durations are unchanged.
        builder.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Membership, new ProcessRelativeTimeProvider());
        builder.UseOrleans(s =>
        {
            s.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterOptions.ClusterId;
                o.ServiceId = clusterOptions.ServiceId;
            });
            s.ConfigureEndpoints(advertised, siloPort, gatewayPort: 0, listenOnAnyHostAddress: listenOnAny);

            // A dead silo is declared dead after NumMissedProbesLimit probes of ProbeTimeout each (about
            // 6 s here, Orleans' default is 15 s or more); any ClusterMembershipOptions field can be set
            // under Orleans:Membership.
            s.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(2);
                o.NumMissedProbesLimit = 3;
                // A silo declared dead by the others learns it from the table at the latest after this
                // (gossip usually tells it sooner) and stops; Orleans' default is one minute.
                o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
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
        services.AddSingleton(storage);
        services.AddSingleton(durable);
        services.AddSingleton(policyStore);
        services.AddSingleton(policyVersions);
        services.AddSingleton(policyOptions);
        services.AddSingleton<OperatorIndex>();
        services.AddSingleton<PolicyCatalog>();
        services.AddSingleton<PolicySimulator>();
        services.AddHostedService<PolicyRollout>();
        services.AddSingleton<ICreditScorer, NRulesCreditScorer>();
        services.AddSingleton(TimeProvider.System);
        // A test may bring its own credit clock (configure): due dates, paths to repair and statuses then follow it.
        services.TryAddSingleton(CreditClock.System);
        services.AddSingleton(principals);
        services.AddSingleton<CheckLog>();
        services.AddSingleton(audit);
        services.AddSingleton<AccessLog>();
        services.AddSingleton(approvals);
        services.AddSingleton<ApprovalStore>();
        services.AddSingleton<FourEyes>();
        services.AddSingleton(calendar);
        services.AddSingleton<ApplicationStore>();
        services.AddSingleton<ApplicationService>();
        services.AddSingleton(signingKeys);
        services.AddSingleton<ReportStore>();
        services.AddSingleton(new ReportFontFamily(fontFamily));
        services.AddSingleton<CreditReports>();
        services.AddSingleton<PublicRecords>();
        PublicRateLimit.Add(services, publicOptions);
        services.AddSingleton<RedisChangeLog>();
        services.AddSingleton<ChangeViews>();
        services.AddSingleton<SellerLists>();
        services.AddOptions<WebhookOptions>().Bind(config.GetSection(WebhookOptions.Section));
        services.AddSingleton(sp => new UrlGuard(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>().Value));
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();
        services.AddSingleton<INoticeStore, RedisNoticeStore>();
        services.AddSingleton<RedisOperatorStore>();
        services.AddSingleton<IOperatorStore>(sp => sp.GetRequiredService<RedisOperatorStore>());
        services.AddSingleton<INoticePusher, GrpcNoticePusher>();
        services.AddOptions<DeliveryOptions>().Bind(config.GetSection(DeliveryOptions.Section));
        services.AddSingleton(new DeliveryBackoff(deliveryOptions, Random.Shared));
        services.AddOptions<AgencyEndpointsOptions>().Bind(config.GetSection(AgencyEndpointsOptions.Section));
        AddDeliveryPipelines(services, deliveryOptions);
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
        services.AddSingleton(new JwtSignOn(auth.Jwt.Enabled));
        if (auth.Jwt.Enabled)
        {
            JwtAuthentication.Add(services, auth.Jwt);
        }

        services.AddSingleton<IAuthorizationMiddlewareResultHandler, GrpcAuthorizationResultHandler>();
        services.AddSingleton<ViolationCommands>();
        services.AddSingleton<CurrentStatuses>();
        services.AddSingleton<CreditReads>();
        services.AddSingleton<AgencyChecks>();
        services.AddSingleton<OperatorFiles>();
        services.AddSingleton<ApprovalInbox>();
        var console = ConsoleWeb.Add(builder, auth);
        var grpc = services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            o.Interceptors.Add<CommitBarrierInterceptor>();
            o.MaxReceiveMessageSize = 4 * 1024 * 1024;
        });
        // The services and interceptors keep no per-call state: one instance each, not a construction with
        // its dependencies resolved on every call (grpc-dotnet uses a type's own registration when it has one).
        services.AddSingleton<ErrorInterceptor>();
        services.AddSingleton<CommitBarrierInterceptor>();
        services.AddSingleton<RegulatorGrpcService>();
        services.AddSingleton<CreditGrpcService>();
        services.AddSingleton<AgencyGrpcService>();
        services.AddSingleton<AuditGrpcService>();
        services.AddSingleton<PlatformGrpcService>();
        services.AddSingleton<PolicyGrpcService>();
        services.AddSingleton<OperatorGrpcService>();
        services.AddSingleton<PublicGrpcService>();
        JsonApi.Add(services, grpc);
        services.AddSingleton(listeners);
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<StoreHealthCheck>("store").AddCheck<SiloHealthCheck>("silo");
        // Check answers from the checks run at the call; Watch streams follow the publisher, so it runs
        // every second (a PING and a look at the membership snapshot) rather than ASP.NET Core's 30 s.
        services.Configure<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(1);
            o.Period = TimeSpan.FromSeconds(1);
        });

        var app = builder.Build();
        JsonApi.Map(app);
        if (audit.Enabled)
        {
            app.UseMiddleware<AccessLogMiddleware>();
        }

        app.UseMiddleware<MessageValidationMiddleware>();
        ConsoleWeb.UseConsole(app, console);
        app.UseMiddleware<BearerTokenMiddleware>();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.Use(MessageValidationMiddleware.RejectInvalidAsync);
        app.MapGrpcService<RegulatorGrpcService>();
        app.MapGrpcService<CreditGrpcService>();
        app.MapGrpcService<AgencyGrpcService>();
        app.MapGrpcService<AuditGrpcService>();
        app.MapGrpcService<PlatformGrpcService>();
        app.MapGrpcService<PolicyGrpcService>();
        app.MapGrpcService<OperatorGrpcService>();
        app.MapGrpcService<PublicGrpcService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        ConsoleWeb.MapConsole(app, console);
        Observability.Map(app, observability);

        if (auth.Principals.Count > 0)
        {
            PrincipalReload.Watch(config, principals, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("WangJian.Credit.Auth"));
        }

        ApplicationMetrics.Observe(app.Services.GetRequiredService<ApplicationStore>(), app.Services.GetRequiredService<CreditClock>());
        app.Lifetime.ApplicationStarted.Register(() => _ = ResumeDeliveryAsync(app.Services));
        app.Lifetime.ApplicationStarted.Register(() => _ = ResumeApprovalsAsync(app.Services));
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            redis.Dispose();
            signingKeys.Dispose();
            garnet?.Dispose();
            garnetLoggers?.Dispose();
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
    /// After a start (or a crash), wake every agency outbox and every operator that still holds notices, so
    /// pending delivery resumes at once rather than at the next reminder, and each agency's notice gauges
    /// are reported from the start.
    /// </summary>
    private static async Task ResumeDeliveryAsync(IServiceProvider services)
    {
        var grains = services.GetRequiredService<IGrainFactory>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("WangJian.Credit.Delivery");
        var store = services.GetRequiredService<INoticeStore>();
        for (var attempt = 0; attempt < 10; attempt++)
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
            catch (Exception e)
            {
                logger.LogWarning(e, "Resuming notice delivery failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>Finishes approvals decided before a crash but not known to be applied.</summary>
    private static async Task ResumeApprovalsAsync(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("WangJian.Credit.Approvals");
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                await services.GetRequiredService<FourEyes>().ResumeAsync();
                await services.GetRequiredService<DurableWrites>().WaitAsync();
                return;
            }
            catch (RpcException e)
            {
                // The change can no longer be applied: the approval is FAILED with the reason.
                logger.LogWarning("Finishing an approval failed: {Detail}", e.Status.Detail);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Finishing approvals failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>China's working days for review periods: <c>Calendar:Holidays</c> and <c>Calendar:ExtraWorkdays</c> (调休), yyyy-MM-dd each.</summary>
    private static WorkingCalendar ReadCalendar(IConfiguration config)
    {
        IReadOnlyList<DateOnly> Dates(string key)
        {
            var section = config.GetSection(key);
            var values = section.Value is { } one ? [one] : section.GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
            try
            {
                return WorkingCalendar.ParseDates(values, key);
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException(e.Message);
            }
        }

        var holidays = Dates("Calendar:Holidays");
        var extra = Dates("Calendar:ExtraWorkdays");
        try
        {
            return new WorkingCalendar(holidays, extra);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{e.Message} (Calendar:ExtraWorkdays)");
        }
    }

    /// <summary>
    /// The CJK font of PDF reports. A configured path that is missing or not usable stops the server; with none
    /// configured and none of the defaults installed the server starts, logs it, and answers PDF requests with
    /// FAILED_PRECONDITION naming the fix (JSON reports still work).
    /// </summary>
    private static string? ReportFontFamilyFor(ReportOptions options)
    {
        var configured = !string.IsNullOrWhiteSpace(options.FontPath);
        var path = ReportFont.Find(options.FontPath);
        if (path is null)
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"the report font {path} does not exist (Reports:FontPath)");
        }

        try
        {
            return ReportFont.Register(path);
        }
        catch (Exception e) when (configured && e is IOException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidOperationException($"{e.Message} (Reports:FontPath)");
        }
    }

    /// <summary>
    /// A free silo port for <c>Orleans:SiloPort 0</c>, drawn below the kernel's ephemeral range (32768 and
    /// up on Linux): a port the kernel hands out for a bind to port 0 goes back to its pool the moment it is
    /// checked, and another process starting at the same time (a Kestrel or store listener on port 0) could
    /// take it before the silo binds. A random port of 20000–32767 is never handed out that way.
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port) { ExclusiveAddressUse = true };
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
