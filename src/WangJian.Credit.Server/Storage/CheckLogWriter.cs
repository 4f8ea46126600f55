using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Writes the audit log of checks in batches (<see cref="CheckLogKeys"/>): each batch's record, then its entries in
/// the buckets of its checks, in order on one connection, so an index never points at nothing. A hosted service: at
/// the start it moves a log of an earlier layout into batches, then runs its write loop; at the stop it finishes the
/// checks already queued.
/// </summary>
/// <remarks>
/// Group commit: checks that arrive while a write is in flight go to the store together in the next batch (one
/// SET, one ZADD per bucket), and each caller is answered when every command of the batch holding its check is
/// acknowledged (then the commit barrier). A lone check still costs one round trip; under load the store sees a
/// few commands per batch instead of per check, and its sets grow by a batch, not by a check (docs/architecture.md
/// D4, D23). Not a MULTI: after a kill -9 during a checkpoint, the embedded Garnet's replay of a transaction in its
/// log failed and the store would not start (seen once in CrashRecoveryTests). A crash inside a batch leaves its
/// checks unanswered, with their record stored and some of its index entries: a check never answered may then be
/// listed, never the other way round.
/// </remarks>
public sealed class CheckLogWriter(IConnectionMultiplexer redis, ILogger<CheckLogWriter> logger) : ICheckLogWriter, IHostedService
{
    /// <summary>Most checks in one batch: bounds a batch's record (~350 bytes a check) and what a reader parses.</summary>
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
        await MoveIntoBatchesAsync(cancellationToken);
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
                await WriteAsync(batch.ConvertAll(p => p.Check));
                batch.ForEach(p => p.Stored.TrySetResult());
            }
            catch (Exception e)
            {
                batch.ForEach(p => p.Stored.TrySetException(e));
            }

            batch.Clear();
        }
    }

    /// <summary>The checks as batches (oldest first, none spanning <see cref="CheckLogKeys.BatchSpan"/> or more), in one pipelined write.</summary>
    private Task WriteAsync(List<StoredCheck> checks)
    {
        checks.Sort(Oldest);
        var runs = new List<List<StoredCheck>>();
        foreach (var check in checks)
        {
            Append(runs, check);
        }

        return WriteBatchesAsync(runs);
    }

    /// <summary>Adds <paramref name="check"/> (no older than any in <paramref name="runs"/>) to the last run, or starts a run when it does not fit.</summary>
    private static void Append(List<List<StoredCheck>> runs, StoredCheck check)
    {
        if (runs.Count == 0 || !Fits(runs[^1], check))
        {
            runs.Add([]);
        }

        runs[^1].Add(check);
    }

    /// <summary>Whether <paramref name="check"/> (no older than the run's checks) may join <paramref name="run"/>.</summary>
    private static bool Fits(List<StoredCheck> run, StoredCheck check) =>
        run.Count < MaxBatch && check.CheckedAt - run[0].CheckedAt < CheckLogKeys.BatchSpan;

    /// <summary>Each run's record, then its entries in every bucket its checks belong to, in one pipelined batch of commands.</summary>
    private async Task WriteBatchesAsync(List<List<StoredCheck>> runs)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        var listed = new List<string>();
        foreach (var run in runs)
        {
            var member = CheckLogKeys.Member(run[0].CheckId, run.Count);
            writes.Add(batch.StringSetAsync(CheckLogKeys.Record(run[0].CheckId), Lines(run)));

            // One entry per bucket the batch has checks in, scored by the newest of them.
            var buckets = run.SelectMany(c => new[] { CheckLogKeys.All, CheckLogKeys.Agency(c.Agency), CheckLogKeys.Operator(c.OperatorId) }.Select(f => (Family: f, Check: c)))
                .GroupBy(x => x.Family.Bucket(x.Check.CheckedAt), StringComparer.Ordinal);
            foreach (var bucket in buckets)
            {
                var (family, newest) = bucket.Last();
                writes.Add(batch.SortedSetAddAsync(bucket.Key, member, newest.CheckedAt.ToUnixTimeMilliseconds()));
                if (!knownBuckets.Contains(bucket.Key) && !listed.Contains(bucket.Key))
                {
                    writes.Add(batch.SortedSetAddAsync(family.Buckets, bucket.Key, family.Start(newest.CheckedAt)));
                    listed.Add(bucket.Key);
                }
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

    /// <summary>A batch's record: one JSON object per check and line, oldest first, as UTF-8 (no text copy on the way to the store).</summary>
    internal static ReadOnlyMemory<byte> Lines(IEnumerable<StoredCheck> checks)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = DomainSerialization.Options.Encoder });
        var first = true;
        foreach (var check in checks)
        {
            if (!first)
            {
                json.Flush();
                buffer.Write("\n"u8);
                json.Reset(buffer);
            }

            JsonSerializer.Serialize(json, check, DomainSerialization.Options);
            first = false;
        }

        json.Flush();
        return buffer.WrittenMemory;
    }

    /// <summary>The checks of a batch's record.</summary>
    internal static IEnumerable<StoredCheck> ParseLines(string record, Func<string, bool>? mayMatch = null)
    {
        foreach (var line in record.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // A cheap look before the parse: a query for one operator reads whole batches of others.
            if (mayMatch is null || mayMatch(line))
            {
                yield return JsonSerializer.Deserialize<StoredCheck>(line, DomainSerialization.Options)!;
            }
        }
    }

    /// <summary>Oldest first: by time, then by id (the order of one millisecond's checks in an index).</summary>
    internal static int Oldest(StoredCheck a, StoredCheck b)
    {
        var byTime = a.CheckedAt.ToUnixTimeMilliseconds().CompareTo(b.CheckedAt.ToUnixTimeMilliseconds());
        return byTime != 0 ? byTime : string.CompareOrdinal(a.CheckId, b.CheckId);
    }

    /// <summary>
    /// A log of layout 1 (one sorted set for all checks, one per operator and per agency) or 2 (an entry per check in
    /// day and month buckets), each check's record under its id: its checks are written as batches, oldest first,
    /// then the old keys are removed. Runs once per store. The batches are made the same way from the same old
    /// keys every time (these are removed only once the batches are all written, <see cref="CheckLogKeys.LayoutMoved"/>),
    /// so a start interrupted in the middle, or two servers of a cluster starting together, write the same
    /// batches again rather than new ones.
    /// </summary>
    private async Task MoveIntoBatchesAsync(CancellationToken cancel)
    {
        var db = redis.GetDatabase();
        var layout = (string?)await db.StringGetAsync(CheckLogKeys.LayoutKey);
        if (layout == CheckLogKeys.Layout)
        {
            return;
        }

        if (layout != CheckLogKeys.LayoutMoved)
        {
            long moved = 0;
            var runs = new List<List<StoredCheck>>();
            await foreach (var checks in OldChecksOldestFirstAsync(db, layout == "2", cancel))
            {
                foreach (var check in checks)
                {
                    Append(runs, check);
                }

                // The runs before the last are complete: written now; the last may still grow.
                if (runs.Count > 16)
                {
                    var complete = runs.GetRange(0, runs.Count - 1);
                    await WriteBatchesAsync(complete);
                    moved += complete.Sum(r => r.Count);
                    runs.RemoveRange(0, complete.Count);
                }
            }

            await WriteBatchesAsync(runs);
            moved += runs.Sum(r => r.Count);
            await db.StringSetAsync(CheckLogKeys.LayoutKey, CheckLogKeys.LayoutMoved);
            if (moved > 0)
            {
                logger.LogInformation("Moved {Count} checks of the check log into batches", moved);
            }
        }

        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            foreach (var pattern in new[] { CheckLogKeys.OldRecordPrefix + "*", CheckLogKeys.OldAllIndex + "*" })
            {
                await foreach (var key in server.KeysAsync(db.Database, pattern, pageSize: 1000).WithCancellation(cancel))
                {
                    if (CheckLogKeys.IsOldLayout(key.ToString()))
                    {
                        await db.KeyDeleteAsync(key);
                    }
                }
            }
        }

        await db.StringSetAsync(CheckLogKeys.LayoutKey, CheckLogKeys.Layout);
    }

    /// <summary>The checks of an earlier layout, oldest first, a chunk at a time: from its day buckets (layout 2) or its one set (layout 1).</summary>
    private static async IAsyncEnumerable<StoredCheck[]> OldChecksOldestFirstAsync(IDatabase db, bool bucketed, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancel)
    {
        var sets = bucketed
            ? (await db.SortedSetRangeByRankAsync(CheckLogKeys.OldAllDays)).Select(b => (RedisKey)b.ToString()).ToArray()
            : [CheckLogKeys.OldAllIndex];
        const int Chunk = 5000;
        foreach (var set in sets)
        {
            for (long rank = 0; ; rank += Chunk)
            {
                cancel.ThrowIfCancellationRequested();
                var ids = await db.SortedSetRangeByRankAsync(set, rank, rank + Chunk - 1);
                if (ids.Length == 0)
                {
                    break;
                }

                var raw = await db.StringGetAsync(ids.Select(id => (RedisKey)(CheckLogKeys.OldRecordPrefix + id)).ToArray());
                yield return raw.Where(r => !r.IsNullOrEmpty).Select(r => JsonSerializer.Deserialize<StoredCheck>(r.ToString(), DomainSerialization.Options)!).ToArray();
            }
        }
    }

    private sealed record Pending(StoredCheck Check, TaskCompletionSource Stored);
}
