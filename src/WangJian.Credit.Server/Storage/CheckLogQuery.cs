using StackExchange.Redis;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>Pages the audit log of checks newest first, batch by batch (<see cref="CheckLogKeys"/>).</summary>
/// <remarks>
/// Batches overlap in time (two servers write at once; a check's time is taken before it is queued), so a page
/// is a merge: batches are read newest score first, and a check is final once every batch that could hold a newer
/// one is read, that is once its time is above the score of every batch not yet read.
/// </remarks>
public sealed class CheckLogQuery(IConnectionMultiplexer redis) : ICheckLogQuery
{
    /// <summary>Bucket keys read from a family's list at a time.</summary>
    private const int BucketChunk = 32;

    /// <summary>Batches read from a bucket at a time, at first; doubled while a page is short, up to <see cref="MaxBatchChunk"/>.</summary>
    private const int FirstBatchChunk = 2;

    private const int MaxBatchChunk = 64;

    public async Task<(IReadOnlyList<StoredCheck> Checks, IndexPosition? Next)> QueryAsync(string? operatorId, string? agency, IndexPosition? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var db = redis.GetDatabase();

        // With both filters, walk the operator's batches (an operator is checked far less often than an agency checks) and filter on the agency.
        var family = operatorId is not null ? CheckLogKeys.Operator(operatorId) : agency is not null ? CheckLogKeys.Agency(agency) : CheckLogKeys.All;
        bool Keep(StoredCheck c) =>
            (operatorId is null || string.Equals(c.OperatorId, operatorId, StringComparison.Ordinal))
            && (agency is null || string.Equals(c.Agency, agency, StringComparison.Ordinal))
            && (after is not { } a || Position(c).IsAfter(a));
        var needle = operatorId ?? agency;
        Func<string, bool>? mayMatch = needle is null ? null : line => line.Contains(needle, StringComparison.Ordinal);

        // A check older than the position can be in a batch scored up to BatchSpan above it.
        var max = after is { } from ? from.Score + CheckLogKeys.BatchSpan.TotalMilliseconds : double.PositiveInfinity;

        // One more than the page: whether there is a next page is then known.
        var found = new List<StoredCheck>(Math.Min(limit + 1, 1024));
        var pending = new PriorityQueue<StoredCheck, IndexPosition>(NewestFirst.Instance);
        var chunk = FirstBatchChunk;
        await foreach (var bucket in BucketsNewestFirstAsync(db, family, max))
        {
            // Keyed by score, not by offset: batches written meanwhile (newest scores) must not shift the reads
            // and bring a batch back. Members at the lowest score read so far are asked for again and passed over.
            var upper = max;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var seenAt = new Dictionary<double, int>();
            var atUpper = 0;
            while (found.Count <= limit)
            {
                var take = chunk + atUpper;
                var members = await db.SortedSetRangeByScoreWithScoresAsync(bucket, double.NegativeInfinity, upper, Exclude.None, Order.Descending, 0, take);
                var fresh = members.Where(m => seen.Add(m.Element.ToString())).ToArray();
                foreach (var m in fresh)
                {
                    seenAt[m.Score] = seenAt.GetValueOrDefault(m.Score) + 1;
                }

                if (fresh.Length > 0)
                {
                    foreach (var check in await LoadAsync(db, fresh.Select(m => m.Element.ToString()), mayMatch))
                    {
                        // A batch across midnight (a month's end) is in two buckets: each lists its own checks.
                        if (Keep(check) && family.Bucket(check.CheckedAt) == bucket)
                        {
                            pending.Enqueue(check, Position(check));
                        }
                    }

                    // Every batch not read yet scores at most the last one read: a check above that is final.
                    Release(pending, found, limit, members[^1].Score);
                }

                if (members.Length < take)
                {
                    break;
                }

                // Below the lowest score read only unread batches remain; at it, the ones read are asked for again.
                upper = members[^1].Score;
                atUpper = seenAt[upper];
                chunk = Math.Min(chunk * 2, MaxBatchChunk);
            }

            if (found.Count > limit)
            {
                break;
            }
        }

        Release(pending, found, limit, double.NegativeInfinity);
        var page = found.Take(limit).ToArray();
        return (page, found.Count > limit ? Position(page[^1]) : null);
    }

    /// <summary>Moves the checks newer than <paramref name="above"/> ms from <paramref name="pending"/> to <paramref name="found"/>, newest first, up to one more than the page.</summary>
    private static void Release(PriorityQueue<StoredCheck, IndexPosition> pending, List<StoredCheck> found, int limit, double above)
    {
        while (found.Count <= limit && pending.TryPeek(out var check, out var at) && at.Score > above)
        {
            found.Add(check);
            pending.Dequeue();
        }
    }

