using System.Globalization;
using System.Text.Json;
using Orleans.Storage;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Per operator, three keys sharing the hash tag <c>{USCC}</c>: <c>wj:op:{USCC}</c> (hash: <c>rev</c>, the
/// record's revision, and <c>head</c>, the <see cref="OperatorState"/> JSON), <c>wj:op:{USCC}:history</c>
/// (hash: entry position 1, 2, … → <see cref="HistoryEntry"/> JSON, append-only) and <c>wj:op:{USCC}:cases</c>
/// (hash: case position 1, 2, … → <see cref="PunishmentCase"/> JSON). A write is one Lua script: it checks the
/// revision, appends the new entries, sets the changed cases and the head — all or nothing, and as small as
/// the change. The first write of an operator also adds it to the index of operators with a record
/// (<see cref="OperatorIndex"/>), in the same script.
/// </summary>
public sealed class RedisOperatorStore(IConnectionMultiplexer redis) : IOperatorStore
{
    // ARGV: expected revision, new revision, head JSON, entry count n, then n (position, entry) pairs, then
    // (position, case) pairs. An entry position already taken means the history would be rewritten: refused
    // before anything is written.
    private const string WriteScript = """
        local rev = redis.call('HGET', KEYS[1], 'rev')
        if (rev or '0') ~= ARGV[1] then return 0 end
        local n = tonumber(ARGV[4])
        for i = 5, 4 + 2 * n, 2 do
          if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 1 then return -1 end
        end
        for i = 5, 4 + 2 * n, 2 do
          redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
        end
        for i = 5 + 2 * n, #ARGV, 2 do
          redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
        end
        redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'head', ARGV[3])
        if (rev or '0') == '0' then
          redis.call('ZADD', KEYS[4], 0, string.sub(KEYS[1], 8, -2))
        end
        return 1
        """;

    public static (RedisKey Head, RedisKey History, RedisKey Cases) Keys(string operatorId)
    {
        var b = "wj:op:{" + operatorId + "}";
        return (b, b + ":history", b + ":cases");
    }

    public async Task<OperatorRecord?> LoadAsync(string operatorId)
    {
        var k = Keys(operatorId);
        var tx = redis.GetDatabase().CreateTransaction();
        var head = tx.HashGetAsync(k.Head, "head");
        var history = tx.HashGetAllAsync(k.History);
        var cases = tx.HashGetAllAsync(k.Cases);
        await tx.ExecuteAsync();
        if ((await head).IsNull)
        {
            return null;
        }

        return new OperatorRecord(
            Read<OperatorState>(await head),
            InOrder(await history).Select(Read<HistoryEntry>).ToArray(),
            InOrder(await cases).Select(Read<PunishmentCase>).ToArray());
    }

    public async Task WriteAsync(string operatorId, OperatorWrite write)
    {
        var k = Keys(operatorId);
        var args = new List<RedisValue>(4 + (2 * (write.Entries.Count + write.Cases.Count)))
        {
            write.ExpectedRevision,
            write.Head.Revision,
            Json(write.Head),
            write.Entries.Count,
        };
        for (var i = 0; i < write.Entries.Count; i++)
        {
            args.Add(write.FirstEntry + i + 1);
            args.Add(Json(write.Entries[i]));
        }

        foreach (var (position, c) in write.Cases)
        {
            args.Add(position + 1);
            args.Add(Json(c));
        }

        var result = (long)(await redis.GetDatabase().ScriptEvaluateAsync(WriteScript, [k.Head, k.History, k.Cases, OperatorIndex.Key], [.. args]))!;
        if (result != 1)
        {
            throw new InconsistentStateException(result == 0
                ? $"operator {operatorId}: the stored record is not at revision {write.ExpectedRevision} (written by another activation)"
                : $"operator {operatorId}: history entry {write.FirstEntry + 1} already exists; the history is append-only");
        }
    }

    /// <summary>
    /// The heads and histories of many operators in one pipelined batch (no transaction, no cases): what a
    /// dry run over every operator needs, raw, so the caller parses on every core. A null head: no record.
    /// </summary>
    public async Task<(RedisValue Head, HashEntry[] History)[]> LoadRawAsync(IReadOnlyList<string> operatorIds)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var heads = new Task<RedisValue>[operatorIds.Count];
        var histories = new Task<HashEntry[]>[operatorIds.Count];
        for (var i = 0; i < operatorIds.Count; i++)
        {
            var k = Keys(operatorIds[i]);
            heads[i] = batch.HashGetAsync(k.Head, "head");
            histories[i] = batch.HashGetAllAsync(k.History);
        }

        batch.Execute();
        await Task.WhenAll(Task.WhenAll(heads), Task.WhenAll(histories));
        return heads.Select((h, i) => (h.Result, histories[i].Result)).ToArray();
    }

    /// <summary>Parses what <see cref="LoadRawAsync"/> read: the head and the history entries in order.</summary>
    public static (OperatorState Head, IReadOnlyList<HistoryEntry> History) Parse(RedisValue head, HashEntry[] history) =>
        (Read<OperatorState>(head), InOrder(history).Select(Read<HistoryEntry>).ToArray());

    internal static string Json<T>(T value) => JsonSerializer.Serialize(value, DomainSerialization.Options);

    private static T Read<T>(RedisValue json) => JsonSerializer.Deserialize<T>(json.ToString(), DomainSerialization.Options)
        ?? throw new InvalidOperationException($"stored {typeof(T).Name} is null");

    /// <summary>Hash entries by their numeric position (HGETALL has no order).</summary>
    private static IEnumerable<RedisValue> InOrder(HashEntry[] entries) =>
        entries.OrderBy(e => long.Parse(e.Name.ToString(), CultureInfo.InvariantCulture)).Select(e => e.Value);
}
