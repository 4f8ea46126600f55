using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;

namespace WangJian.Credit.Server.Policies;

/// <summary>A published version as stored: the document verbatim and who published it when.</summary>
public sealed record StoredPolicy(
    string Version,
    string Document,
    DateTimeOffset EffectiveFrom,
    string PublishedBy,
    DateTimeOffset PublishedAt,
    string? ApprovalId = null);

/// <summary>Where a version's rollout stands.</summary>
public enum RolloutStage
{
    NotNeeded = 1,
    Scheduled = 2,
    Running = 3,
    Done = 4,
    Superseded = 5,
}

/// <summary>
/// The durable progress of one rollout: the last USCC whose re-assessment is known done (the walk
/// resumes after it) and the counts up to it, written together so a restart never counts twice.
/// </summary>
public sealed record RolloutProgress(
    RolloutStage Stage,
    long Total,
    long Assessed,
    long Changed,
    string? Cursor,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    public static readonly RolloutProgress Scheduled = new(RolloutStage.Scheduled, 0, 0, 0, null, null, null);
}

/// <summary>
/// Published versions in the hash <c>wj:policies</c> (version → JSON), added with HSETNX so a version
/// string is published once and never rewritten; each rollout's progress in <c>wj:policy:rollout:&lt;version&gt;</c>.
/// Publications are announced on the channel <c>wj:policies:notify</c> so every silo of a cluster reloads.
/// </summary>
public sealed class PolicyStore(IConnectionMultiplexer redis)
{
    public static readonly RedisChannel Notify = RedisChannel.Literal("wj:policies:notify");

    private const string Versions = "wj:policies";
    private const string RolloutPrefix = "wj:policy:rollout:";

    public async Task<IReadOnlyList<StoredPolicy>> AllAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(Versions);
        return entries.Select(e => JsonSerializer.Deserialize<StoredPolicy>(e.Value.ToString(), DomainSerialization.Options)!).ToArray();
    }

    /// <summary>Adds a version; false when its version string is already published (nothing written).</summary>
    public async Task<bool> AddAsync(StoredPolicy policy)
    {
        var db = redis.GetDatabase();
        var added = await db.HashSetAsync(Versions, policy.Version, JsonSerializer.Serialize(policy, DomainSerialization.Options), When.NotExists);
        if (added)
        {
            await db.PublishAsync(Notify, policy.Version);
        }

        return added;
    }

    public async Task<RolloutProgress?> RolloutAsync(string version)
    {
        var fields = await redis.GetDatabase().HashGetAllAsync(RolloutPrefix + version);
        if (fields.Length == 0)
        {
            return null;
        }

        var f = fields.ToDictionary(e => e.Name.ToString(), e => e.Value);
        return new RolloutProgress(
            Enum.Parse<RolloutStage>(f["stage"].ToString()),
            (long)f.GetValueOrDefault("total", 0),
            (long)f.GetValueOrDefault("assessed", 0),
            (long)f.GetValueOrDefault("changed", 0),
            f.TryGetValue("cursor", out var c) && !c.IsNullOrEmpty ? c.ToString() : null,
            Instant(f, "started"),
            Instant(f, "finished"));
    }

    public Task SaveRolloutAsync(string version, RolloutProgress p)
    {
        var fields = new List<HashEntry>
        {
            new("stage", p.Stage.ToString()),
            new("total", p.Total),
            new("assessed", p.Assessed),
            new("changed", p.Changed),
            new("cursor", p.Cursor ?? string.Empty),
        };
        if (p.StartedAt is { } s)
        {
            fields.Add(new("started", s.ToUnixTimeMilliseconds()));
        }

        if (p.FinishedAt is { } e)
        {
            fields.Add(new("finished", e.ToUnixTimeMilliseconds()));
        }

        return redis.GetDatabase().HashSetAsync(RolloutPrefix + version, [.. fields]);
    }

    private static DateTimeOffset? Instant(Dictionary<string, RedisValue> f, string name) =>
        f.TryGetValue(name, out var v) && !v.IsNullOrEmpty
            ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(v.ToString(), CultureInfo.InvariantCulture))
            : null;
}
