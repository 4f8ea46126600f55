using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Text;
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
    /// The entry of a stored line (<see cref="AccessBatch"/> writes them: ten tab-separated fields, ids joined by
    /// commas); null when the line is not one.
    /// </summary>
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
/// The access log in the store. Calls are not slowed by it: an entry is queued when the call ends (a lock-free
/// enqueue of the call's <see cref="AccessFeature"/>) and formatted and written by one loop, many at a time
/// (group commit, gathered for up to <see cref="Linger"/>). Per batch the store gets a few commands whatever the
/// number of calls in it:
/// <list type="bullet">
/// <item>its lines (<see cref="AccessBatch"/>), deflated, under <c>wj:access:b:&lt;batch&gt;</c>, expiring
/// after <c>Audit:RetainFor</c>;</item>
/// <item>the batch in the time index of its day (UTC), <c>wj:access:i:&lt;yyyyMMdd&gt;</c>, scored by its newest
/// entry; the day sets are listed in <c>wj:access:days</c> and expire with the retention. No set grows with the
/// whole log: the embedded store writes a changed set out whole at a checkpoint, so only today's is written;</item>
/// <item>the day index of the batch's day (UTC), <c>wj:access:d:&lt;yyyyMMdd&gt;:&lt;shard&gt;</c>: 256 hashes with a
/// field per operator (<c>o:&lt;uscc&gt;</c>) and per principal (<c>p:&lt;name&gt;</c>) seen that day, whose value
/// lists the minutes of the day (4 hex digits each) in which a batch concerned it; a field changes only when
/// a name shows up in a new minute (one Lua call per hash the batch touches).</item>
/// </list>
/// A query by operator or principal reads the day index newest day first and walks only the minutes it lists;
/// other queries walk the batch index day by day. No key per operator or principal: the store's keys grow with days (256 a
/// day) and batches, not with the operators read (an unknown operator read once costs a field in one day's hash and its
/// 18 characters in a deflated batch).
/// </summary>
/// <remarks>
/// An entry is not awaited before its call is answered: it reaches the store's log within
/// <see cref="Linger"/> plus one batch write of its call's end (tens of milliseconds). Waiting for it would cost
/// every read a store round trip and a log commit. A crash of the process (kill -9, power loss) therefore loses
/// the entries of the calls answered in that window, plus any still queued while the store was unreachable;
/// everything written before is in the store's log. <see cref="FlushAsync"/> waits for everything queued so
/// far and writes at once, so a query sees every call this server finished before it. While the store is down,
/// entries wait in memory (at most <see cref="MaxQueued"/>; beyond, the oldest are dropped and counted in the
/// log).
/// </remarks>
public sealed class AccessLog : IHostedService, IDisposable
{
    public const int MaxBatch = 4096;

    public const int MaxQueued = 1_000_000;

    /// <summary>How long a batch gathers entries before it is written (unless a flush asks for it now).</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);

    /// <summary>A batch never spans this much time or more (its score bounds its entries' times).</summary>
    public static readonly TimeSpan BatchSpan = TimeSpan.FromSeconds(1);

    /// <summary>How often an index is trimmed to the retention at most.</summary>
    public static readonly TimeSpan MaintainEvery = TimeSpan.FromHours(1);

    /// <summary>The one time index of all batches of layouts 1 and 2 (moved into <see cref="BatchDayPrefix"/> sets at start).</summary>
    private const string LegacyAllIndex = "wj:access";

    /// <summary>The time index of batches, one sorted set per UTC day of the batch's score.</summary>
    private const string BatchDayPrefix = "wj:access:i:";

    /// <summary>The days that have a batch index (member: its key, score: the day's start in ms).</summary>
    private const string BatchDays = "wj:access:days";

    private const string BatchPrefix = "wj:access:b:";
    private const string DayPrefix = "wj:access:d:";

    /// <summary>
    /// The store's layout: absent (a sorted set per operator and per principal), 2 (the day index of names, one
    /// time index of all batches) or 3 (the time index of batches in day buckets too).
    /// </summary>
    private const string LayoutKey = "wj:access:layout";
    private const string Layout = "3";

    /// <summary>First byte of a deflated batch; batches of earlier builds are plain UTF-8 lines (hex first).</summary>
    private const byte Deflated = 1;

