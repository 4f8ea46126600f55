using System.Security.Cryptography;
using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;

namespace WangJian.Credit.Server.Storage;

/// <summary>A grave change that needs a second person.</summary>
public enum ProposedChange
{
    Revoke = 1,
    ListingRepair = 2,

    /// <summary>PolicyService.PublishPolicy: decided by a second admin, not a regulator.</summary>
    PublishPolicy = 3,
}

/// <summary>
/// Where an approval stands in the store. Expiry is not stored: a <see cref="Pending"/> approval past its
/// expiry is expired (<see cref="StoredApproval.IsExpiredAt"/>). <see cref="Applying"/> is an approval decided
/// but not yet known to be applied; it is finished by the next attempt or at start.
/// </summary>
public enum ApprovalStage
{
    Pending = 1,
    Applying = 2,
    Approved = 3,
    Rejected = 4,
    Failed = 5,
}

/// <summary>One proposed grave change and its decision.</summary>
public sealed record StoredApproval(
    string ApprovalId,
    ProposedChange Action,
    string OperatorId,
    string? ViolationId,
    string Reason,
    DateTimeOffset? EffectiveAt,
    IReadOnlyList<string> AuthorityCodes,
    string ProposedBy,
    DateTimeOffset ProposedAt,
    DateTimeOffset ExpiresAt,
    ApprovalStage State = ApprovalStage.Pending,
    string? DecidedBy = null,
    DateTimeOffset? DecidedAt = null,
    string? DecisionReason = null,
    string? Failure = null,
    string? PolicyVersion = null,
    string? PolicyDocument = null)
{
    public bool IsExpiredAt(DateTimeOffset now) => State == ApprovalStage.Pending && now >= ExpiresAt;

    /// <summary>The target, for "the same action proposed twice": the violation, or the operator's listing.</summary>
    public string Target => ViolationId ?? PolicyVersion ?? "listing";
}

/// <summary>
/// Approvals in the store: each a hash (<c>state</c>, <c>json</c>) under <c>wj:approval:&lt;id&gt;</c>, all of them
/// in the time index <c>wj:approvals</c> (by proposal time), an "open" key per (operator, action, target) so the
/// same action proposed twice finds the open approval, and <c>wj:approvals:applying</c> for decisions to finish.
/// Every change of state is a compare-and-set in one Lua script: of two deciders, exactly one wins.
/// </summary>
public sealed class ApprovalStore(IConnectionMultiplexer redis)
{
    private const string Prefix = "wj:approval:";
    private const string Index = "wj:approvals";
    private const string Applying = "wj:approvals:applying";

    // KEYS: open key, record key, index. ARGV: id, json, now ms, proposed ms, expires ms.
    // An open key whose approval has not expired answers that approval's id instead of adding one.
    private static readonly LuaScript ProposeScript = LuaScript.Prepare("""
        local open = redis.call('GET', @openKey)
        if open then
          local sep = string.find(open, '|', 1, true)
          if sep and tonumber(string.sub(open, sep + 1)) > tonumber(@now) then
            return string.sub(open, 1, sep - 1)
          end
        end
        redis.call('HSET', @recordKey, 'state', 'Pending', 'json', @json)
        redis.call('ZADD', @index, @proposed, @id)
        redis.call('SET', @openKey, @id .. '|' .. @expires)
        return @id
        """);

    // Moves a record from one state to another; answers the state it found when that was not `from`.
    // Leaving Pending frees the open key (if it is still this approval's); Applying is listed for recovery.
    private static readonly LuaScript TransitionScript = LuaScript.Prepare("""
        local state = redis.call('HGET', @recordKey, 'state')
        if state ~= @from then
          return state or ''
        end
        redis.call('HSET', @recordKey, 'state', @to, 'json', @json)
        if @from == 'Pending' then
          local open = redis.call('GET', @openKey)
          if open and string.sub(open, 1, string.len(@id) + 1) == @id .. '|' then
            redis.call('DEL', @openKey)
          end
        end
        if @to == 'Applying' then
          redis.call('ZADD', @applying, @now, @id)
        else
          redis.call('ZREM', @applying, @id)
        end
        return 'OK'
        """);

