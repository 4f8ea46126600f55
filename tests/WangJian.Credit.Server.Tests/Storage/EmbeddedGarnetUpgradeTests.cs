using Garnet;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

/// <summary>A data dir written before the store had a password and log marks still opens with all its data.</summary>
public sealed class EmbeddedGarnetUpgradeTests : IDisposable
{
    private readonly TempDir dir = new("upgrade");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task DataDirOfTheEarlierLayout_OpensWithEveryValue_AndNowNeedsThePassword()
    {
        // The earlier EmbeddedGarnet: no password, Garnet's default 1 GB log segments, no marks file.
        var store = Path.Combine(dir.Path, "garnet");
        int port;
        using (var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        }

        using (var old = new GarnetServer(
            ["--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--storage-tier", "--device-type", "RandomAccess",
             "--logdir", Path.Combine(store, "log"), "--checkpointdir", Path.Combine(store, "checkpoints"), "--aof", "--aof-commit-freq", "0", "--recover", "--lua"],
            NullLoggerFactory.Instance, cleanupDir: false))
        {
            old.Start();
            using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port}");
            // 40 MB: past the 32 MB segments of new data dirs, so a wrong segment size would lose data.
            await Task.WhenAll(Enumerable.Range(0, 400).Select(i => redis.GetDatabase().StringSetAsync($"k{i}", $"{i}:" + new string('x', 100_000))));

            await old.Store.WaitForCommitAsync();
        }

        using (var garnet = EmbeddedGarnet.Start(new StorageOptions { DataDir = dir.Path }, NullLoggerFactory.Instance))
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionOptions());
            var values = await redis.GetDatabase().StringGetAsync(Enumerable.Range(0, 400).Select(i => (RedisKey)$"k{i}").ToArray());
            Assert.Equal(Enumerable.Range(0, 400).Select(i => $"{i}:"), values.Select(v => v.ToString()[..(v.ToString().IndexOf(':') + 1)]));
            Assert.StartsWith("-NOAUTH", await Resp.SendAsync(garnet.Port, ["GET", "k1"]));
        }

        // And again, now with its marks and password.
        using (var garnet = EmbeddedGarnet.Start(new StorageOptions { DataDir = dir.Path }, NullLoggerFactory.Instance))
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionOptions());
            Assert.StartsWith("399:", (await redis.GetDatabase().StringGetAsync("k399")).ToString());
        }
    }
}
