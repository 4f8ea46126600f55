using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests;

/// <summary>The commit barrier on a real embedded Garnet (its effect under kill -9 is in CrashRecoveryTests).</summary>
public sealed class DurableWritesTests : IDisposable
{
    private readonly TempDir dir = new("durable");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task ConcurrentWritersEachWaitingForTheirCommit_AllComplete_AndTheDataIsThereAfterARestart()
    {
        using (var garnet = EmbeddedGarnet.Start(new StorageOptions { DataDir = dir.Path }, NullLoggerFactory.Instance))
        {
            var durable = DurableWrites.For(garnet, TimeSpan.FromSeconds(5));
            using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionOptions());
            var writes = Enumerable.Range(0, 500).Select(async i =>
            {
                await redis.GetDatabase().StringSetAsync($"k{i}", i);
                await durable.WaitAsync();
            });
            await Task.WhenAll(writes).WaitAsync(TimeSpan.FromSeconds(30));
        }

        // Recovery replays only the committed log: everything waited for is in it.
        using (var garnet = EmbeddedGarnet.Start(new StorageOptions { DataDir = dir.Path }, NullLoggerFactory.Instance))
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionOptions());
            var values = await redis.GetDatabase().StringGetAsync(Enumerable.Range(0, 500).Select(i => (RedisKey)$"k{i}").ToArray());
            Assert.Equal(Enumerable.Range(0, 500), values.Select(v => (int)v));
        }
    }

    [Fact]
    public async Task AStoreThatIsGone_AnswersWithinTheTimeout_NeverHangs()
    {
        var garnet = EmbeddedGarnet.Start(new StorageOptions { DataDir = dir.Path }, NullLoggerFactory.Instance);
        var durable = DurableWrites.For(garnet, TimeSpan.FromMilliseconds(500));
        garnet.Dispose();

        // Either the (empty) log is committed or the wait gives up with a TimeoutException: no hang.
        var wait = durable.WaitAsync();
        Assert.Same(wait, await Task.WhenAny(wait, Task.Delay(TimeSpan.FromSeconds(30))));
        Assert.True(wait.IsCompletedSuccessfully || wait.Exception?.InnerException is TimeoutException, $"unexpected {wait.Exception}");
    }
}
