using System.Net;
using System.Net.Sockets;
using Orleans.Clustering.Redis;
using Orleans.Configuration;
using Orleans.Serialization;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Startup;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Silo;

/// <summary>Where this silo listens and what it advertises; the port is checked free before the store starts.</summary>
public sealed record SiloEndpoint(IPAddress Advertised, int Port, bool ListenOnAny)
{
    /// <summary>The endpoint of <c>Orleans:*</c>, with a free port drawn for <c>Orleans:SiloPort 0</c>.</summary>
    public static SiloEndpoint Reserve(OrleansOptions silo)
    {
        var port = silo.SiloPort == 0 ? FreePort() : silo.SiloPort;
        var advertised = IPAddress.Parse(silo.AdvertisedIp);
        var listenOnAny = silo.AdvertisedIp != "127.0.0.1";
        Preflight.RequirePortFree(listenOnAny ? IPAddress.Any : advertised, port, "silo port", "Orleans:SiloPort");
        return new SiloEndpoint(advertised, port, listenOnAny);
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

public static class SiloExtensions
{
    /// <summary>
    /// The Orleans silo on the store: Redis clustering, grain storage and the bucketed reminder table on the
    /// one multiplexer, the domain's serializers, membership and collection tuned for one service. Before the
    /// silo is configured, records in an old layout are migrated and an endpoint already held by a live member
    /// is refused.
    /// </summary>
    public static async Task AddCreditSiloAsync(this WebApplicationBuilder builder, OrleansOptions silo, SiloEndpoint endpoint, CreditStore store, ObservabilityOptions observability, ILogger bootLog)
    {
        var config = builder.Configuration;
        var redis = store.Redis;
        var clusterOptions = new ClusterOptions { ClusterId = silo.ClusterId, ServiceId = silo.ServiceId };
        if (store.Garnet is not null)
        {
            // The embedded store belongs to this process alone (the data-dir lock): any member entry in it
            // is this server's own from before a restart or kill -9. Dropping it spares the new silo from
            // waiting for its dead predecessor to be voted out.
            await redis.GetDatabase().KeyDeleteAsync(RedisClusteringOptions.DefaultCreateRedisKey(clusterOptions));
        }

        // Before the silo starts: no operator grain may load a record that is still in the old layout.
        await OperatorLayoutMigration.RunAsync(redis, clusterOptions.ServiceId, bootLog);
        await MembershipPreflight.RequireEndpointFreeAsync(
            redis.GetDatabase(), RedisClusteringOptions.DefaultCreateRedisKey(clusterOptions), new IPEndPoint(endpoint.Advertised, endpoint.Port), TimeSpan.FromSeconds(1));

        // One multiplexer for every provider and our own keys; IsShared stops a provider from disposing it.
        Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> SharedMultiplexer<T>(T _) => Task.FromResult<(IConnectionMultiplexer, bool)>((redis, true));
        var redisOptions = store.Options;

        // Orleans' watchdog reads this clock's timestamps relative to a field its first check can see unset
        // (zero), and then warns of a "deadlock" as long as the machine's uptime on every start. Timestamps
        // counted from process start keep that first reading inside the start-up time; durations are unchanged.
        builder.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Membership, new ProcessRelativeTimeProvider());
        // Operator grains publish the status they committed here; reads of an operator active on this silo answer from it.
        builder.Services.AddSingleton<CurrentStatuses>();
        builder.UseOrleans(s =>
        {
            s.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterOptions.ClusterId;
                o.ServiceId = clusterOptions.ServiceId;
            });
            s.ConfigureEndpoints(endpoint.Advertised, endpoint.Port, gatewayPort: 0, listenOnAnyHostAddress: endpoint.ListenOnAny);

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
    }
}
