using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// A test of a store component on one of the stores it runs on in production: the embedded Garnet (in a
/// fresh data directory) or a real redis-server. Each concrete class picks one; the tests are shared.
/// </summary>
public abstract class StoreTestBase : IAsyncLifetime
{
    private readonly TempDir dir = new("store");
    private RedisProcess? redisServer;

    protected abstract bool OnGarnet { get; }

    protected IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>The embedded store, when <see cref="OnGarnet"/>.</summary>
    protected EmbeddedGarnet? Garnet { get; private set; }

    protected string DataDir => dir.Path;

    public async Task InitializeAsync()
    {
        ConfigurationOptions connection;
        if (OnGarnet)
        {
            Garnet = EmbeddedGarnet.Start(new WangJian.Credit.Server.Options.StorageOptions { DataDir = dir.Path }, NullLoggerFactory.Instance);
            connection = Garnet.ConnectionOptions();
        }
        else
        {
            redisServer = new RedisProcess();
            await redisServer.StartAsync();
            connection = ConfigurationOptions.Parse(redisServer.ConnectionString);
        }

        Redis = await ConnectionMultiplexer.ConnectAsync(connection);
    }

    public async Task DisposeAsync()
    {
        Redis.Dispose();
        Garnet?.Dispose();
        if (redisServer is not null)
        {
            await redisServer.DisposeAsync();
        }

        dir.Dispose();
    }
}
