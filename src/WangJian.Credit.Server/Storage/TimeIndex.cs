using System.Globalization;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// A place in a time index (a sorted set scored by Unix milliseconds): its score and its member.
/// Newest first means score descending, then member descending (the order of ZREVRANGE).
/// </summary>
public readonly record struct IndexPosition(double Score, string Member)
{
    /// <summary>True when this position comes after <paramref name="other"/> in newest-first order.</summary>
    public bool IsAfter(IndexPosition other) =>
        Score < other.Score || (Score == other.Score && string.CompareOrdinal(Member, other.Member) < 0);

    /// <summary>The payload of a page token (the RPC wraps it with its kind).</summary>
    public string Encode() => $"{Score.ToString("R", CultureInfo.InvariantCulture)}:{Member}";

    /// <summary>Parses <see cref="Encode"/>'s text; null when it is not one.</summary>
    public static IndexPosition? Decode(string? payload)
    {
        var parts = payload?.Split(':', 2);
        return parts is [var s, var member]
            && member.Length > 0
            && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var score)
            && double.IsFinite(score)
                ? new IndexPosition(score, member)
                : null;
    }
}

/// <summary>
/// Keyed pages, newest first, over a time index whose members point at records stored elsewhere (the check
/// log, the access log, approvals). Pages are keyed by position, not offset, so records added while a
/// client pages (all newer than any position) never shift or repeat a page.
/// </summary>
public static class TimeIndex
{
    /// <summary>
    /// At most <paramref name="limit"/> records of <paramref name="key"/> with a score in
    /// [<paramref name="min"/>, <paramref name="max"/>], from just after <paramref name="after"/>, that
    /// <paramref name="load"/> finds and <paramref name="keep"/> accepts; and the position to continue from,
    /// or null at the end. <paramref name="load"/> answers null for a member whose record is gone
    /// (expired, or never written): it is skipped, not fatal.
    /// </summary>
    public static async Task<(IReadOnlyList<T> Items, IndexPosition? Next)> PageAsync<T>(
        IDatabase db,
        RedisKey key,
        IndexPosition? after,
        int limit,
        Func<IReadOnlyList<IndexPosition>, Task<T?[]>> load,
        Func<T, bool> keep,
        double min = double.NegativeInfinity,
        double max = double.PositiveInfinity)
        where T : class
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);

        // Entries sharing the position's score (same millisecond) come back with it and are skipped by
        // member; the batch grows past the page only by those and by filtered-out records. The upper bound
        // is pinned after the first batch so that records added meanwhile cannot shift the offsets; one added
        // in the pinned millisecond can only push entries of the previous batch into the next, and `previous`
        // drops those.
        var found = new List<(T Item, IndexPosition Position)>(Math.Min(limit + 1, 1024));
        var previous = new HashSet<string>(StringComparer.Ordinal);
        var stop = Math.Min(after?.Score ?? double.PositiveInfinity, max);
        var pinned = false;
        var skip = 0L;
        var batch = Math.Min(limit + 1, 1000) + 16;
        while (found.Count <= limit)
        {
            var entries = await db.SortedSetRangeByScoreWithScoresAsync(key, min, stop, order: Order.Descending, skip: skip, take: batch);
            if (entries.Length == 0)
            {
                break;
            }

            if (!pinned)
            {
                stop = entries[0].Score;
                pinned = true;
            }

            skip += entries.Length;
            var positions = entries.Select(e => new IndexPosition(e.Score, e.Element.ToString())).ToArray();
            var candidates = positions.Where(p => (after is null || p.IsAfter(after.Value)) && !previous.Contains(p.Member)).ToArray();
            previous = positions.Select(p => p.Member).ToHashSet(StringComparer.Ordinal);
            var records = candidates.Length == 0 ? [] : await load(candidates);
            for (var i = 0; i < candidates.Length && found.Count <= limit; i++)
            {
                if (records[i] is { } record && keep(record))
                {
                    found.Add((record, candidates[i]));
                }
            }

            if (entries.Length < batch)
            {
                break;
            }
        }

        var page = found.Take(limit).ToArray();
        return (page.Select(f => f.Item).ToArray(), found.Count > limit ? page[^1].Position : null);
    }
}