    /// <summary>Hashes a day's index is spread over (<see cref="Shard"/>).</summary>
    private const int DayShards = 256;

    /// <summary>Fields of one day-index call at most (the script's arguments).</summary>
    private const int IndexChunk = 1000;

    /// <summary>
    /// Operator buckets of a day's index (<see cref="OperatorField"/>): an operator's field is its bucket, so a
    /// day's index holds at most this many operator fields however many distinct operators are read.
    /// </summary>
    private const int OperatorBuckets = 65536;

    private static readonly TimeSpan MinuteSpan = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Appends the minute ARGV[1] to each field ARGV[2..] of the day hash KEYS[1] unless it is already the last
    /// one: the value stays at most 1,440 minutes long whatever the call rate.
    /// </summary>
    private const string AppendMinuteScript = """
        local m = ARGV[1]
        for i = 2, #ARGV do
          local v = redis.call('HGET', KEYS[1], ARGV[i])
          if not v then
            redis.call('HSET', KEYS[1], ARGV[i], m)
          elseif string.sub(v, -4) ~= m then
            redis.call('HSET', KEYS[1], ARGV[i], v .. m)
          end
        end
        return 0
        """;

    private readonly IConnectionMultiplexer redis;
    private readonly TimeProvider time;
    private readonly TimeSpan retain;
    private readonly ILogger<AccessLog> logger;
    private readonly ConcurrentQueue<AccessFeature> queue = new();
    private readonly ConcurrentQueue<TaskCompletionSource> flushes = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Dictionary<string, DateTimeOffset> maintained = new(StringComparer.Ordinal);

    /// <summary>
    /// Per day-index field, the last minute (since the Unix epoch) this process wrote it for: a name that shows
    /// up batch after batch (a platform screening all day, a busy operator) is written once a minute, not once a
    /// batch. Each write is a script the embedded store runs as a transaction: two or three a batch were most of
    /// what a batch cost it.
    /// </summary>
    private readonly Dictionary<string, long> indexed = new(StringComparer.Ordinal);
    private readonly AccessBatch lines = new();
    private readonly MemoryStream packed = new();
    private int queued;
    private long dropped;
    private Task loop = Task.CompletedTask;

    public AccessLog(IConnectionMultiplexer redis, TimeProvider time, AuditOptions options, ILogger<AccessLog> logger)
    {
        this.redis = redis;
        this.time = time;
        this.logger = logger;
        retain = options.RetainFor;
    }

    /// <summary>How long a day's indexes are kept: written during that day (and by late entries), a day longer than its batches.</summary>
    private TimeSpan IndexRetain => retain + TimeSpan.FromDays(2);

