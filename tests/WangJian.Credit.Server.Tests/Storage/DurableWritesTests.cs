using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

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

    /// <summary>
    /// Far more log than the size limit, every write waiting for its commit: checkpoints truncate the log
    /// meanwhile (its files shrink back to the last segment or two), no wait fails, and a restart
    /// (checkpoint plus the log after it) has every last value.
    /// </summary>
    [Fact]
    public async Task LogFarPastTheSizeLimit_IsTruncatedByCheckpoints_AndARestartHasEveryValue()
    {
        var options = new StorageOptions { DataDir = dir.Path, LogSizeLimitMb = 4, CheckpointIntervalSeconds = 0 };
        var aof = Path.Combine(dir.Path, "garnet", "checkpoints", "AOF");
        long LogBytes() => Directory.EnumerateFiles(aof, "aof.log.*").Sum(f => new FileInfo(f).Length);
        const int keys = 100;
        const int rounds = 12;
        using (var garnet = EmbeddedGarnet.Start(options, NullLoggerFactory.Instance))
        {
            var durable = DurableWrites.For(garnet, TimeSpan.FromSeconds(10));
            using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionOptions());
            for (var round = 0; round < rounds; round++)
            {
                var value = round + new string('v', 100_000);
                await Task.WhenAll(Enumerable.Range(0, keys).Select(async k =>
                {
                    await redis.GetDatabase().StringSetAsync($"k{k}", value);
                    await durable.WaitAsync();
                }));
            }

            // 120 MB were logged; once a checkpoint holds them, only the segment being written (32 MB) or the
            // one before it remain.
            for (var waited = 0; LogBytes() > 64 << 20; waited++)
            {
                Assert.True(waited < 300, $"the log still holds {LogBytes()} bytes after 30 s");
                await Task.Delay(100);
            }
        }

        using (var garnet = EmbeddedGarnet.Start(options, NullLoggerFactory.Instance))
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionOptions());
            var values = await redis.GetDatabase().StringGetAsync(Enumerable.Range(0, keys).Select(k => (RedisKey)$"k{k}").ToArray());
            Assert.All(values, v => Assert.StartsWith($"{rounds - 1}vvv", v.ToString()));
        }
    }

    /// <summary>
    /// The size rule on the real store, its ticks driven by a fake clock: the start asks for a first checkpoint; past
    /// the floor the next is asked for; after it, log short of that checkpoint's size asks for none (a store larger than the floor is not
    /// rewritten per floor's worth of log); past it, the next is asked for.
    /// </summary>
    [Fact]
    public async Task LogPastTheFloor_Checkpoints_ThenWaitsForTheLastCheckpointsSize()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new StorageOptions { DataDir = dir.Path, LogSizeLimitMb = 1, LogGrowthPercent = 100, CheckpointIntervalSeconds = 0 };
        using var garnet = EmbeddedGarnet.Start(options, NullLoggerFactory.Instance, time);
        var durable = DurableWrites.For(garnet, TimeSpan.FromSeconds(10));
        var admin = garnet.ConnectionOptions();
        admin.AllowAdmin = true;
        using var redis = await ConnectionMultiplexer.ConnectAsync(admin);
        var value = new string('v', 200_000);
        async Task WriteAsync(int from, int count)
        {
            await Task.WhenAll(Enumerable.Range(from, count).Select(k => redis.GetDatabase().StringSetAsync($"k{k}", value)));
            await durable.WaitAsync();
        }

        async Task<long> BeginAsync() =>
            long.Parse((await redis.GetServers()[0].InfoRawAsync("persistence"))!
                .Split('\n').Single(l => l.StartsWith("BeginAddress:", StringComparison.Ordinal))["BeginAddress:".Length..].Trim());

        // The start asked for the process's first checkpoint (of the empty store).
        Assert.Equal(1, garnet.CheckpointRequests);

        // 8 MB of log, over the 1 MB floor: asked for, and a checkpoint truncates the log (each second looks again
        // while the start's checkpoint may still be running).
        await WriteAsync(0, 40);
        var begin = await BeginAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, garnet.CheckpointRequests);
        for (var waited = 0; await BeginAsync() == begin; waited++)
        {
            Assert.True(waited < 300, "the checkpoint did not truncate the log in 30 s");
            await Task.Delay(100);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // 4 MB more: past the floor, short of the ~8 MB checkpoint.
        var asked = garnet.CheckpointRequests;
        await WriteAsync(0, 20);
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(asked, garnet.CheckpointRequests);

        // 6 MB more: 10 MB since the checkpoint, past its size.
        await WriteAsync(40, 30);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(asked + 1, garnet.CheckpointRequests);
    }

    /// <summary>
    /// Rounds against a store whose commits the test releases: callers waiting together share one store wait, and a
    /// caller that joins while a round is out waits for the next one (the round in flight may not cover its write).
    /// </summary>
    [Fact]
    public async Task CallersShareARound_AndOneJoiningDuringARound_WaitsForTheNext()
    {
        var commits = new List<TaskCompletionSource<bool>>();
        var asked = new SemaphoreSlim(0);
        var durable = DurableWrites.For(_ =>
        {
            var commit = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (commits)
            {
                commits.Add(commit);
            }

            asked.Release();
            return new ValueTask<bool>(commit.Task);
        }, TimeSpan.FromSeconds(30));

        // A first caller's round is out while fifty more join: they all wait for the next round (a round that
        // started while they were still joining would take only some of them, which is right but not testable).
        var opening = durable.WaitAsync();
        Assert.True(await asked.WaitAsync(TimeSpan.FromSeconds(10)));
        var first = Enumerable.Range(0, 50).Select(_ => durable.WaitAsync()).ToArray();
        Assert.Single(commits);
        commits[0].SetResult(true);
        await opening.WaitAsync(TimeSpan.FromSeconds(10));

        // One store wait for the fifty, and none for the late ones while it is out.
        Assert.True(await asked.WaitAsync(TimeSpan.FromSeconds(10)));
        var late = Enumerable.Range(0, 50).Select(_ => durable.WaitAsync()).ToArray();
        Assert.Equal(2, commits.Count);
        Assert.False(await asked.WaitAsync(TimeSpan.FromMilliseconds(50)));
        commits[1].SetResult(true);
        await Task.WhenAll(first).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(late, t => Assert.False(t.IsCompleted));

        // The late ones are the next round: one more store wait, which completes them.
        Assert.True(await asked.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, commits.Count);
        commits[2].SetResult(true);
        await Task.WhenAll(late).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ARoundTheStoreDoesNotConfirmInTime_FailsItsCallersWithATimeout_AndTheNextRoundWorks()
    {
        var calls = 0;
        var durable = DurableWrites.For(_ => Interlocked.Increment(ref calls) == 1 ? new ValueTask<bool>(new TaskCompletionSource<bool>().Task) : new ValueTask<bool>(true), TimeSpan.FromMilliseconds(200));

        var stuck = durable.WaitAsync();
        await Assert.ThrowsAsync<StoreTimeoutException>(() => stuck.WaitAsync(TimeSpan.FromSeconds(10)));
        await durable.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, calls);
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
