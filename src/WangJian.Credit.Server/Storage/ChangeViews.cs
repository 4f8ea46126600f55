using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Storage;

/// <summary>What a view takes from the global feed: every change, or only those of a platform's sellers, of some event types.</summary>
public sealed record ViewSpec(string Platform, bool SellersOnly, IReadOnlyList<string> Events);

/// <summary>
/// Filtered copies of the global change feed with their own gap-free sequence numbers: a platform's
/// sellers-only watch (<c>p:&lt;platform&gt;</c>) and each webhook's queue (<c>w:&lt;id&gt;</c>). Each view is
/// a hash seq → global seq (<c>wj:view:&lt;id&gt;:log</c>), its counter, and a hash global seq → seq that
/// makes adding a change idempotent (a republished change is not queued twice). A change costs one
/// script per view, with one ZSCORE for a sellers-only view: O(1) per change and view, whatever the
/// size of the watchlist.
/// </summary>
public sealed class ChangeViews(IConnectionMultiplexer redis)
{
    private const string Specs = "wj:views";

    public const string GradeChanged = "credit.grade_changed";
    public const string Listed = "credit.listed";
    public const string Delisted = "credit.delisted";
    public static readonly IReadOnlyList<string> EventTypes = [GradeChanged, Listed, Delisted];

    private const string AppendScript = """
        if ARGV[2] == '1' and not redis.call('ZSCORE', KEYS[4], ARGV[3]) then return 0 end
        local seen = redis.call('HGET', KEYS[3], ARGV[1])
        if seen then return tonumber(seen) end
        local seq = redis.call('INCR', KEYS[1])
        redis.call('HSET', KEYS[2], tostring(seq), ARGV[1])
        redis.call('HSET', KEYS[3], ARGV[1], seq)
        return seq
        """;

    public static string PlatformView(string platform) => "p:" + platform;

    public static string WebhookView(string webhookId) => "w:" + webhookId;

    /// <summary>The event type of a change, as webhooks name it.</summary>
    public static string EventType(CreditChange c) =>
        c.Current.Blacklisted && !c.Previous.Blacklisted ? Listed
        : !c.Current.Blacklisted && c.Previous.Blacklisted ? Delisted
        : GradeChanged;

    /// <summary>Registers a view if it is not yet (changes from now on are added to it).</summary>
    public Task EnsureAsync(string viewId, ViewSpec spec) =>
        redis.GetDatabase().HashSetAsync(Specs, viewId, JsonSerializer.Serialize(spec), When.NotExists);

    /// <summary>Stops adding to a view and drops its contents.</summary>
    public async Task DropAsync(string viewId)
    {
        var db = redis.GetDatabase();
        await db.HashDeleteAsync(Specs, viewId);
        await db.KeyDeleteAsync([SeqKey(viewId), LogKey(viewId), SeenKey(viewId)]);
    }

    /// <summary>Adds the change (global number <paramref name="sequence"/>) to every view it belongs to.</summary>
    public async Task AppendAsync(long sequence, CreditChange change)
    {
        var db = redis.GetDatabase();
        var specs = await db.HashGetAllAsync(Specs);
        if (specs.Length == 0)
        {
            return;
        }

        var type = EventType(change);
        var global = sequence.ToString(CultureInfo.InvariantCulture);
        var appends = new List<Task>(specs.Length);
        foreach (var entry in specs)
        {
            var viewId = entry.Name.ToString();
            var spec = JsonSerializer.Deserialize<ViewSpec>(entry.Value.ToString())!;
            if (spec.Events.Count > 0 && !spec.Events.Contains(type))
            {
                continue;
            }

            appends.Add(db.ScriptEvaluateAsync(
                AppendScript,
                [SeqKey(viewId), LogKey(viewId), SeenKey(viewId), SellerLists.Key(spec.Platform)],
                [global, spec.SellersOnly ? "1" : "0", change.OperatorId]));
        }

        await Task.WhenAll(appends);
    }

    /// <summary>The highest number of the view (0 when empty).</summary>
    public Task<long> HeadAsync(string viewId) => NumberedLog.HeadAsync(redis.GetDatabase(), SeqKey(viewId));

    /// <summary>Up to <paramref name="max"/> (view seq, global seq) after <paramref name="after"/>, in order (<see cref="NumberedLog.ReadAsync"/>).</summary>
    public async Task<IReadOnlyList<(long Sequence, long Global)>> ReadAsync(string viewId, long after, int max) =>
        (await NumberedLog.ReadAsync(redis.GetDatabase(), SeqKey(viewId), LogKey(viewId), after, max)).ConvertAll(e => (e.Number, (long)e.Value));

    private static string SeqKey(string viewId) => $"wj:view:{viewId}:seq";

    private static string LogKey(string viewId) => $"wj:view:{viewId}:log";

    private static string SeenKey(string viewId) => $"wj:view:{viewId}:seen";
}
