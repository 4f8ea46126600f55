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
/// <c>wj:access:b:&lt;batch&gt;</c>, and its entries <c>&lt;batch&gt;:&lt;line&gt;</c> go into time indexes —
/// all entries (<c>wj:access</c>), per operator (<c>wj:access:op:&lt;uscc&gt;</c>) and per principal
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

    /// <summary>Entries newest first matching <paramref name="query"/>, keyed pages (see <see cref="TimeIndex"/>).</summary>
    public Task<(IReadOnlyList<AccessEntry> Items, IndexPosition? Next)> QueryAsync(AccessQuery query, IndexPosition? after, int limit)
    {
        var db = redis.GetDatabase();
        // The narrowest index that still holds every match.
        RedisKey key = query.OperatorId is { } op ? OperatorIndex(op) : query.Principal is { } p ? PrincipalIndex(p) : AllIndex;
        // Scores are whole milliseconds (rounded down); the exact bounds are applied by Matches.
        var min = query.From?.ToUnixTimeMilliseconds() ?? double.NegativeInfinity;
        var max = query.Before?.ToUnixTimeMilliseconds() ?? double.PositiveInfinity;
        return TimeIndex.PageAsync(db, key, after, limit, positions => LoadAsync(db, positions), query.Matches, min, max);
    }

    private static async Task<AccessEntry?[]> LoadAsync(IDatabase db, IReadOnlyList<IndexPosition> positions)
    {
        var refs = positions.Select(p => p.Member.Split(':', 2)).ToArray();
        var batches = refs.Where(r => r.Length == 2).Select(r => r[0]).Distinct(StringComparer.Ordinal).ToArray();
        var blobs = await db.StringGetAsync(batches.Select(b => (RedisKey)(BatchPrefix + b)).ToArray());
        var lines = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (var i = 0; i < batches.Length; i++)
        {
            if (!blobs[i].IsNullOrEmpty)
            {
                lines[batches[i]] = blobs[i].ToString().Split('\n');
            }
        }

        return refs.Select(r => r.Length == 2 && lines.TryGetValue(r[0], out var l) && int.TryParse(r[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < l.Length
            ? AccessEntry.Decode(l[n])
            : null).ToArray();
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
        var now = time.GetUtcNow();
        var batchId = $"{now.ToUnixTimeMilliseconds():x12}{Random.Shared.Next():x8}";
        var blob = new StringBuilder(entries.Count * 160);
        for (var i = 0; i < entries.Count; i++)
        {
            if (i > 0)
            {
                blob.Append('\n');
            }

            entries[i].Encode(blob);
        }

        var indexes = new Dictionary<string, List<SortedSetEntry>>(StringComparer.Ordinal) { [AllIndex] = new(entries.Count) };
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var member = new SortedSetEntry($"{batchId}:{i}", entry.Time.ToUnixTimeMilliseconds());
            indexes[AllIndex].Add(member);
            if (entry.Principal is { } p)
            {
                Add(indexes, PrincipalIndex(p), member);
            }

            foreach (var op in entry.OperatorIds)
            {
                Add(indexes, OperatorIndex(op), member);
            }
        }

        // The batch first, then its indexes, in one round trip: an index entry read before its batch
        // exists is skipped, and a crash in between loses entries, never points at garbage.
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = new List<Task>(indexes.Count * 3 + 1) { batch.StringSetAsync(BatchPrefix + batchId, blob.ToString(), retain) };
        var cutoff = (now - retain).ToUnixTimeMilliseconds();
        var maintain = new List<string>();
        foreach (var (key, members) in indexes)
        {
            writes.Add(batch.SortedSetAddAsync(key, members.ToArray()));
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

    private static void Add(Dictionary<string, List<SortedSetEntry>> indexes, string key, SortedSetEntry member)
    {
        if (!indexes.TryGetValue(key, out var list))
        {
            indexes[key] = list = [];
        }

        list.Add(member);
    }

    private sealed record Item(AccessEntry? Entry, TaskCompletionSource? Flushed);
}
