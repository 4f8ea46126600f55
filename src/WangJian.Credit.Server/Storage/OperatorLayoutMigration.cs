using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Moves operator records from the layout of earlier versions — the whole record as one Orleans grain
/// state, <c>{ServiceId}/state/operator/{USCC}</c> (hash: <c>etag</c>, <c>data</c> JSON) — to the per-entry
/// layout of <see cref="RedisOperatorStore"/>, once, at start, before the silo serves. Each operator moves in
/// one Lua script (new keys written and the old one deleted together), so a crash mid-way leaves every
/// operator in exactly one layout and the next start carries on. <c>wj:layout</c> records that it is done.
/// Servers of an earlier version must not run against the store at the same time.
/// </summary>
public static class OperatorLayoutMigration
{
    public const string MarkerKey = "wj:layout";
    public const string Current = "operators:entries";

    // KEYS: legacy key, head, history, cases. ARGV: revision, head JSON, entry count n, n entries, cases.
    private const string MoveScript = """
        if redis.call('EXISTS', KEYS[2]) == 1 then
          redis.call('DEL', KEYS[1])
          return 0
        end
        local n = tonumber(ARGV[3])
        for i = 1, n do
          redis.call('HSET', KEYS[3], tostring(i), ARGV[3 + i])
        end
        for i = 4 + n, #ARGV do
          redis.call('HSET', KEYS[4], tostring(i - 3 - n), ARGV[i])
        end
        redis.call('HSET', KEYS[2], 'rev', ARGV[1], 'head', ARGV[2])
        redis.call('DEL', KEYS[1])
        return 1
        """;

    /// <summary>Migrates every operator still in the old layout; returns how many moved.</summary>
    public static async Task<int> RunAsync(IConnectionMultiplexer redis, string serviceId, ILogger log)
    {
        var db = redis.GetDatabase();
        if (await db.StringGetAsync(MarkerKey) == Current)
        {
            return 0;
        }

        var prefix = $"{serviceId}/state/operator/";
        var moved = 0;
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(db.Database, prefix + "*", pageSize: 1000))
            {
                var data = await db.HashGetAsync(key, "data");
                if (data.IsNull)
                {
                    continue;
                }

                // The key is the grain id and the state name: {ServiceId}/state/operator/{USCC}/operator.
                var operatorId = key.ToString()[prefix.Length..].Split('/')[0];
                if (await MoveAsync(db, key, operatorId, JsonSerializer.Deserialize<LegacyRecord>(data.ToString(), DomainSerialization.Options)!))
                {
                    moved++;
                }
            }
        }

        await db.StringSetAsync(MarkerKey, Current);
        if (moved > 0)
        {
            log.LogInformation("Moved {Count} operator record(s) to the per-entry history layout", moved);
        }

        return moved;
    }

    private static async Task<bool> MoveAsync(IDatabase db, RedisKey legacy, string operatorId, LegacyRecord old)
    {
        var head = new OperatorState
        {
            NextWakeUp = old.NextWakeUp,
            Last = old.Last,
            ChangeCount = old.ChangeCount,
            Outbox = old.Outbox ?? [],
            NoticeOutbox = old.NoticeOutbox ?? [],
            Revision = old.Revision,
            ReminderAt = old.ReminderAt,
        };

        // Each violation keeps the status changes it had: one entry each, in recording order, then the
        // listing repairs (their order among the violations was not recorded and does not matter).
        var entries = (old.Violations ?? []).Select(v => new HistoryEntry(Recorded: v))
            .Concat((old.ListingRepairs ?? []).Select(r => new HistoryEntry(ListingRepair: r)))
            .ToArray();
        var keys = RedisOperatorStore.Keys(operatorId);
        var args = new List<RedisValue> { head.Revision, RedisOperatorStore.Json(head), entries.Length };
        args.AddRange(entries.Select(e => (RedisValue)RedisOperatorStore.Json(e)));
        args.AddRange((old.Cases ?? []).Select(c => (RedisValue)RedisOperatorStore.Json(c)));
        var result = await db.ScriptEvaluateAsync(MoveScript, [legacy, keys.Head, keys.History, keys.Cases], [.. args]);
        return (long)result! == 1;
    }

    /// <summary>The grain state of earlier versions, as its JSON was written.</summary>
    private sealed record LegacyRecord(
        List<Violation>? Violations,
        List<ListingRepair>? ListingRepairs,
        DateTimeOffset? NextWakeUp,
        CreditSummary? Last,
        long ChangeCount,
        List<CreditChange>? Outbox,
        List<PunishmentCase>? Cases,
        List<Notice>? NoticeOutbox,
        long Revision,
        DateTimeOffset? ReminderAt);
}
