using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Applications;

/// <summary>
/// Applications in the store: each a hash (<c>state</c>, <c>json</c>) under <c>wj:application:&lt;id&gt;</c>; the
/// operator's own index <c>wj:applications:op:&lt;uscc&gt;</c> (by submission time); <c>wj:applications:all</c>
/// and <c>wj:applications:due</c> (only those waiting for the authority) by due time, for the inbox and the
/// overdue count; and an "open" key per (operator, kind, target) so a second application for the same
/// target finds the open one. Every write is one Lua script, so an index never points at nothing and of
/// two concurrent submissions or decisions exactly one wins.
/// </summary>
public sealed class ApplicationStore(IConnectionMultiplexer redis)
{
    public const string DueIndex = "wj:applications:due";
    private const string Prefix = "wj:application:";
    private const string AllIndex = "wj:applications:all";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly LuaScript CreateScript = LuaScript.Prepare("""
        local open = redis.call('GET', @openKey)
        if open then
          return open
        end
        redis.call('HSET', @recordKey, 'state', 'Submitted', 'json', @json)
        redis.call('ZADD', @opIndex, @submitted, @id)
        redis.call('ZADD', @allIndex, @due, @id)
        redis.call('ZADD', @dueIndex, @due, @id)
        redis.call('SET', @openKey, @id)
        return @id
        """);

    // Moves a record from one state to another; answers the state it found when that was not `from`.
    // A final state frees the open key; only Submitted stays in the due index.
    private static readonly LuaScript TransitionScript = LuaScript.Prepare("""
        local state = redis.call('HGET', @recordKey, 'state')
        if state ~= @from then
          return state or ''
        end
        redis.call('HSET', @recordKey, 'state', @to, 'json', @json)
        if @to ~= 'Submitted' then
          redis.call('ZREM', @dueIndex, @id)
        end
        if @to ~= 'Submitted' and @to ~= 'ApprovalPending' and redis.call('GET', @openKey) == @id then
          redis.call('DEL', @openKey)
        end
        return 'OK'
        """);

    public static string NewId(DateTimeOffset at) =>
        $"app_{at.ToUnixTimeMilliseconds():x12}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>Stores a new application, or answers the open one for the same operator, kind and target.</summary>
    public async Task<SubmitResult> CreateAsync(StoredApplication application)
    {
        var db = redis.GetDatabase();
        var id = (string?)await db.ScriptEvaluateAsync(CreateScript, new
        {
            openKey = OpenKey(application),
            recordKey = (RedisKey)(Prefix + application.ApplicationId),
            opIndex = OperatorIndex(application.OperatorId),
            allIndex = (RedisKey)AllIndex,
            dueIndex = (RedisKey)DueIndex,
            id = application.ApplicationId,
            json = JsonSerializer.Serialize(application, Json),
            submitted = application.SubmittedAt.ToUnixTimeMilliseconds(),
            due = application.DueAt.ToUnixTimeMilliseconds(),
        });
        if (id == application.ApplicationId)
        {
            return new SubmitResult(application, true);
        }

        var open = await GetAsync(id!);
        return open is not null ? new SubmitResult(open, false) : throw new InvalidOperationException($"open application {id} has no record");
    }

    public async Task<StoredApplication?> GetAsync(string id)
    {
        var json = await redis.GetDatabase().HashGetAsync(Prefix + id, "json");
        return json.IsNull ? null : JsonSerializer.Deserialize<StoredApplication>(json.ToString(), Json);
    }

    /// <summary>Writes <paramref name="next"/> if the stored state is still <paramref name="from"/>; else answers the state found.</summary>
    public async Task<ApplicationState?> TransitionAsync(StoredApplication next, ApplicationState from)
    {
        var result = (string?)await redis.GetDatabase().ScriptEvaluateAsync(TransitionScript, new
        {
            recordKey = (RedisKey)(Prefix + next.ApplicationId),
            openKey = OpenKey(next),
            dueIndex = (RedisKey)DueIndex,
            id = next.ApplicationId,
            from = from.ToString(),
            to = next.State.ToString(),
            json = JsonSerializer.Serialize(next, Json),
        });
        return result == "OK" ? null : Enum.TryParse<ApplicationState>(result, out var found) ? found : ApplicationState.Withdrawn;
    }

