using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.Server.Startup;

namespace WangJian.Credit.Server.Storage;

/// <summary>The store this process uses, held until the host has stopped.</summary>
public sealed class CreditStore(IConnectionMultiplexer redis, ConfigurationOptions options, EmbeddedGarnet? garnet, ILoggerFactory? garnetLoggers) : IDisposable
{
    /// <summary>One multiplexer for every provider and our own keys.</summary>
    public IConnectionMultiplexer Redis { get; } = redis;

    /// <summary>What the Orleans providers connect with (the same endpoints and timeouts).</summary>
    public ConfigurationOptions Options { get; } = options;

    /// <summary>The embedded store, when this process runs one.</summary>
    public EmbeddedGarnet? Garnet { get; } = garnet;

    public void Dispose()
    {
        Redis.Dispose();
        Garnet?.Dispose();
        garnetLoggers?.Dispose();
    }
}

public static class StoreExtensions
{
    /// <summary>
    /// Starts the embedded Garnet (empty <c>Storage:Redis</c>) or connects to the configured Redis, checks it
    /// answers, and registers it with the commit barrier and every store, log and read model kept in it.
    /// </summary>
    public static async Task<CreditStore> AddCreditStoreAsync(this WebApplicationBuilder builder, StorageOptions storage, ILogger bootLog)
    {
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
        var timeoutMs = (int)storage.OperationTimeout.TotalMilliseconds;
        redisOptions.ConnectTimeout = timeoutMs;
        redisOptions.SyncTimeout = timeoutMs;
        redisOptions.AsyncTimeout = timeoutMs;
        redisOptions.ClientName = "wangjian-credit";
        var redis = await Preflight.ConnectAsync(redisOptions, "Storage:Redis", storage.OperationTimeout);
        var durable = garnet is not null
            ? DurableWrites.For(garnet, storage.OperationTimeout)
            : DurableWrites.StoreAcknowledgesDurably;

        var services = builder.Services;
        services.AddSingleton<IConnectionMultiplexer>(redis);
        services.AddSingleton(durable);
        if (garnet is not null)
        {
            services.AddSingleton(garnet);
        }

        services.AddSingleton<OperatorIndex>();
        services.AddSingleton<ReadModels.IRecordIndex>(sp => sp.GetRequiredService<OperatorIndex>());
        services.AddSingleton<ApprovalStore>();
        services.AddSingleton<ChangeViews>();
        services.AddSingleton<SellerLists>();
        services.AddSingleton<RedisChangeLog>();
        services.AddSingleton<ICreditChangeLog>(sp => sp.GetRequiredService<RedisChangeLog>());
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<RedisChangeLog>());
        services.AddSingleton<IBlacklistIndex>(sp => sp.GetRequiredService<RedisChangeLog>());
        services.AddSingleton<ChangeNotifier>();
        services.AddSingleton<IChangeSignal>(sp => sp.GetRequiredService<ChangeNotifier>());
        services.AddHostedService(sp => sp.GetRequiredService<ChangeNotifier>());
        services.AddSingleton<CheckLogWriter>();
        services.AddSingleton<ICheckLogWriter>(sp => sp.GetRequiredService<CheckLogWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<CheckLogWriter>());
        services.AddSingleton<ICheckLogQuery, CheckLogQuery>();
        services.AddSingleton<INoticeStore, RedisNoticeStore>();
        services.AddSingleton<RedisOperatorStore>();
        services.AddSingleton<IOperatorStore>(sp => sp.GetRequiredService<RedisOperatorStore>());
        return new CreditStore(redis, redisOptions, garnet, garnetLoggers);
    }
}
