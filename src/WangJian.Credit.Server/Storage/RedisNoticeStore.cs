using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Per agency: <c>wj:notices:{A}</c> (sequence → notice), <c>:ids</c> (notice id → sequence),
/// <c>:delivery</c> and <c>:ack</c> (sequence → status part). A Lua script appends at most once per
/// notice id and assigns sequences without gaps, so a cursor is a number.
/// </summary>
public sealed class RedisNoticeStore(IConnectionMultiplexer redis) : INoticeStore
{
    private const string PendingOperators = "wj:notices:pending-operators";

    private const string AppendScript = """
        local seen = redis.call('HGET', KEYS[2], ARGV[1])
        if seen then return {tonumber(seen), 0} end
        local seq = redis.call('INCR', KEYS[3])
        redis.call('HSET', KEYS[1], tostring(seq), ARGV[2])
        redis.call('HSET', KEYS[2], ARGV[1], seq)
        return {seq, 1}
        """;

    private sealed record Delivery(NoticeState State, int Attempts, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

    private sealed record Ack(DateTimeOffset At, string By, string Action);

    public async Task<(long Sequence, bool Added)> AppendAsync(string agency, Notice notice)
    {
        var k = Keys(agency);
        var result = await redis.GetDatabase().ScriptEvaluateAsync(
            AppendScript,
            [k.Log, k.Ids, k.Seq],
            [notice.NoticeId, JsonSerializer.Serialize(notice, DomainSerialization.Options)]);
        var pair = (RedisResult[])result!;
        return ((long)pair[0], (long)pair[1] == 1);
    }

    public async Task<IReadOnlyList<StoredNotice>> ReadAsync(string agency, long after, int max)
    {
        var sequences = Enumerable.Range(1, max).Select(i => after + i).ToArray();
        var found = await LoadAsync(agency, sequences);
        // Sequences have no gaps: the first missing one is the end.
        var list = new List<StoredNotice>();
        foreach (var s in sequences)
        {
            if (!found.TryGetValue(s, out var n))
            {
                break;
            }

            list.Add(n);
        }

        return list;
    }

    public async Task<IReadOnlyList<StoredNotice>> GetAsync(string agency, IReadOnlyList<string> noticeIds)
    {
        if (noticeIds.Count == 0)
        {
            return [];
        }

        var k = Keys(agency);
        var seqs = await redis.GetDatabase().HashGetAsync(k.Ids, noticeIds.Select(i => (RedisValue)i).ToArray());
        var sequences = seqs.Where(s => !s.IsNull).Select(s => (long)s).ToArray();
        var found = await LoadAsync(agency, sequences);
        return sequences.Where(found.ContainsKey).Select(s => found[s]).ToArray();
    }

    public Task SetDeliveryAsync(string agency, long sequence, NoticeStatus delivery) =>
        redis.GetDatabase().HashSetAsync(
            Keys(agency).Delivery,
            sequence.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(new Delivery(delivery.State, delivery.Attempts, delivery.LastError, delivery.NextAttemptAt, delivery.DeliveredAt), DomainSerialization.Options));

    public Task SetAcknowledgementAsync(string agency, long sequence, DateTimeOffset at, string by, string action) =>
        redis.GetDatabase().HashSetAsync(
            Keys(agency).Ack,
            sequence.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(new Ack(at, by, action), DomainSerialization.Options));

    public Task ClearPendingAsync(string operatorId) => redis.GetDatabase().SetRemoveAsync(PendingOperators, operatorId);

    public async Task<IReadOnlyList<string>> PendingOperatorsAsync() =>
        (await redis.GetDatabase().SetMembersAsync(PendingOperators)).Select(v => v.ToString()).ToArray();

    private async Task<Dictionary<long, StoredNotice>> LoadAsync(string agency, long[] sequences)
    {
        var result = new Dictionary<long, StoredNotice>();
        if (sequences.Length == 0)
        {
            return result;
        }

        var k = Keys(agency);
        var fields = sequences.Select(s => (RedisValue)s.ToString(CultureInfo.InvariantCulture)).ToArray();
        var db = redis.GetDatabase();
        var notices = db.HashGetAsync(k.Log, fields);
        var deliveries = db.HashGetAsync(k.Delivery, fields);
        var acks = db.HashGetAsync(k.Ack, fields);
        await Task.WhenAll(notices, deliveries, acks);
        for (var i = 0; i < sequences.Length; i++)
        {
            var n = notices.Result[i];
            if (n.IsNull)
            {
                continue;
            }

            var notice = JsonSerializer.Deserialize<Notice>(n.ToString(), DomainSerialization.Options)!;
            var d = deliveries.Result[i].IsNull ? null : JsonSerializer.Deserialize<Delivery>(deliveries.Result[i].ToString(), DomainSerialization.Options);
            var a = acks.Result[i].IsNull ? null : JsonSerializer.Deserialize<Ack>(acks.Result[i].ToString(), DomainSerialization.Options);
            var state = a is not null ? NoticeState.Acknowledged : d?.State ?? NoticeState.Pending;
            result[sequences[i]] = new StoredNotice(
                sequences[i],
                notice,
                new NoticeStatus(state, d?.Attempts ?? 0, d?.LastError, d?.NextAttemptAt, d?.DeliveredAt, a?.At, a?.By, a?.Action));
        }

        return result;
    }

    private static (string Log, string Ids, string Seq, string Delivery, string Ack) Keys(string agency)
    {
        var b = $"wj:notices:{agency}";
        return (b, b + ":ids", b + ":seq", b + ":delivery", b + ":ack");
    }
}
