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

    private const string Prefix = "wj:check:";
    private const string AllIndex = "wj:checks";

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
    /// <paramref name="after"/> (a position returned by an earlier page). Pages are keyed by position, not
    /// offset, so checks added while a client pages (all newer than any position) never shift or repeat it.
    /// Returns at most <paramref name="limit"/> checks and the position to continue from, or null at the end.
    /// </summary>
    public async Task<(IReadOnlyList<StoredCheck> Checks, CheckPosition? Next)> QueryAsync(string? operatorId, string? agency, CheckPosition? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
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

        // Entries sharing the position's score (same millisecond) come back with it and are skipped by
        // member; the batch grows past the page only by those and by filtered-out records. The upper bound
        // is pinned after the first batch so that checks added meanwhile cannot shift the offsets; one added
        // in the pinned millisecond can only push entries of the previous batch into the next, and `previous`
        // drops those.
        var found = new List<(StoredCheck Check, CheckPosition Position)>(Math.Min(limit + 1, 1024));
        var previous = new HashSet<string>(StringComparer.Ordinal);
        var stop = after?.Score ?? double.PositiveInfinity;
        var skip = 0L;
        var batch = Math.Min(limit + 1, 1000) + 16;
        while (found.Count <= limit)
        {
            var entries = await db.SortedSetRangeByScoreWithScoresAsync(key, double.NegativeInfinity, stop, order: Order.Descending, skip: skip, take: batch);
            if (entries.Length == 0)
            {
                break;
            }

            if (double.IsPositiveInfinity(stop))
            {
                stop = entries[0].Score;
            }

            skip += entries.Length;
            var positions = entries.Select(e => new CheckPosition(e.Score, e.Element.ToString())).ToArray();
            var candidates = positions.Where(p => (after is null || p.IsAfter(after.Value)) && !previous.Contains(p.CheckId)).ToArray();
            previous = positions.Select(p => p.CheckId).ToHashSet(StringComparer.Ordinal);
            var records = candidates.Length == 0 ? [] : await db.StringGetAsync(candidates.Select(p => (RedisKey)(Prefix + p.CheckId)).ToArray());
            for (var i = 0; i < candidates.Length && found.Count <= limit; i++)
            {
                // AppendAsync writes record and indexes in one MULTI; a missing record is skipped, not fatal.
                if (records[i].IsNullOrEmpty)
                {
                    continue;
                }

                var check = JsonSerializer.Deserialize<StoredCheck>(records[i].ToString(), DomainSerialization.Options);
                if (check is not null && keep(check))
                {
                    found.Add((check, candidates[i]));
                }
            }

            if (entries.Length < batch)
            {
                break;
            }
        }

        var page = found.Take(limit).ToArray();
        return (page.Select(f => f.Check).ToArray(), found.Count > limit ? page[^1].Position : null);
    }

    private static string OperatorIndex(string operatorId) => $"wj:checks:op:{operatorId}";

    private static string AgencyIndex(string agency) => $"wj:checks:agency:{agency}";
}

/// <summary>
/// A place in a check index: its score (the check time in Unix milliseconds) and its member (the check id).
/// Newest first means score descending, then id descending (the order of ZREVRANGE).
/// </summary>
public readonly record struct CheckPosition(double Score, string CheckId)
{
    /// <summary>True when this position comes after <paramref name="other"/> in newest-first order.</summary>
    public bool IsAfter(CheckPosition other) =>
        Score < other.Score || (Score == other.Score && string.CompareOrdinal(CheckId, other.CheckId) < 0);
}
