using System.Globalization;
using System.Text;
using System.Threading.Channels;
using StackExchange.Redis;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Audit;

/// <summary>One call to the service, allowed or refused.</summary>
public sealed record AccessEntry(
    string RequestId,
    DateTimeOffset Time,
    string? Principal,
    string? Role,
    string Rpc,
    IReadOnlyList<string> OperatorIds,
    bool OperatorIdsTruncated,
    string Status,
    string? ClientAddress,
    long DurationMs)
{
    /// <summary>
    /// One line of tab-separated fields (ids joined by commas): written for every call, so kept small and cheap
    /// to make, unlike JSON. Tabs, line breaks and commas in names become spaces.
    /// </summary>
    public void Encode(StringBuilder line)
    {
        line.Append(RequestId).Append('\t')
            .Append(Time.UtcTicks.ToString(CultureInfo.InvariantCulture)).Append('\t');
        Field(line, Principal).Append('\t');
        Field(line, Role).Append('\t');
        Field(line, Rpc).Append('\t');
        for (var i = 0; i < OperatorIds.Count; i++)
        {
            Field(line.Append(i > 0 ? "," : string.Empty), OperatorIds[i]);
        }

        line.Append('\t').Append(OperatorIdsTruncated ? '1' : '0').Append('\t')
            .Append(Status).Append('\t');
        Field(line, ClientAddress).Append('\t')
            .Append(DurationMs.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The entry of an <see cref="Encode"/>d line; null when the line is not one.</summary>
    public static AccessEntry? Decode(string line)
    {
        var f = line.Split('\t');
        if (f.Length != 10 || !long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || !long.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out var duration))
        {
            return null;
        }

        return new AccessEntry(
            f[0],
            new DateTimeOffset(ticks, TimeSpan.Zero),
            f[2].Length == 0 ? null : f[2],
            f[3].Length == 0 ? null : f[3],
            f[4],
            f[5].Length == 0 ? [] : f[5].Split(','),
            f[6] == "1",
            f[7],
            f[8].Length == 0 ? null : f[8],
            duration);
    }

    private static StringBuilder Field(StringBuilder line, string? value)
    {
        foreach (var c in value ?? string.Empty)
        {
            line.Append(c is '\t' or '\n' or '\r' or ',' ? ' ' : c);
        }

        return line;
    }
}

/// <summary>Which access entries a query wants; null fields match everything.</summary>
public sealed record AccessQuery(string? Principal, string? OperatorId, string? Rpc, string? Status, DateTimeOffset? From, DateTimeOffset? Before)
{
    public bool Matches(AccessEntry e) =>
        (Principal is null || string.Equals(e.Principal, Principal, StringComparison.Ordinal))
        && (OperatorId is null || e.OperatorIds.Contains(OperatorId, StringComparer.Ordinal))
        && (Rpc is null || string.Equals(e.Rpc, Rpc, StringComparison.Ordinal) || e.Rpc.EndsWith("/" + Rpc, StringComparison.Ordinal))
        && (Status is null || string.Equals(e.Status, Status, StringComparison.Ordinal))
        && (From is null || e.Time >= From)
        && (Before is null || e.Time < Before);
}

/// <summary>
/// The access log in the store. Calls are not slowed by it: an entry is queued when the call ends and
/// written by one loop, many at a time (group commit, gathered for up to <see cref="Linger"/>): each batch
/// is one string of lines (<see cref="AccessEntry.Encode"/>) under
/// <c>wj:access:b:&lt;batch&gt;</c>, and the batch goes into time indexes, scored by its newest entry — all
/// batches (<c>wj:access</c>), those concerning an operator (<c>wj:access:op:&lt;uscc&gt;</c>) and those with
/// a call by a principal
/// (<c>wj:access:by:&lt;name&gt;</c>). Batches expire after <c>Audit:RetainFor</c>; an index is trimmed to it
/// (and set to expire) when a batch first touches it, then at most every <see cref="MaintainEvery"/>.
/// </summary>
/// <remarks>
/// An entry is in the store's log within one batch write of its call's end (milliseconds; the embedded
/// store commits its AOF on every write), not before the call is answered: waiting for that would cost
/// every read a store round trip; and one write per batch instead of per call keeps the store's work (and
/// its log commits) small next to the calls it records. <see cref="FlushAsync"/> waits for everything
/// queued so far and writes at once, so a query
/// sees every call this server finished before it. While the store is down, entries wait in memory (at
/// most <see cref="MaxQueued"/>; beyond, the oldest are dropped and counted in the log).
/// </remarks>
public sealed class AccessLog : IDisposable
{
    public const int MaxBatch = 4096;

    public const int MaxQueued = 1_000_000;

    /// <summary>How long a batch gathers entries before it is written (unless a flush asks for it now).</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);

    /// <summary>A batch never spans this much time or more (its score bounds its entries' times).</summary>
    public static readonly TimeSpan BatchSpan = TimeSpan.FromSeconds(1);

    /// <summary>How often an index is trimmed to the retention at most.</summary>
    public static readonly TimeSpan MaintainEvery = TimeSpan.FromHours(1);

    private const string AllIndex = "wj:access";
    private const string BatchPrefix = "wj:access:b:";

    private readonly IConnectionMultiplexer redis;
    private readonly TimeProvider time;
    private readonly TimeSpan retain;
    private readonly ILogger<AccessLog> logger;
    private readonly Channel<Item> queue;
    private readonly Dictionary<string, DateTimeOffset> maintained = new(StringComparer.Ordinal);
    private long dropped;

    public AccessLog(IConnectionMultiplexer redis, TimeProvider time, AuditOptions options, ILogger<AccessLog> logger)
    {
        this.redis = redis;
        this.time = time;
        this.logger = logger;
        retain = options.RetainFor;
        queue = Channel.CreateBounded<Item>(
            new BoundedChannelOptions(MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest },
            _ => Interlocked.Increment(ref dropped));
        _ = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues the entry; it is written with the next batch.</summary>
    public void Append(AccessEntry entry) => queue.Writer.TryWrite(new Item(entry, null));

    /// <summary>Completes when every entry queued before the call is in the store.</summary>
    public Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return queue.Writer.TryWrite(new Item(null, flushed)) ? flushed.Task : Task.CompletedTask;
    }

    public void Dispose() => queue.Writer.TryComplete();

    /// <summary>
    /// Entries newest first matching <paramref name="query"/>, from just after <paramref name="after"/>: at most
    /// <paramref name="limit"/> and the position to continue from, or null at the end. A position is a batch's
    /// place in its index (score, batch id) and a line in it, so pages are keyed as in <see cref="TimeIndex"/>:
    /// entries logged while a client pages are newer than any position and never shift a page.
    /// </summary>
    public async Task<(IReadOnlyList<AccessEntry> Items, IndexPosition? Next)> QueryAsync(AccessQuery query, IndexPosition? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var db = redis.GetDatabase();
        // The narrowest index that still holds every match.
        RedisKey key = query.OperatorId is { } op ? OperatorIndex(op) : query.Principal is { } p ? PrincipalIndex(p) : AllIndex;

        // A batch's score is its newest entry's time and it spans less than BatchSpan, so the batches that can
        // hold an entry of [From, Before) score in [From, Before + BatchSpan); Matches applies the exact bounds.
        var min = query.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
        var max = query.Before is { } before ? before.ToUnixTimeMilliseconds() + BatchSpan.TotalMilliseconds : double.PositiveInfinity;
        IndexPosition? afterBatch = null;
        var afterLine = int.MaxValue;
        if (after is { } a && a.Member.Split(':') is [var b, var l] && int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            afterBatch = new IndexPosition(a.Score, b);
            afterLine = n;
        }

        var found = new List<(AccessEntry Entry, IndexPosition Position)>();
        var stop = Math.Min(afterBatch?.Score ?? double.PositiveInfinity, max);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        const int Chunk = 64;
        long skip = 0;
        while (found.Count <= limit)
        {
            // The range is fixed for the whole walk: a batch written meanwhile scores above it, or is newer than
            // the position and shifts the offsets by one, which `seen` absorbs.
            var batches = await db.SortedSetRangeByScoreWithScoresAsync(key, min, stop, order: Order.Descending, skip: skip, take: Chunk);
            skip += batches.Length;
            var candidates = batches
                .Select(e => new IndexPosition(e.Score, e.Element.ToString()))
                .Where(pos => afterBatch is not { } ab || pos.IsAfter(ab) || pos == ab)
                .Where(pos => seen.Add(pos.Member))
                .ToArray();
            var blobs = candidates.Length == 0 ? [] : await db.StringGetAsync(candidates.Select(c => (RedisKey)(BatchPrefix + c.Member)).ToArray());
            for (var i = 0; i < candidates.Length && found.Count <= limit; i++)
            {
                if (blobs[i].IsNullOrEmpty)
                {
                    // Expired (retention) or never written: skipped, not fatal.
                    continue;
                }

                var lines = blobs[i].ToString().Split('\n');
                var last = candidates[i] == afterBatch ? Math.Min(afterLine, lines.Length) - 1 : lines.Length - 1;
                for (var line = last; line >= 0 && found.Count <= limit; line--)
                {
                    if (AccessEntry.Decode(lines[line]) is { } entry && query.Matches(entry))
                    {
                        found.Add((entry, new IndexPosition(candidates[i].Score, $"{candidates[i].Member}:{line}")));
                    }
                }
            }

            if (batches.Length < Chunk)
            {
                break;
            }
        }

        var page = found.Take(limit).ToArray();
        return (page.Select(f => f.Entry).ToArray(), found.Count > limit ? page[^1].Position : null);
    }

    private static string OperatorIndex(string operatorId) => $"wj:access:op:{operatorId}";

    private static string PrincipalIndex(string principal) => $"wj:access:by:{principal}";

    private async Task WriteLoopAsync()
    {
        var entries = new List<AccessEntry>(MaxBatch);
        var flushes = new List<TaskCompletionSource>();
        while (await queue.Reader.WaitToReadAsync())
        {
            var lingered = false;
            while (entries.Count < MaxBatch)
            {
                if (queue.Reader.TryRead(out var item))
                {
                    if (item.Entry is { } e)
                    {
                        entries.Add(e);
                    }
                    else
                    {
                        flushes.Add(item.Flushed!);
                    }
                }
                else if (!lingered && flushes.Count == 0)
                {
                    // Let the batch fill: fewer, larger writes cost the store (and the machine) far less.
                    lingered = true;
                    await Task.Delay(Linger);
                }
                else
                {
                    break;
                }
            }

            if (Interlocked.Exchange(ref dropped, 0) is var lost and > 0)
            {
                logger.LogError("The access log dropped {Count} entries: the store did not take them in time", lost);
            }

            // A failed write is retried (the store may be restarting); queued entries wait meanwhile.
            for (var attempt = 0; entries.Count > 0; attempt++)
            {
                try
                {
                    await WriteAsync(entries);
                    break;
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning(e, "Writing {Count} access log entries failed (attempt {Attempt}); retrying", entries.Count, attempt + 1);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 << Math.Min(attempt, 6))));
                }
            }

            entries.Clear();
            flushes.ForEach(f => f.TrySetResult());
            flushes.Clear();
        }
    }

    private async Task WriteAsync(List<AccessEntry> entries)
    {
        // Oldest first, and no batch spanning BatchSpan or more (entries that waited out a store outage).
        entries.Sort((x, y) => x.Time.CompareTo(y.Time));
        var first = 0;
        for (var i = 1; i <= entries.Count; i++)
        {
            if (i == entries.Count || entries[i].Time - entries[first].Time >= BatchSpan)
            {
                await WriteBatchAsync(entries.GetRange(first, i - first));
                first = i;
            }
        }
    }

    /// <summary>
    /// One batch: its lines under one key, and the batch once in each index one of its entries belongs to
    /// (all, each operator, each principal), scored by its newest entry. The store's work is per batch, not
    /// per call: a few commands every <see cref="Linger"/>, whatever the rate of calls.
    /// </summary>
    private async Task WriteBatchAsync(List<AccessEntry> entries)
    {
        var now = time.GetUtcNow();
        var batchId = $"{now.ToUnixTimeMilliseconds():x12}{Random.Shared.Next():x8}";
        var blob = new StringBuilder(entries.Count * 160);
        var keys = new HashSet<string>(StringComparer.Ordinal) { AllIndex };
        for (var i = 0; i < entries.Count; i++)
        {
            if (i > 0)
            {
                blob.Append('\n');
            }

            entries[i].Encode(blob);
            if (entries[i].Principal is { } p)
            {
                keys.Add(PrincipalIndex(p));
            }

            foreach (var op in entries[i].OperatorIds)
            {
                keys.Add(OperatorIndex(op));
            }
        }

        var score = entries[^1].Time.ToUnixTimeMilliseconds();

        // The batch first, then its indexes, in one round trip: an index entry read before its batch
        // exists is skipped, and a crash in between loses entries, never points at garbage.
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = new List<Task>(keys.Count * 3 + 1) { batch.StringSetAsync(BatchPrefix + batchId, blob.ToString(), retain) };
        var cutoff = (now - retain).ToUnixTimeMilliseconds();
        var maintain = new List<string>();
        foreach (var key in keys)
        {
            writes.Add(batch.SortedSetAddAsync(key, batchId, score));
            if (!maintained.TryGetValue(key, out var last) || now - last >= MaintainEvery)
            {
                writes.Add(batch.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, cutoff, Exclude.Stop));
                writes.Add(batch.KeyExpireAsync(key, retain + MaintainEvery));
                maintain.Add(key);
            }
        }

        batch.Execute();
        await Task.WhenAll(writes);
        if (maintained.Count > 100_000)
        {
            // Bounded memory: forgetting only means trimming a key again sooner.
            maintained.Clear();
        }

        maintain.ForEach(k => maintained[k] = now);
    }

    private sealed record Item(AccessEntry? Entry, TaskCompletionSource? Flushed);
}