    /// <summary>Starts the write loop with the host: entries appended before it wait in the queue.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        loop = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Writes what is queued and ends the loop (or gives up waiting when the host's stop times out).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        await loop.WaitAsync(cancellationToken);
    }

    /// <summary>Queues the call's entry; it is formatted and written with the next batch.</summary>
    public void Append(AccessFeature call)
    {
        queue.Enqueue(call);
        if (Interlocked.Increment(ref queued) > MaxQueued && queue.TryDequeue(out _))
        {
            // The store has not taken entries for a long while: the oldest go, counted.
            Interlocked.Decrement(ref queued);
            Interlocked.Increment(ref dropped);
        }
    }

    /// <summary>Completes when every entry queued before the call is in the store.</summary>
    public Task FlushAsync()
    {
        if (stopping.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flushes.Enqueue(flushed);
        wake.Release();
        return flushed.Task;
    }

    public void Dispose()
    {
        stopping.Cancel();
        wake.Release();
    }

    /// <summary>
    /// Entries newest first matching <paramref name="query"/>, from just after <paramref name="after"/>: at most
    /// <paramref name="limit"/> and the position to continue from, or null at the end. A position is a batch's
    /// place in the index of all batches (score, batch id) and a line in it, so pages are keyed as in
    /// <see cref="TimeIndex"/>: entries logged while a client pages are newer than any position and never shift
    /// a page.
    /// </summary>
    public async Task<(IReadOnlyList<AccessEntry> Items, IndexPosition? Next)> QueryAsync(AccessQuery query, IndexPosition? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var db = redis.GetDatabase();

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

        var walk = new Walk(db, query, afterBatch, afterLine, limit);
        var stop = Math.Min(afterBatch?.Score ?? double.PositiveInfinity, max);
        string[]? fields = query.OperatorId is { } op ? [OperatorField(op), LegacyOperatorField(op)] : query.Principal is { } p ? [PrincipalField(p)] : null;
        if (fields is null)
        {
            await walk.ScanAsync(min, stop);
        }
        else
        {
            await WalkIndexedAsync(db, walk, fields, min, stop);
        }

        var page = walk.Found.Take(limit).ToArray();
        return (page.Select(f => f.Entry).ToArray(), walk.Found.Count > limit ? page[^1].Position : null);
    }

    /// <summary>
    /// The minutes the day index lists for any of <paramref name="fields"/>, newest day first, each walked as a
    /// score range of the index of all batches, between the oldest and newest batch there is.
    /// </summary>
    private static async Task WalkIndexedAsync(IDatabase db, Walk walk, string[] fields, double min, double stop)
    {
        var oldest = await db.SortedSetRangeByRankWithScoresAsync(BatchDays, 0, 0);
        var newest = await db.SortedSetRangeByRankWithScoresAsync(BatchDays, -1, -1);
        if (oldest.Length == 0 || newest.Length == 0)
        {
            return;
        }

        var low = Math.Max(min, oldest[0].Score);
        var high = Math.Min(stop, newest[0].Score + TimeSpan.FromDays(1).TotalMilliseconds - 1);
        if (low > high)
        {
            return;
        }

        const int DaysPerRead = 16;
        var firstDay = DayOf(high);
        var lastDay = DayOf(low);
        for (var day = firstDay; day >= lastDay && !walk.Full;)
        {
            var days = new List<DateTimeOffset>(DaysPerRead);
            for (; day >= lastDay && days.Count < DaysPerRead; day = day.AddDays(-1))
            {
                days.Add(day);
            }

            var batch = db.CreateBatch();
            var reads = days.Select(d => fields.Select(f => batch.HashGetAsync(DayKey(d, Shard(f)), f)).ToArray()).ToArray();
            batch.Execute();
            await Task.WhenAll(reads.SelectMany(r => r));
            for (var i = 0; i < days.Count && !walk.Full; i++)
            {
                foreach (var minute in ParseMinutes(reads[i].Select(r => r.Result)))
                {
                    var start = days[i].AddMinutes(minute).ToUnixTimeMilliseconds();
                    var lo = Math.Max(low, start);
                    var hi = Math.Min(high, start + MinuteSpan.TotalMilliseconds - 1);
                    if (lo <= hi)
                    {
                        await walk.ScanAsync(lo, hi);
                        if (walk.Full)
                        {
                            break;
                        }
                    }
                }
            }
        }
    }

    /// <summary>The minutes of some day-index values, newest first, each once.</summary>
    private static IEnumerable<int> ParseMinutes(IEnumerable<RedisValue> values)
    {
        var minutes = new SortedSet<int>(Comparer<int>.Create((x, y) => y.CompareTo(x)));
        foreach (var value in values)
        {
            if (value.IsNullOrEmpty)
            {
                continue;
            }

            var s = value.ToString();
            for (var i = 0; i + 4 <= s.Length; i += 4)
            {
                if (int.TryParse(s.AsSpan(i, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var m) && m < 1440)
                {
                    minutes.Add(m);
                }
            }
        }

        return minutes;
    }

    private static DateTimeOffset DayOf(double unixMs)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Clamp(unixMs, 0, 253402300799999));
        return new DateTimeOffset(t.Year, t.Month, t.Day, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The time index of the batches whose score falls on <paramref name="day"/>.</summary>
    internal static string BatchDayKey(DateTimeOffset day) => BatchDayPrefix + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    internal static string DayKey(DateTimeOffset day, int shard) =>
        $"{DayPrefix}{day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}:{shard.ToString("x2", CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The day-index hash a field lives in (FNV-1a of its characters, the same in every process): a day's
    /// index is <see cref="DayShards"/> hashes, not one. The embedded Garnet keeps a hash as one object and
    /// copies it whole when it changes outside the log's mutable region, so one hash of 100,000 fields was
    /// copied, and its copies held, again and again.
    /// </summary>
    internal static int Shard(string field) => (int)(Fnv(field) % DayShards);

    /// <summary>FNV-1a of a string's characters: the same in every process and build, unlike string.GetHashCode.</summary>
    private static uint Fnv(string text)
    {
        var h = 2166136261u;
        foreach (var c in text)
        {
            h = (h ^ c) * 16777619u;
        }

        return h;
    }

    private static string MinuteOf(DateTimeOffset t) => ((t.Hour * 60) + t.Minute).ToString("x4", CultureInfo.InvariantCulture);

    /// <summary>
    /// The day-index field of an operator: its bucket (FNV-1a of the USCC), not the USCC. A platform reading
    /// millions of distinct sellers a day would otherwise add a field for each to the store's memory (about
    /// 160 bytes each, for 5 years); with buckets a day's operator index stays under 65,536 fields. A query
    /// reads the minutes of the operator's bucket and keeps only that operator's entries (the walk matches
    /// every entry against the query), so another operator of the same bucket costs a look, never a wrong row.
    /// </summary>
    internal static string OperatorField(string operatorId) => BucketField(Bucket(operatorId));

    /// <summary>An operator's bucket of the day index (<see cref="OperatorField"/>).</summary>
    internal static int Bucket(string operatorId) => (int)(Fnv(operatorId) % OperatorBuckets);

    private static string BucketField(int bucket) => "b:" + bucket.ToString("x4", CultureInfo.InvariantCulture);

    /// <summary>The field an operator had in the day index before buckets (still read, never written).</summary>
    internal static string LegacyOperatorField(string operatorId) => "o:" + operatorId;

    private static string PrincipalField(string principal) => "p:" + principal;

    private async Task WriteLoopAsync()
    {
        await MigrateAsync();
        var entries = new List<AccessFeature>(MaxBatch);
        var waiting = new List<TaskCompletionSource>();
        Task? signal = null;
        while (true)
        {
            var stopNow = stopping.IsCancellationRequested;
            if (!stopNow && flushes.IsEmpty)
            {
                // Let the batch fill: fewer, larger writes cost the store (and the machine) far less. Appends do
                // not signal (no lock on the call's path); a flush or the end does.
                // One waiter on the signal at a time, raced against a delay: a SemaphoreSlim wait with a timeout
                // throws and catches a TimeoutException inside every time it expires (50 a second here), which
                // cost about 5 % of the server's CPU under a read load.
                signal ??= wake.WaitAsync();
                if (await Task.WhenAny(signal, Task.Delay(Linger)) == signal)
                {
                    signal = null;
                }
            }

            while (flushes.TryDequeue(out var f))
            {
                waiting.Add(f);
            }

            // Every entry queued before the flushes was queued before this point: all of them go now.
            do
            {
                entries.Clear();
                while (entries.Count < MaxBatch && queue.TryDequeue(out var e))
                {
                    entries.Add(e);
                }

                Interlocked.Add(ref queued, -entries.Count);
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
                    catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
                    {
                        if (stopping.IsCancellationRequested)
                        {
                            break;
                        }

                        logger.LogWarning(e, "Writing {Count} access log entries failed (attempt {Attempt}); retrying", entries.Count, attempt + 1);
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 << Math.Min(attempt, 6))));
                    }
                    catch (Exception e)
                    {
                        // A defect in formatting one batch must not stop the writer (every later flush would wait forever).
                        logger.LogError(e, "Writing {Count} access log entries failed; they are dropped", entries.Count);
                        break;
                    }
                }
            }
            while (entries.Count == MaxBatch);

            waiting.ForEach(f => f.TrySetResult());
            waiting.Clear();
            if (stopNow)
            {
                return;
            }
        }
    }

    private async Task WriteAsync(List<AccessFeature> entries)
    {
        // Oldest first, and no batch spanning BatchSpan or more (entries that waited out a store outage).
        // Calls end in about the order they are queued: sorted only when they are not.
        if (!IsSorted(entries))
        {
            entries.Sort((x, y) => x.EndTicks.CompareTo(y.EndTicks));
        }

        var first = 0;
        for (var i = 1; i <= entries.Count; i++)
        {
            if (i == entries.Count || entries[i].EndTicks - entries[first].EndTicks >= BatchSpan.Ticks)
            {
                await WriteBatchAsync(entries, first, i - first);
                first = i;
            }
        }
    }

    private static bool IsSorted(List<AccessFeature> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            if (entries[i].EndTicks < entries[i - 1].EndTicks)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// One batch: its lines deflated under one key, the batch in the index of all batches scored by its newest
    /// entry, and its operators and principals in the day index under the batch's minute.
    /// </summary>
    private async Task WriteBatchAsync(List<AccessFeature> entries, int start, int count)
    {
        var now = time.GetUtcNow();
        var batchId = $"{now.ToUnixTimeMilliseconds():x12}{Random.Shared.Next():x8}";
        lines.Clear();
        for (var i = start; i < start + count; i++)
        {
            lines.Add(entries[i]);
        }

        var newest = new DateTimeOffset(entries[start + count - 1].EndTicks, TimeSpan.Zero);
        var score = newest.ToUnixTimeMilliseconds();
        var minuteStamp = score / (long)MinuteSpan.TotalMilliseconds;
        var fields = new List<string>(lines.Principals.Count + lines.OperatorBuckets.Count);
        fields.AddRange(lines.Principals.Select(PrincipalField).Where(f => !IndexedIn(f, minuteStamp)));
        fields.AddRange(lines.OperatorBuckets.Select(BucketField).Where(f => !IndexedIn(f, minuteStamp)));
        var blob = Pack(lines.Lines);

        var day = DayOf(score);
        var minute = MinuteOf(newest);

        // The batch first, then its indexes, in one round trip: an index entry read before its batch
        // exists is skipped, and a crash in between loses entries, never points at garbage.
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var batchDay = BatchDayKey(day);
        var writes = new List<Task>(8)
        {
            batch.StringSetAsync(BatchPrefix + batchId, (RedisValue)blob, retain),
            batch.SortedSetAddAsync(batchDay, batchId, score),
        };
        foreach (var shard in fields.GroupBy(Shard))
        {
            foreach (var chunk in shard.Chunk(IndexChunk))
            {
                writes.Add(batch.ScriptEvaluateAsync(AppendMinuteScript, [DayKey(day, shard.Key)], [minute, .. chunk.Select(f => (RedisValue)f)]));
            }
        }

        var maintain = new List<string>();
        if (!maintained.ContainsKey(batchDay))
        {
            // Listed once per day and process (the add is idempotent); kept, like the day index, a day longer than its batches.
            writes.Add(batch.SortedSetAddAsync(BatchDays, batchDay, day.ToUnixTimeMilliseconds()));
            writes.Add(batch.KeyExpireAsync(batchDay, IndexRetain));
            maintain.Add(batchDay);
        }

        if (!maintained.TryGetValue(BatchDays, out var trimmed) || now - trimmed >= MaintainEvery)
        {
            writes.Add(batch.SortedSetRemoveRangeByScoreAsync(BatchDays, double.NegativeInfinity, (now - IndexRetain).ToUnixTimeMilliseconds(), Exclude.Stop));
            maintain.Add(BatchDays);
        }

        foreach (var shard in fields.Select(Shard).Distinct())
        {
            var key = DayKey(day, shard);
            if (!maintained.ContainsKey(key))
            {
                // A day's index is written during that day (and by late entries): kept a day longer than its batches.
                writes.Add(batch.KeyExpireAsync(key, IndexRetain));
                maintain.Add(key);
            }
        }

        batch.Execute();
        await Task.WhenAll(writes);
        if (maintained.Count > 4 * DayShards)
        {
            // Bounded memory: forgetting only means setting an expiry again.
            maintained.Clear();
        }

        maintain.ForEach(k => maintained[k] = now);
        if (indexed.Count > 4 * OperatorBuckets)
        {
            // Bounded memory (a day's fields are at most the buckets and the principals): forgetting only means writing a field again.
            indexed.Clear();
        }

        fields.ForEach(f => indexed[f] = minuteStamp);
    }

    /// <summary>Whether this process already wrote the field's day index for that minute (a later minute, a later day: no).</summary>
    private bool IndexedIn(string field, long minuteStamp) => indexed.TryGetValue(field, out var last) && last == minuteStamp;

    /// <summary>The batch's text as UTF-8, deflated (fastest level), after the <see cref="Deflated"/> marker.</summary>
    private ReadOnlyMemory<byte> Pack(ReadOnlySpan<byte> text)
    {
        packed.SetLength(0);
        packed.WriteByte(Deflated);
        using (var deflate = new DeflateStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(text);
        }

        // The stream's own buffer, not a copy (a large-object array per batch): the writer awaits each batch's
        // commands before it packs the next.
        return new ReadOnlyMemory<byte>(packed.GetBuffer(), 0, (int)packed.Length);
    }

    /// <summary>The lines of a stored batch, deflated or (earlier builds) plain.</summary>
    private static string Unpack(byte[] blob)
    {
        if (blob.Length == 0 || blob[0] != Deflated)
        {
            return Encoding.UTF8.GetString(blob);
        }

        using var deflate = new DeflateStream(new MemoryStream(blob, 1, blob.Length - 1), CompressionMode.Decompress);
        using var reader = new StreamReader(deflate, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Once per store: a store of an earlier layout is moved to this one, step by step.</summary>
    private async Task MigrateAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var db = redis.GetDatabase();
                var layout = await db.StringGetAsync(LayoutKey);
                if (layout == Layout)
                {
                    return;
                }

                if (layout != "2")
                {
                    await MoveToDayIndexAsync(db);
                }

                await MoveBatchIndexToDaysAsync(db);
                await db.StringSetAsync(LayoutKey, Layout);
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning(e, "Moving the access log to its current layout failed (attempt {Attempt}); retrying", attempt + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 << Math.Min(attempt, 6))));
            }
        }
    }

    /// <summary>
    /// Layout 2 to 3: the one time index of all batches into a set per day (as new batches are written), then
    /// deleted. Idempotent (a crash part way moves the same members again).
    /// </summary>
    private async Task MoveBatchIndexToDaysAsync(IDatabase db)
    {
        long moved = 0;
        await foreach (var batches in LegacyIndexChunksAsync(db, 1024))
        {
            foreach (var day in batches.GroupBy(b => DayOf(b.Score)))
            {
                var key = BatchDayKey(day.Key);
                await db.SortedSetAddAsync(key, day.Select(b => new SortedSetEntry(b.Element, b.Score)).ToArray());
                await db.SortedSetAddAsync(BatchDays, key, day.Key.ToUnixTimeMilliseconds());
                await db.KeyExpireAsync(key, IndexRetain);
            }

            moved += batches.Length;
        }

        await db.KeyDeleteAsync(LegacyAllIndex);
        if (moved > 0)
        {
            logger.LogInformation("Access log: the index of {Count} batches moved into day sets", moved);
        }
    }

    /// <summary>The members of the one time index of layouts 1 and 2, oldest first, <paramref name="size"/> at a time.</summary>
    private static async IAsyncEnumerable<SortedSetEntry[]> LegacyIndexChunksAsync(IDatabase db, int size)
    {
        for (long rank = 0; ; rank += size)
        {
            var chunk = await db.SortedSetRangeByRankWithScoresAsync(LegacyAllIndex, rank, rank + size - 1);
            if (chunk.Length == 0)
            {
                yield break;
            }

            yield return chunk;
        }
    }

    /// <summary>
    /// Layout 1 to 2: the batches of earlier builds, indexed by a sorted set per operator and per principal, go
    /// into the day index (under their score's minute, as new batches are), and those sets are deleted.
    /// </summary>
    private async Task MoveToDayIndexAsync(IDatabase db)
    {
        long moved = 0;
        await foreach (var batches in LegacyIndexChunksAsync(db, 256))
        {
            var blobs = await db.StringGetAsync(batches.Select(b => (RedisKey)(BatchPrefix + b.Element.ToString())).ToArray());
            for (var i = 0; i < batches.Length; i++)
            {
                if (blobs[i].IsNullOrEmpty)
                {
                    continue;
                }

                var fields = new HashSet<string>(StringComparer.Ordinal);
                var earlierIndexes = new HashSet<RedisKey>();
                foreach (var line in Unpack(blobs[i]!).Split('\n'))
                {
                    if (AccessEntry.Decode(line) is { } entry)
                    {
                        if (entry.Principal is { } p)
                        {
                            fields.Add(PrincipalField(p));
                            earlierIndexes.Add("wj:access:by:" + p);
                        }

                        foreach (var op in entry.OperatorIds)
                        {
                            fields.Add(OperatorField(op));
                            earlierIndexes.Add("wj:access:op:" + op);
                        }
                    }
                }

                var score = DateTimeOffset.FromUnixTimeMilliseconds((long)batches[i].Score);
                var day = DayOf(batches[i].Score);
                foreach (var shard in fields.GroupBy(Shard))
                {
                    foreach (var chunk in shard.Chunk(IndexChunk))
                    {
                        await db.ScriptEvaluateAsync(AppendMinuteScript, [DayKey(day, shard.Key)], [MinuteOf(score), .. chunk.Select(f => (RedisValue)f)]);
                    }

                    await db.KeyExpireAsync(DayKey(day, shard.Key), IndexRetain);
                }
                await db.KeyDeleteAsync(earlierIndexes.ToArray());
                moved++;
            }
        }

        if (moved > 0)
        {
            logger.LogInformation("Access log: {Count} batches of the earlier layout moved to the day index", moved);
        }
    }

    /// <summary>One query's walk over batches, newest first, collecting matches until one past the limit.</summary>
    private sealed class Walk(IDatabase db, AccessQuery query, IndexPosition? afterBatch, int afterLine, int limit)
    {
        private readonly HashSet<string> seen = new(StringComparer.Ordinal);

        public List<(AccessEntry Entry, IndexPosition Position)> Found { get; } = [];

        public bool Full => Found.Count > limit;

        /// <summary>The batches scored in [<paramref name="min"/>, <paramref name="max"/>], newest first, day by day.</summary>
        public async Task ScanAsync(double min, double max)
        {
            if (max < min)
            {
                return;
            }

            if (!double.IsInfinity(min) && !double.IsInfinity(max) && DayOf(min) == DayOf(max))
            {
                // Within one day (a minute of the day index): its set, without listing the days.
                await ScanDayAsync(BatchDayKey(DayOf(max)), min, max);
                return;
            }

            var from = double.IsNegativeInfinity(min) ? min : DayOf(min).ToUnixTimeMilliseconds();
            var days = await db.SortedSetRangeByScoreAsync(BatchDays, from, max, order: Order.Descending);
            for (var i = 0; i < days.Length && !Full; i++)
            {
                await ScanDayAsync(days[i].ToString(), min, max);
            }
        }

        /// <summary>The batches of one day's set scored in [<paramref name="min"/>, <paramref name="max"/>], newest first.</summary>
        private async Task ScanDayAsync(string dayKey, double min, double max)
        {
            const int Chunk = 64;
            long skip = 0;
            while (!Full)
            {
                // The range is fixed for the whole walk: a batch written meanwhile scores above it, or is newer than
                // the position and shifts the offsets by one, which `seen` absorbs.
                var batches = await db.SortedSetRangeByScoreWithScoresAsync(dayKey, min, max, order: Order.Descending, skip: skip, take: Chunk);
                skip += batches.Length;
                var candidates = batches
                    .Select(e => new IndexPosition(e.Score, e.Element.ToString()))
                    .Where(pos => afterBatch is not { } ab || pos.IsAfter(ab) || pos == ab)
                    .Where(pos => seen.Add(pos.Member))
                    .ToArray();
                var blobs = candidates.Length == 0 ? [] : await db.StringGetAsync(candidates.Select(c => (RedisKey)(BatchPrefix + c.Member)).ToArray());
                for (var i = 0; i < candidates.Length && !Full; i++)
                {
                    if (blobs[i].IsNullOrEmpty)
                    {
                        // Expired (retention) or never written: skipped, not fatal.
                        continue;
                    }

                    var lines = Unpack(blobs[i]!).Split('\n');
                    var last = candidates[i] == afterBatch ? Math.Min(afterLine, lines.Length) - 1 : lines.Length - 1;
                    for (var line = last; line >= 0 && !Full; line--)
                    {
                        if (AccessEntry.Decode(lines[line]) is { } entry && query.Matches(entry))
                        {
                            Found.Add((entry, new IndexPosition(candidates[i].Score, $"{candidates[i].Member}:{line}")));
                        }
                    }
                }

                if (batches.Length < Chunk)
                {
                    break;
                }
            }
        }
    }
}