    /// <summary>An operator's applications, newest first, from just after <paramref name="after"/> (a position this returned).</summary>
    public async Task<(IReadOnlyList<StoredApplication> Items, string? Next)> ListForOperatorAsync(string operatorId, string? after, int limit)
    {
        var db = redis.GetDatabase();
        var start = 0L;
        if (after is not null)
        {
            var rank = await db.SortedSetRankAsync(OperatorIndex(operatorId), after, Order.Descending);
            start = rank is null ? long.MaxValue : rank.Value + 1;
        }

        if (start == long.MaxValue)
        {
            return ([], null);
        }

        // The index only grows at its newest end, so a rank after a member stays valid while paging.
        var ids = await db.SortedSetRangeByRankAsync(OperatorIndex(operatorId), start, start + limit, Order.Descending);
        var items = (await LoadAsync(ids.Take(limit).Select(i => i.ToString()).ToArray())).ToArray();
        return (items, ids.Length > limit && items.Length > 0 ? items[^1].ApplicationId : null);
    }

    /// <summary>
    /// Applications by due time, oldest due first, that <paramref name="keep"/> accepts, from just after the
    /// position <paramref name="after"/> (due ms and id). <paramref name="awaitingOnly"/> reads the index of
    /// those waiting for the authority only.
    /// </summary>
    public async Task<(IReadOnlyList<StoredApplication> Items, (long DueMs, string Id)? Next)> ListByDueAsync(
        bool awaitingOnly, (long DueMs, string Id)? after, int limit, Func<StoredApplication, bool> keep, long maxDueMs = long.MaxValue)
    {
        var db = redis.GetDatabase();
        RedisKey key = awaitingOnly ? DueIndex : AllIndex;
        var items = new List<StoredApplication>();
        var position = after;
        const int Batch = 256;
        while (items.Count < limit)
        {
            // Members sharing the position's score come back again and are skipped by id.
            var entries = await db.SortedSetRangeByScoreWithScoresAsync(
                key, position?.DueMs ?? double.NegativeInfinity, maxDueMs == long.MaxValue ? double.PositiveInfinity : maxDueMs, Exclude.None, Order.Ascending, 0, Batch);
            var fresh = entries
                .Select(e => ((long)e.Score, e.Element.ToString()))
                .Where(e => position is not { } p || e.Item1 > p.DueMs || (e.Item1 == p.DueMs && string.CompareOrdinal(e.Item2, p.Id) > 0))
                .OrderBy(e => e.Item1).ThenBy(e => e.Item2, StringComparer.Ordinal)
                .ToArray();
            if (fresh.Length == 0)
            {
                return (items, null);
            }

            var loaded = await LoadAsync(fresh.Select(e => e.Item2).ToArray());
            var byId = loaded.ToDictionary(a => a.ApplicationId, StringComparer.Ordinal);
            foreach (var (due, id) in fresh)
            {
                position = (due, id);
                if (byId.TryGetValue(id, out var a) && keep(a))
                {
                    items.Add(a);
                    if (items.Count == limit)
                    {
                        return (items, position);
                    }
                }
            }

            if (entries.Length < Batch && fresh.Length == entries.Length)
            {
                return (items, null);
            }
        }

        return (items, position);
    }

    /// <summary>How many applications wait for the authority past their due time (the overdue metric).</summary>
    public long CountOverdue(DateTimeOffset now) =>
        redis.GetDatabase().SortedSetLength(DueIndex, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), Exclude.Stop);

    private async Task<IReadOnlyList<StoredApplication>> LoadAsync(string[] ids)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        var db = redis.GetDatabase();
        var values = await Task.WhenAll(ids.Select(id => db.HashGetAsync(Prefix + id, "json")));
        return values.Where(v => !v.IsNull).Select(v => JsonSerializer.Deserialize<StoredApplication>(v.ToString(), Json)!).ToArray();
    }

    private static RedisKey OperatorIndex(string operatorId) => "wj:applications:op:" + operatorId;

    private static RedisKey OpenKey(StoredApplication a) => $"wj:applications:open:{a.OperatorId}:{a.Kind}:{a.Target}";

    public static string FormatPosition((long DueMs, string Id) p) => p.DueMs.ToString(CultureInfo.InvariantCulture) + ":" + p.Id;

    public static (long DueMs, string Id)? ParsePosition(string? payload)
    {
        var parts = payload?.Split(':', 2);
        return parts is [var ms, var id] && id.Length > 0 && long.TryParse(ms, NumberStyles.Integer, CultureInfo.InvariantCulture, out var due)
            ? (due, id)
            : null;
    }
}
