using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>Pages the audit log of checks newest first, bucket by bucket (<see cref="CheckLogKeys"/>).</summary>
public sealed class CheckLogQuery(IConnectionMultiplexer redis) : ICheckLogQuery
{
    /// <summary>Bucket keys read from a family's list at a time.</summary>
    private const int BucketChunk = 32;

    public async Task<(IReadOnlyList<StoredCheck> Checks, IndexPosition? Next)> QueryAsync(string? operatorId, string? agency, IndexPosition? after, int limit)
    {
        var db = redis.GetDatabase();

        // With both filters, walk the operator's buckets (an operator is checked far less often than an agency checks) and filter on the agency.
        var family = operatorId is not null ? CheckLogKeys.Operator(operatorId) : agency is not null ? CheckLogKeys.Agency(agency) : CheckLogKeys.All;
        Func<StoredCheck, bool> keep = operatorId is not null && agency is not null ? c => string.Equals(c.Agency, agency, StringComparison.Ordinal) : _ => true;

        // One more than the page, across as many buckets as it takes: whether there is a next page is then known.
        var found = new List<StoredCheck>(Math.Min(limit + 1, 1024));
        await foreach (var bucket in BucketsNewestFirstAsync(db, family, after))
        {
            var (items, _) = await TimeIndex.PageAsync(db, bucket, after, limit + 1 - found.Count, LoadAsync, keep);
            found.AddRange(items);
            if (found.Count > limit)
            {
                break;
            }
        }

        var page = found.Take(limit).ToArray();
        return (page, found.Count > limit ? new IndexPosition(page[^1].CheckedAt.ToUnixTimeMilliseconds(), page[^1].CheckId) : null);

        async Task<StoredCheck?[]> LoadAsync(IReadOnlyList<IndexPosition> positions)
        {
            // The writer stores record and indexes in one MULTI; a missing record is skipped, not fatal.
            var records = await db.StringGetAsync(positions.Select(p => (RedisKey)(CheckLogKeys.RecordPrefix + p.Member)).ToArray());
            return records.Select(r => r.IsNullOrEmpty ? null : JsonSerializer.Deserialize<StoredCheck>(r.ToString(), DomainSerialization.Options)).ToArray();
        }
    }

    /// <summary>The family's buckets that can hold a check at or before <paramref name="after"/>, newest first.</summary>
    private static async IAsyncEnumerable<RedisKey> BucketsNewestFirstAsync(IDatabase db, CheckLogKeys.Family family, IndexPosition? after)
    {
        var max = after?.Score ?? double.PositiveInfinity;
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

    /// <summary>How many checks of all agencies were made in [<paramref name="from"/>, <paramref name="to"/>] (ms).</summary>
    public static async Task<long> CountAsync(IDatabase db, long from, long to)
    {
        long total = 0;
        foreach (var bucket in await BucketsAsync(db, from, to))
        {
            total += await db.SortedSetLengthAsync(bucket, from, to);
        }

        return total;
    }

    /// <summary>The ids of the checks of all agencies made in [<paramref name="from"/>, <paramref name="to"/>] (ms), oldest first, a page at a time.</summary>
    public static async IAsyncEnumerable<RedisValue[]> IdsOldestFirstAsync(IDatabase db, long from, long to, int page)
    {
        foreach (var bucket in await BucketsAsync(db, from, to))
        {
            for (long skip = 0; ; skip += page)
            {
                var ids = await db.SortedSetRangeByScoreAsync(bucket, from, to, Exclude.None, Order.Ascending, skip, page);
                if (ids.Length > 0)
                {
                    yield return ids;
                }

                if (ids.Length < page)
                {
                    break;
                }
            }
        }
    }

    /// <summary>The day buckets of all checks overlapping [from, to], oldest first.</summary>
    private static async Task<RedisKey[]> BucketsAsync(IDatabase db, long from, long to)
    {
        var first = CheckLogKeys.All.Start(DateTimeOffset.FromUnixTimeMilliseconds(from));
        var buckets = await db.SortedSetRangeByScoreAsync(CheckLogKeys.All.Buckets, first, to);
        return buckets.Select(b => (RedisKey)b.ToString()).ToArray();
    }
}
