using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Storage;

/// <summary>One answered pre-approval check, kept so an approval can be audited against what the agency was shown.</summary>
public sealed record StoredCheck(
    string CheckId,
    string Agency,
    string Principal,
    string OperatorId,
    string Matter,
    CheckDecision Decision,
    IReadOnlyList<string> MeasureCodes,
    decimal Score,
    Grade Grade,
    bool Blacklisted,
    string PolicyVersion,
    DateTimeOffset CheckedAt,
    long StatusVersion = 0);

/// <summary>
/// The audit log of checks, in the store: the record under its id, and its id in time-ordered sorted
/// sets (all, per operator, per agency) written in one MULTI so an index never points at nothing.
/// The check is stored before it is answered: an answer the agency saw is always on file.
/// </summary>
/// <remarks>
/// Group commit: checks that arrive while a write is in flight go to the store together in the next
/// MULTI (one MSET and one ZADD per index key), and each caller is answered when the MULTI holding its
/// check is acknowledged. A lone check still costs one round trip; under load the store sees one
/// transaction per batch instead of one per check (CheckOperator was 0.16x the bare server with a
/// MULTI per check; benchmarks/README.md).
/// </remarks>
public sealed class CheckLog : IDisposable
{
    /// <summary>Most checks in one MULTI: bounds the transaction while keeping batches useful at high load.</summary>
    public const int MaxBatch = 256;

    /// <summary>A check's record is under this prefix and its id (what the policy simulation replays).</summary>
    public const string RecordPrefix = "wj:check:";

    /// <summary>Every check by time (score: checked_at in ms).</summary>
    public const string AllIndexKey = "wj:checks";

    private const string Prefix = RecordPrefix;
    private const string AllIndex = AllIndexKey;

    private readonly IConnectionMultiplexer redis;
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    public CheckLog(IConnectionMultiplexer redis)
    {
        this.redis = redis;
        _ = Task.Run(WriteLoopAsync);
    }

    public static string NewId(DateTimeOffset at) =>
        $"chk_{at.ToUnixTimeMilliseconds():x12}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    /// <summary>Completes when the check is stored; fails with the store's exception if it could not be.</summary>
    /// <remarks>Marked: the store write happens in the group-commit loop, not in this call.</remarks>
    [Writes]
    public Task AppendAsync(StoredCheck record)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(CheckLog), "the server is stopping");
        }

        return pending.Stored.Task;
    }

    public void Dispose() => queue.Writer.TryComplete();

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await WriteAsync(batch);
                batch.ForEach(p => p.Stored.TrySetResult());
            }
            catch (Exception e)
            {
                batch.ForEach(p => p.Stored.TrySetException(e));
            }

            batch.Clear();
        }
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        var tx = redis.GetDatabase().CreateTransaction();
        _ = tx.StringSetAsync(batch.Select(p => new KeyValuePair<RedisKey, RedisValue>(Prefix + p.Check.CheckId, JsonSerializer.Serialize(p.Check, DomainSerialization.Options))).ToArray());
        _ = tx.SortedSetAddAsync(AllIndex, batch.Select(p => Entry(p.Check)).ToArray());
        foreach (var group in batch.GroupBy(p => OperatorIndex(p.Check.OperatorId)).Concat(batch.GroupBy(p => AgencyIndex(p.Check.Agency))))
        {
            _ = tx.SortedSetAddAsync(group.Key, group.Select(p => Entry(p.Check)).ToArray());
        }

        if (!await tx.ExecuteAsync())
        {
            throw new RedisException("the checks could not be stored");
        }
    }

    private static SortedSetEntry Entry(StoredCheck check) => new(check.CheckId, check.CheckedAt.ToUnixTimeMilliseconds());

    private sealed record Pending(StoredCheck Check, TaskCompletionSource Stored);

    /// <summary>
    /// Checks newest first, optionally of one operator and/or by one agency, from just after
    /// <paramref name="after"/> (a position returned by an earlier page; see <see cref="TimeIndex"/>).
    /// Returns at most <paramref name="limit"/> checks and the position to continue from, or null at the end.
    /// </summary>
    public async Task<(IReadOnlyList<StoredCheck> Checks, IndexPosition? Next)> QueryAsync(string? operatorId, string? agency, IndexPosition? after, int limit)
    {
        var db = redis.GetDatabase();

        // With both filters, walk the smaller index and filter on the record's other field.
        RedisKey key;
        Func<StoredCheck, bool> keep = _ => true;
        if (operatorId is not null && agency is not null)
        {
            var opKey = OperatorIndex(operatorId);
            var agencyKey = AgencyIndex(agency);
            var opCount = await db.SortedSetLengthAsync(opKey);
            var agencyCount = await db.SortedSetLengthAsync(agencyKey);
            if (opCount <= agencyCount)
            {
                key = opKey;
                keep = c => string.Equals(c.Agency, agency, StringComparison.Ordinal);
            }
            else
            {
                key = agencyKey;
                keep = c => string.Equals(c.OperatorId, operatorId, StringComparison.Ordinal);
            }
        }
        else
        {
            key = operatorId is not null ? OperatorIndex(operatorId) : agency is not null ? AgencyIndex(agency) : AllIndex;
        }

        return await TimeIndex.PageAsync(db, key, after, limit, async positions =>
        {
            // AppendAsync writes record and indexes in one MULTI; a missing record is skipped, not fatal.
            var records = await db.StringGetAsync(positions.Select(p => (RedisKey)(Prefix + p.Member)).ToArray());
            return records.Select(r => r.IsNullOrEmpty ? null : JsonSerializer.Deserialize<StoredCheck>(r.ToString(), DomainSerialization.Options)).ToArray();
        }, keep);
    }

    private static string OperatorIndex(string operatorId) => $"wj:checks:op:{operatorId}";

    private static string AgencyIndex(string agency) => $"wj:checks:agency:{agency}";
}
