using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Writes the audit log of checks: the records, then their index entries (<see cref="CheckLogKeys"/>), in order
/// on one connection, so an index never points at nothing. A hosted service: at the start it moves a log of the layout
/// before the buckets into them, then runs its write loop; at the stop it finishes the checks already queued.
/// </summary>
/// <remarks>
/// Group commit: checks that arrive while a write is in flight go to the store together in the next
/// batch (one MSET and one ZADD per bucket), and each caller is answered when every command of the batch
/// holding its check is acknowledged (then the commit barrier). A lone check still costs one round trip;
/// under load the store sees a few commands per batch instead of per check (docs/architecture.md D4, D21).
/// Not a MULTI: after a kill -9 during a checkpoint, the embedded Garnet's replay of a transaction in its log
/// failed and the store would not start (seen once in CrashRecoveryTests). A crash inside a batch leaves its checks unanswered, with
/// their records stored and some of their index entries: a check never answered may then be listed, never the
/// other way round.
/// </remarks>
public sealed class CheckLogWriter(IConnectionMultiplexer redis, ILogger<CheckLogWriter> logger) : ICheckLogWriter, IHostedService
{
    /// <summary>Most checks in one batch: bounds its commands while keeping batches useful at high load.</summary>
    public const int MaxBatch = 256;

    /// <summary>Bucket keys this process has listed in their family (forgotten past this many: listing again is harmless).</summary>
    private const int KnownBucketsKept = 100_000;

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<string> knownBuckets = new(StringComparer.Ordinal);
    private Task loop = Task.CompletedTask;

    /// <remarks>Marked: the store write happens in the group-commit loop, not in this call.</remarks>
    [Writes]
    public Task AppendAsync(StoredCheck record)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(CheckLogWriter), "the server is stopping");
        }

        return pending.Stored.Task;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await MoveIntoBucketsAsync(cancellationToken);
        loop = Task.Run(WriteLoopAsync, CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await loop.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await WriteAsync(batch.ConvertAll(p => p.Check), records: true);
                batch.ForEach(p => p.Stored.TrySetResult());
            }
            catch (Exception e)
            {
                batch.ForEach(p => p.Stored.TrySetException(e));
            }

            batch.Clear();
        }
    }

    /// <summary>The checks' records (unless they are stored already), then their entries in every bucket they belong to, in one pipelined batch.</summary>
    private async Task WriteAsync(List<StoredCheck> checks, bool records)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        if (records)
        {
            writes.Add(batch.StringSetAsync(checks.Select(c => new KeyValuePair<RedisKey, RedisValue>(CheckLogKeys.RecordPrefix + c.CheckId, JsonSerializer.Serialize(c, DomainSerialization.Options))).ToArray()));
        }

        var listed = new List<string>();
        var buckets = checks.SelectMany(c => new[] { CheckLogKeys.All, CheckLogKeys.Agency(c.Agency), CheckLogKeys.Operator(c.OperatorId) }.Select(f => (Family: f, Check: c)))
            .GroupBy(x => x.Family.Bucket(x.Check.CheckedAt), StringComparer.Ordinal);
        foreach (var bucket in buckets)
        {
            writes.Add(batch.SortedSetAddAsync(bucket.Key, bucket.Select(x => Entry(x.Check)).ToArray()));
            var (family, first) = bucket.First();
            if (!knownBuckets.Contains(bucket.Key))
            {
                writes.Add(batch.SortedSetAddAsync(family.Buckets, bucket.Key, family.Start(first.CheckedAt)));
                listed.Add(bucket.Key);
            }
        }

        batch.Execute();
        await Task.WhenAll(writes);

        if (knownBuckets.Count + listed.Count > KnownBucketsKept)
        {
            knownBuckets.Clear();
        }

        knownBuckets.UnionWith(listed);
    }

    /// <summary>
    /// A log written before the buckets (one sorted set for all checks, one per operator and per agency): its
    /// entries are added to the buckets from the records, then the old sets are removed. Runs once per store;
    /// a start interrupted in the middle simply does it again.
    /// </summary>
    private async Task MoveIntoBucketsAsync(CancellationToken cancel)
    {
        var db = redis.GetDatabase();
        if (await db.StringGetAsync(CheckLogKeys.LayoutKey) == CheckLogKeys.Layout)
        {
            return;
        }

        const int Chunk = 5000;
        long moved = 0;
        for (long rank = 0; ; rank += Chunk)
        {
            cancel.ThrowIfCancellationRequested();
            var ids = await db.SortedSetRangeByRankAsync(CheckLogKeys.LegacyAllIndex, rank, rank + Chunk - 1);
            if (ids.Length == 0)
            {
                break;
            }

            var raw = await db.StringGetAsync(ids.Select(id => (RedisKey)(CheckLogKeys.RecordPrefix + id)).ToArray());
            var checks = raw.Where(r => !r.IsNullOrEmpty).Select(r => JsonSerializer.Deserialize<StoredCheck>(r.ToString(), DomainSerialization.Options)!).ToList();
            if (checks.Count > 0)
            {
                await WriteAsync(checks, records: false);
                moved += checks.Count;
            }
        }

        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(db.Database, "wj:checks:*", pageSize: 1000).WithCancellation(cancel))
            {
                if (IsLegacyIndex(key.ToString()))
                {
                    await db.KeyDeleteAsync(key);
                }
            }
        }

        await db.KeyDeleteAsync(CheckLogKeys.LegacyAllIndex);
        await db.StringSetAsync(CheckLogKeys.LayoutKey, CheckLogKeys.Layout);
        if (moved > 0)
        {
            logger.LogInformation("Moved {Count} checks of the check log into its day and month buckets", moved);
        }
    }

    /// <summary>A per-operator or per-agency set of the layout before the buckets: <c>wj:checks:op:&lt;uscc&gt;</c>, <c>wj:checks:agency:&lt;code&gt;</c>.</summary>
    internal static bool IsLegacyIndex(string key) =>
        (key.StartsWith("wj:checks:op:", StringComparison.Ordinal) && !key.AsSpan("wj:checks:op:".Length).Contains(':'))
        || (key.StartsWith("wj:checks:agency:", StringComparison.Ordinal) && !key.AsSpan("wj:checks:agency:".Length).Contains(':'));

    private static SortedSetEntry Entry(StoredCheck check) => new(check.CheckId, check.CheckedAt.ToUnixTimeMilliseconds());

    private sealed record Pending(StoredCheck Check, TaskCompletionSource Stored);
}
