using StackExchange.Redis;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Each platform principal's watchlist: one sorted set per platform (<c>wj:sellers:&lt;platform&gt;</c>), all
/// scores 0 so members sort by USCC. Membership of a seller is one ZSCORE — what the change views test per
/// change — and pages are keyed by the last USCC (ZRANGEBYLEX), so they stay stable while sellers come and go.
/// </summary>
public sealed class SellerLists(IConnectionMultiplexer redis)
{
    public const long MaxSellers = 10_000_000;

    public static string Key(string platform) => $"wj:sellers:{platform}";

    // Refuses a batch that would pass the cap, atomically with the add.
    private const string AddScript = """
        local current = redis.call('ZCARD', KEYS[1])
        if current + #ARGV - 1 > tonumber(ARGV[1]) then
          local fresh = 0
          for i = 2, #ARGV do
            if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then fresh = fresh + 1 end
          end
          if current + fresh > tonumber(ARGV[1]) then return {-1, current} end
        end
        local added = 0
        for i = 2, #ARGV do
          added = added + redis.call('ZADD', KEYS[1], 0, ARGV[i])
        end
        return {added, current + added}
        """;

    /// <summary>Adds; (added, total), or added = -1 when the list would pass <see cref="MaxSellers"/>.</summary>
    public async Task<(long Added, long Total)> AddAsync(string platform, IReadOnlyList<string> sellers)
    {
        var args = new RedisValue[sellers.Count + 1];
        args[0] = MaxSellers;
        for (var i = 0; i < sellers.Count; i++)
        {
            args[i + 1] = sellers[i];
        }

        var r = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AddScript, [Key(platform)], args))!;
        return ((long)r[0], (long)r[1]);
    }

    public async Task<(long Removed, long Total)> RemoveAsync(string platform, IReadOnlyList<string> sellers)
    {
        var db = redis.GetDatabase();
        var removed = await db.SortedSetRemoveAsync(Key(platform), sellers.Select(s => (RedisValue)s).ToArray());
        return (removed, await db.SortedSetLengthAsync(Key(platform)));
    }

    public Task<long> CountAsync(string platform) => redis.GetDatabase().SortedSetLengthAsync(Key(platform));

    /// <summary>Up to <paramref name="size"/> sellers after <paramref name="after"/> (exclusive), in USCC order.</summary>
    public async Task<IReadOnlyList<string>> PageAsync(string platform, string? after, int size)
    {
        var page = await redis.GetDatabase().SortedSetRangeByValueAsync(
            Key(platform), after ?? default(RedisValue), default, after is null ? Exclude.None : Exclude.Start, Order.Ascending, 0, size);
        return page.Select(v => v.ToString()).ToList();
    }
}
