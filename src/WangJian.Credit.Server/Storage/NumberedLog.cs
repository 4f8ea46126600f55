using System.Globalization;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// A log numbered 1, 2, … in the store: a counter (the head) and a hash from number to entry, both written by
/// one script per entry. The change feed and each of its views are such logs.
/// </summary>
internal static class NumberedLog
{
    /// <summary>The highest number assigned so far (0 when none).</summary>
    public static async Task<long> HeadAsync(IDatabase db, RedisKey head) => (long?)await db.StringGetAsync(head) ?? 0;

    /// <summary>
    /// Up to <paramref name="max"/> entries after <paramref name="after"/>, in order, up to the head. A number at
    /// or below the head with nothing stored is a hole that a store of an earlier build could keep after a crash
    /// in the middle of a script (the number assigned, the entry lost): it is passed over, not waited for.
    /// </summary>
    public static async Task<List<(long Number, RedisValue Value)>> ReadAsync(IDatabase db, RedisKey head, RedisKey log, long after, int max)
    {
        var fields = Enumerable.Range(1, max).Select(i => (RedisValue)(after + i).ToString(CultureInfo.InvariantCulture)).ToArray();
        // Both commands go out on one connection in this order: every number up to the head read first is complete.
        var headRead = HeadAsync(db, head);
        var valuesRead = db.HashGetAsync(log, fields);
        var last = await headRead;
        var values = await valuesRead;
        var list = new List<(long, RedisValue)>();
        for (var i = 0; i < values.Length && after + i + 1 <= last; i++)
        {
            if (!values[i].IsNull)
            {
                list.Add((after + i + 1, values[i]));
            }
        }

        return list;
    }
}