    public static string NewId(DateTimeOffset at) =>
        $"apr_{at.ToUnixTimeMilliseconds():x12}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>Stores a new pending approval, or answers the open one for the same operator, action and target.</summary>
    public async Task<(StoredApproval Approval, bool Created)> ProposeAsync(StoredApproval proposal, DateTimeOffset now)
    {
        var db = redis.GetDatabase();
        var id = (string?)await db.ScriptEvaluateAsync(ProposeScript, new
        {
            openKey = (RedisKey)$"wj:approvals:open:{proposal.OperatorId}:{proposal.Action}:{proposal.Target}",
            recordKey = (RedisKey)(Prefix + proposal.ApprovalId),
            index = (RedisKey)Index,
            id = proposal.ApprovalId,
            json = Serialize(proposal),
            now = now.ToUnixTimeMilliseconds(),
            proposed = proposal.ProposedAt.ToUnixTimeMilliseconds(),
            expires = proposal.ExpiresAt.ToUnixTimeMilliseconds(),
        });
        if (id == proposal.ApprovalId)
        {
            return (proposal, true);
        }

        return (await GetAsync(id!) ?? throw new RedisException($"approval {id} is indexed but not stored"), false);
    }

    public async Task<StoredApproval?> GetAsync(string approvalId)
    {
        var json = await redis.GetDatabase().HashGetAsync(Prefix + approvalId, "json");
        return json.IsNullOrEmpty ? null : Deserialize(json!);
    }

    /// <summary>
    /// Replaces the approval by <paramref name="next"/> if it is still in state <paramref name="from"/>; else
    /// answers the state it is in (null: stored as asked).
    /// </summary>
    public async Task<ApprovalStage?> TransitionAsync(StoredApproval next, ApprovalStage from, DateTimeOffset now)
    {
        var found = (string?)await redis.GetDatabase().ScriptEvaluateAsync(TransitionScript, new
        {
            recordKey = (RedisKey)(Prefix + next.ApprovalId),
            openKey = (RedisKey)$"wj:approvals:open:{next.OperatorId}:{next.Action}:{next.Target}",
            applying = (RedisKey)Applying,
            id = next.ApprovalId,
            from = from.ToString(),
            to = next.State.ToString(),
            json = Serialize(next),
            now = now.ToUnixTimeMilliseconds(),
        });
        return found == "OK" ? null : Enum.TryParse<ApprovalStage>(found, out var state) ? state : throw new RedisException($"approval {next.ApprovalId} is not stored");
    }

    /// <summary>Approvals decided but not known to be applied (a crash between the decision and its application).</summary>
    public async Task<IReadOnlyList<StoredApproval>> ApplyingAsync()
    {
        var ids = await redis.GetDatabase().SortedSetRangeByRankAsync(Applying);
        var found = await Task.WhenAll(ids.Select(id => GetAsync(id.ToString())));
        return found.OfType<StoredApproval>().ToArray();
    }

    /// <summary>Approvals newest first that <paramref name="keep"/> accepts, keyed pages (see <see cref="TimeIndex"/>).</summary>
    public Task<(IReadOnlyList<StoredApproval> Items, IndexPosition? Next)> QueryAsync(Func<StoredApproval, bool> keep, IndexPosition? after, int limit)
    {
        var db = redis.GetDatabase();
        return TimeIndex.PageAsync(db, Index, after, limit, async positions =>
        {
            var batch = db.CreateBatch();
            var reads = positions.Select(p => batch.HashGetAsync(Prefix + p.Member, "json")).ToArray();
            batch.Execute();
            var values = await Task.WhenAll(reads);
            return values.Select(v => v.IsNullOrEmpty ? null : Deserialize(v!)).ToArray();
        }, keep);
    }

    private static string Serialize(StoredApproval a) => JsonSerializer.Serialize(a, DomainSerialization.Options);

    private static StoredApproval? Deserialize(string json) => JsonSerializer.Deserialize<StoredApproval>(json, DomainSerialization.Options);
}
