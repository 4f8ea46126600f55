using StackExchange.Redis;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Every operator with a record, in the sorted set <c>wj:operators</c> (all scores 0, so members are in
/// USCC order and a page continues after the last USCC seen). The operator store adds an operator in the
/// script of its first write, so the index never misses an operator with a record. What walks it — the
/// rollout of a policy version, the simulation — resumes from a USCC, which stays valid while operators
/// are added.
/// </summary>
public sealed class OperatorIndex(IConnectionMultiplexer redis, ILogger<OperatorIndex> logger) : ReadModels.IRecordIndex
{
    public const string Key = "wj:operators";

    /// <summary>Set once the operators of a store written before the index existed are in it.</summary>
    private const string CompleteKey = "wj:operators:complete";

    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the index holds every operator with a record (after <see cref="BackfillAsync"/>).</summary>
    public Task Ready => ready.Task;

    public bool Complete => ready.Task.IsCompletedSuccessfully;

    public async Task<bool[]> HaveRecordsAsync(IReadOnlyList<string> operatorIds)
    {
        var scores = await redis.GetDatabase().SortedSetScoresAsync(Key, operatorIds.Select(id => (RedisValue)id).ToArray());
        return Array.ConvertAll(scores, s => s.HasValue);
    }

    public Task<long> CountAsync() => redis.GetDatabase().SortedSetLengthAsync(Key);

    /// <summary>Up to <paramref name="limit"/> USCCs after <paramref name="after"/> (null: from the first), in order.</summary>
    public async Task<IReadOnlyList<string>> PageAsync(string? after, int limit)
    {
        var members = await redis.GetDatabase().SortedSetRangeByValueAsync(
            Key, after is null ? default : (RedisValue)after, default, after is null ? Exclude.None : Exclude.Start, Order.Ascending, 0, limit);
        return members.Select(m => m.ToString()).ToArray();
    }

    /// <summary>
    /// A store written before the index: adds every operator with a record (keys <c>wj:op:{USCC}</c>) once,
    /// then marks the index complete. New stores only find nothing to add.
    /// </summary>
    public async Task BackfillAsync(CancellationToken cancel)
    {
        var db = redis.GetDatabase();
        if (await db.KeyExistsAsync(CompleteKey))
        {
            ready.TrySetResult();
            return;
        }

        long added = 0;
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            var batch = new List<RedisValue>(1024);
            await foreach (var key in server.KeysAsync(db.Database, "wj:op:{*}", pageSize: 1000).WithCancellation(cancel))
            {
                var k = key.ToString();
                batch.Add(k[7..^1]);
                if (batch.Count == 1024)
                {
                    added += await AddAsync(db, batch);
                }
            }

            added += await AddAsync(db, batch);
        }

        await db.StringSetAsync(CompleteKey, "1");
        if (added > 0)
        {
            logger.LogInformation("Indexed {Count} operators with a record written before the operator index", added);
        }

        ready.TrySetResult();
    }

    private static async Task<long> AddAsync(IDatabase db, List<RedisValue> batch)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        var n = await db.SortedSetAddAsync(Key, batch.Select(m => new SortedSetEntry(m, 0)).ToArray());
        batch.Clear();
        return n;
    }
}