    private static IndexPosition Position(StoredCheck c) => new(c.CheckedAt.ToUnixTimeMilliseconds(), c.CheckId);

    /// <summary>The checks of some batches (by index member); a batch whose record is missing is skipped, not fatal.</summary>
    internal static async Task<IEnumerable<StoredCheck>> LoadAsync(IDatabase db, IEnumerable<string> members, Func<string, bool>? mayMatch = null)
    {
        var records = await db.StringGetAsync(members.Select(m => (RedisKey)CheckLogKeys.Record(CheckLogKeys.ParseMember(m).Batch)).ToArray());
        return records.Where(r => !r.IsNullOrEmpty).SelectMany(r => CheckLogWriter.ParseLines(r.ToString(), mayMatch));
    }

    /// <summary>The family's buckets that can hold a batch scored at or below <paramref name="max"/>, newest first.</summary>
    private static async IAsyncEnumerable<RedisKey> BucketsNewestFirstAsync(IDatabase db, CheckLogKeys.Family family, double max)
    {
        for (long skip = 0; ; skip += BucketChunk)
        {
            var buckets = await db.SortedSetRangeByScoreAsync(family.Buckets, double.NegativeInfinity, max, Exclude.None, Order.Descending, skip, BucketChunk);
            foreach (var bucket in buckets)
            {
                yield return bucket.ToString();
            }

            if (buckets.Length < BucketChunk)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// About how many checks of all agencies were made in [<paramref name="from"/>, <paramref name="to"/>] (ms): the
    /// checks of the batches that can hold one (a progress total: a batch at an end of the range may hold some
    /// outside it).
    /// </summary>
    public static async Task<long> EstimateCountAsync(IDatabase db, long from, long to)
    {
        // Index members only (tens of bytes a batch), a chunk at a time: a small part of what the replay then reads.
        const int Chunk = 10_000;
        long total = 0;
        foreach (var bucket in await BucketsAsync(db, from, to))
        {
            for (long skip = 0; ; skip += Chunk)
            {
                var members = await db.SortedSetRangeByScoreAsync(bucket, from, to + CheckLogKeys.BatchSpan.TotalMilliseconds, Exclude.None, Order.Ascending, skip, Chunk);
                total += members.Sum(m => (long)CheckLogKeys.ParseMember(m.ToString()).Count);
                if (members.Length < Chunk)
                {
                    break;
                }
            }
        }

        return total;
    }

    /// <summary>
    /// The checks of all agencies made in [<paramref name="from"/>, <paramref name="to"/>] (ms), batch by batch in the
    /// order they were written (oldest first but for the overlap of batches), about <paramref name="page"/> batches at a time.
    /// </summary>
    public static async IAsyncEnumerable<StoredCheck[]> ChecksOldestFirstAsync(IDatabase db, long from, long to, int page)
    {
        foreach (var bucket in await BucketsAsync(db, from, to))
        {
            for (long skip = 0; ; skip += page)
            {
                var members = await db.SortedSetRangeByScoreAsync(bucket, from, to + CheckLogKeys.BatchSpan.TotalMilliseconds, Exclude.None, Order.Ascending, skip, page);
                var checks = (await LoadAsync(db, members.Select(m => m.ToString())))
                    .Where(c => c.CheckedAt.ToUnixTimeMilliseconds() >= from && c.CheckedAt.ToUnixTimeMilliseconds() <= to && CheckLogKeys.All.Bucket(c.CheckedAt) == bucket)
                    .ToArray();
                if (checks.Length > 0)
                {
                    Array.Sort(checks, CheckLogWriter.Oldest);
                    yield return checks;
                }

                if (members.Length < page)
                {
                    break;
                }
            }
        }
    }

    /// <summary>The day buckets of all checks that can hold a batch with a check in [from, to], oldest first.</summary>
    private static async Task<RedisKey[]> BucketsAsync(IDatabase db, long from, long to)
    {
        var first = CheckLogKeys.All.Start(DateTimeOffset.FromUnixTimeMilliseconds(from));
        var buckets = await db.SortedSetRangeByScoreAsync(CheckLogKeys.All.Buckets, first, to + CheckLogKeys.BatchSpan.TotalMilliseconds);
        return buckets.Select(b => (RedisKey)b.ToString()).ToArray();
    }

    /// <summary>Newest first as a priority (the queue dequeues its smallest).</summary>
    private sealed class NewestFirst : IComparer<IndexPosition>
    {
        public static NewestFirst Instance { get; } = new();

        public int Compare(IndexPosition x, IndexPosition y) => x.IsAfter(y) ? 1 : y.IsAfter(x) ? -1 : 0;
    }
}
