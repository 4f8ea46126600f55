using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// The global change feed and the blacklist index, in the store. One Lua script per change assigns the
/// next sequence number, stores the change under it, and updates the blacklist, atomically and at
/// most once per (operator, change number). Because numbers are assigned and stored in one step, a
/// reader that sees number n has already seen every number below it: a cursor is just a number.
/// The change then goes into the filtered views (<see cref="ChangeViews"/>: sellers-only watches, webhook
/// queues), idempotently too, before watchers are woken; a crash in between is repaired by the republish.
/// </summary>
public sealed class RedisChangeLog(IConnectionMultiplexer redis, ChangeViews views) : ICreditChangeLog, IChangeFeed, IBlacklistIndex
{
    public const string NotifyChannel = "wj:changes:notify";
    private const string Ids = "wj:changes:ids";
    private const string Seq = "wj:changes:seq";
    private const string Changes = "wj:changes";
    private const string Blacklist = "wj:blacklist";
    private const string BlacklistInfo = "wj:blacklist:info";

    private const string PublishScript = """
        local seen = redis.call('HGET', KEYS[1], ARGV[1])
        if seen then return tonumber(seen) end
        local seq = redis.call('INCR', KEYS[2])
        redis.call('HSET', KEYS[3], tostring(seq), ARGV[2])
        redis.call('HSET', KEYS[1], ARGV[1], seq)
        if ARGV[4] == '1' then
          redis.call('ZADD', KEYS[4], ARGV[5], ARGV[3])
          redis.call('HSET', KEYS[5], ARGV[3], ARGV[6])
        else
          redis.call('ZREM', KEYS[4], ARGV[3])
          redis.call('HDEL', KEYS[5], ARGV[3])
        end
        return seq
        """;

    public async Task PublishAsync(CreditChange change)
    {
        var db = redis.GetDatabase();
        var current = change.Current;
        var info = current.Blacklisted
            ? JsonSerializer.Serialize(new BlacklistItem(change.OperatorId, current.ListedAt!.Value, current.ExpiresAt, current.ListingRules), DomainSerialization.Options)
            : string.Empty;
        var result = await db.ScriptEvaluateAsync(
            PublishScript,
            [Ids, Seq, Changes, Blacklist, BlacklistInfo],
            [
                $"{change.OperatorId}:{change.Number.ToString(CultureInfo.InvariantCulture)}",
                JsonSerializer.Serialize(change, DomainSerialization.Options),
                change.OperatorId,
                current.Blacklisted ? "1" : "0",
                current.ListedAt?.ToUnixTimeMilliseconds() ?? 0,
                info,
            ]);
        await views.AppendAsync((long)result, change);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(NotifyChannel), (long)result);
    }

    /// <summary>The changes of the given global numbers, in the order given (a number not stored is skipped).</summary>
    public async Task<IReadOnlyList<SequencedChange>> GetAsync(IReadOnlyList<long> sequences)
    {
        var values = await redis.GetDatabase().HashGetAsync(Changes, sequences.Select(s => (RedisValue)s.ToString(CultureInfo.InvariantCulture)).ToArray());
        var list = new List<SequencedChange>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (!values[i].IsNull)
            {
                list.Add(new SequencedChange(sequences[i], JsonSerializer.Deserialize<CreditChange>(values[i].ToString(), DomainSerialization.Options)!));
            }
        }

        return list;
    }

    /// <summary>The highest sequence number assigned so far (0 when none).</summary>
    public Task<long> HeadAsync() => NumberedLog.HeadAsync(redis.GetDatabase(), Seq);

    /// <summary>Up to <paramref name="max"/> changes after <paramref name="after"/>, in order (<see cref="NumberedLog.ReadAsync"/>).</summary>
    public async Task<IReadOnlyList<SequencedChange>> ReadAsync(long after, int max) =>
        (await NumberedLog.ReadAsync(redis.GetDatabase(), Seq, Changes, after, max))
            .ConvertAll(e => new SequencedChange(e.Number, JsonSerializer.Deserialize<CreditChange>(e.Value.ToString(), DomainSerialization.Options)!));

    /// <summary>
    /// A page of the blacklist ordered by (listed_at, operator), starting after the given key. Keyset
    /// paging: entries that appear or disappear elsewhere never shift this page.
    /// </summary>
    public async Task<(IReadOnlyList<BlacklistItem> Items, (long Score, string Member)? Next)> PageBlacklistAsync((long Score, string Member)? after, int size)
    {
        var db = redis.GetDatabase();
        var items = new List<(long Score, string Member)>();
        var start = after?.Score ?? long.MinValue;
        var skip = 0L;
        while (items.Count < size)
        {
            // Entries with the start score that sort at or before the key are skipped; ties are rare,
            // so reading a little more than a page is enough almost always.
            var batch = await db.SortedSetRangeByScoreWithScoresAsync(Blacklist, start, double.PositiveInfinity, Exclude.None, Order.Ascending, skip, size + 16);
            if (batch.Length == 0)
            {
                break;
            }

            skip += batch.Length;
            foreach (var e in batch)
            {
                var entry = ((long)e.Score, e.Element.ToString());
                if (after is { } a && (entry.Item1 < a.Score || (entry.Item1 == a.Score && string.CompareOrdinal(entry.Item2, a.Member) <= 0)))
                {
                    continue;
                }

                items.Add(entry);
                if (items.Count == size)
                {
                    break;
                }
            }

            if (batch.Length < size + 16)
            {
                break;
            }
        }

        if (items.Count == 0)
        {
            return ([], null);
        }

        var infos = await db.HashGetAsync(BlacklistInfo, items.Select(i => (RedisValue)i.Member).ToArray());
        var result = new List<BlacklistItem>();
        for (var i = 0; i < items.Count; i++)
        {
            if (!infos[i].IsNull)
            {
                result.Add(JsonSerializer.Deserialize<BlacklistItem>(infos[i].ToString(), DomainSerialization.Options)!);
            }
        }

        return (result, items.Count == size ? items[^1] : null);
    }
}
