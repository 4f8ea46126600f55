using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Webhooks;

/// <summary>A registered webhook as stored (the secret too: it signs every delivery).</summary>
public sealed record WebhookRecord(
    string Id, string Platform, string Url, IReadOnlyList<string> Events, bool SellersOnly, DateTimeOffset CreatedAt,
    string Secret, bool Enabled, string DisabledReason);

/// <summary>Where a webhook's delivery stands: the last event delivered, and since when the next one fails.</summary>
public sealed record DeliveryState(long Delivered, DateTimeOffset? FailingSince, string LastError, int Attempts);

/// <summary>One attempt, as ListWebhookDeliveries shows it.</summary>
public sealed record AttemptRecord(string EventId, long Sequence, int Attempt, DateTimeOffset At, int HttpStatus, string Error, bool Succeeded, long DurationMs);

/// <summary>
/// Webhooks in the store: the records (<c>wj:webhooks</c>, id → JSON), each one's queue (the change view
/// <c>w:&lt;id&gt;</c>), its delivery state (<c>wj:wh:&lt;id&gt;:state</c>: delivered, failing_since, last_error,
/// attempts) and its last 1,000 attempts (<c>wj:wh:&lt;id&gt;:attempts</c>, a list).
/// </summary>
public sealed class WebhookStore(IConnectionMultiplexer redis, ChangeViews views)
{
    private const string Records = "wj:webhooks";
    private const int KeptAttempts = 1000;

    // Moves the delivered mark only from the number it was read at: a redelivery that moved it back wins.
    private const string AdvanceScript = """
        local cur = tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0')
        if cur ~= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'delivered', ARGV[2], 'attempts', '0', 'last_error', '')
        redis.call('HDEL', KEYS[1], 'failing_since')
        return 1
        """;

    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public async Task<WebhookRecord> CreateAsync(string platform, string url, IReadOnlyList<string> events, bool sellersOnly, DateTimeOffset now)
    {
        var record = new WebhookRecord("wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10)), platform, url, events, sellersOnly, now, NewSecret(), true, string.Empty);
        // The queue exists before the record: a change is never missing between them.
        await views.EnsureAsync(ChangeViews.WebhookView(record.Id), new ViewSpec(platform, sellersOnly, events));
        await SaveAsync(record);
        return record;
    }

    public Task SaveAsync(WebhookRecord record) => redis.GetDatabase().HashSetAsync(Records, record.Id, JsonSerializer.Serialize(record));

    public async Task<WebhookRecord?> GetAsync(string id)
    {
        var v = await redis.GetDatabase().HashGetAsync(Records, id);
        return v.IsNull ? null : JsonSerializer.Deserialize<WebhookRecord>(v.ToString());
    }

    public async Task<IReadOnlyList<WebhookRecord>> AllAsync()
    {
        var all = await redis.GetDatabase().HashValuesAsync(Records);
        return all.Select(v => JsonSerializer.Deserialize<WebhookRecord>(v.ToString())!).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    public async Task DeleteAsync(string id)
    {
        var db = redis.GetDatabase();
        await db.HashDeleteAsync(Records, id);
        await views.DropAsync(ChangeViews.WebhookView(id));
        await db.KeyDeleteAsync([StateKey(id), AttemptsKey(id)]);
    }

    public async Task<DeliveryState> StateAsync(string id)
    {
        var h = (await redis.GetDatabase().HashGetAllAsync(StateKey(id))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        return new DeliveryState(
            h.TryGetValue("delivered", out var d) ? long.Parse(d, CultureInfo.InvariantCulture) : 0,
            h.TryGetValue("failing_since", out var f) ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(f, CultureInfo.InvariantCulture)) : null,
            h.GetValueOrDefault("last_error", string.Empty),
            h.TryGetValue("attempts", out var a) ? int.Parse(a, CultureInfo.InvariantCulture) : 0);
    }

    /// <summary>Marks event <paramref name="sequence"/> delivered if nothing moved the mark meanwhile.</summary>
    public async Task<bool> AdvanceAsync(string id, long sequence) =>
        (long)(await redis.GetDatabase().ScriptEvaluateAsync(AdvanceScript, [StateKey(id)], [sequence - 1, sequence])) == 1;

    /// <summary>Records a failed round of the next event; the failing-since instant is kept from the first.</summary>
    public async Task FailAsync(string id, string error, int attempts, DateTimeOffset now)
    {
        var db = redis.GetDatabase();
        await db.HashSetAsync(StateKey(id), "failing_since", now.ToUnixTimeMilliseconds(), When.NotExists);
        await db.HashSetAsync(StateKey(id), [new("last_error", error), new("attempts", attempts)]);
    }

    /// <summary>Sets the delivered mark back (redelivery from an event) and clears the failure.</summary>
    public async Task ResetAsync(string id, long delivered)
    {
        var db = redis.GetDatabase();
        await db.HashSetAsync(StateKey(id), [new("delivered", delivered), new("attempts", 0), new("last_error", string.Empty)]);
        await db.HashDeleteAsync(StateKey(id), "failing_since");
    }

    public async Task AddAttemptAsync(string id, AttemptRecord attempt)
    {
        var db = redis.GetDatabase();
        await db.ListLeftPushAsync(AttemptsKey(id), JsonSerializer.Serialize(attempt));
        await db.ListTrimAsync(AttemptsKey(id), 0, KeptAttempts - 1);
    }

    public async Task<IReadOnlyList<AttemptRecord>> AttemptsAsync(string id, int max) =>
        (await redis.GetDatabase().ListRangeAsync(AttemptsKey(id), 0, max - 1)).Select(v => JsonSerializer.Deserialize<AttemptRecord>(v.ToString())!).ToList();

    public Task<long> QueuedAsync(string id) => views.HeadAsync(ChangeViews.WebhookView(id));

    private static string StateKey(string id) => $"wj:wh:{id}:state";

    private static string AttemptsKey(string id) => $"wj:wh:{id}:attempts";
}
