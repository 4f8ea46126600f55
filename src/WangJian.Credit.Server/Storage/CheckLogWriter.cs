using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Writes the audit log of checks: the record and its index entries (<see cref="CheckLogKeys"/>) in one
/// MULTI so an index never points at nothing. A hosted service: its write loop runs from the host's start
/// and, at the stop, finishes the checks already queued before it ends.
/// </summary>
/// <remarks>
/// Group commit: checks that arrive while a write is in flight go to the store together in the next
/// MULTI (one MSET and one ZADD per index key), and each caller is answered when the MULTI holding its
/// check is acknowledged. A lone check still costs one round trip; under load the store sees one
/// transaction per batch instead of one per check (docs/architecture.md, benchmarks/README.md).
/// </remarks>
public sealed class CheckLogWriter(IConnectionMultiplexer redis) : ICheckLogWriter, IHostedService
{
    /// <summary>Most checks in one MULTI: bounds the transaction while keeping batches useful at high load.</summary>
    public const int MaxBatch = 256;

    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private Task loop = Task.CompletedTask;

    /// <remarks>Marked: the store write happens in the group-commit loop, not in this call.</remarks>
    [Writes]
    public Task AppendAsync(StoredCheck record)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(CheckLogWriter), "the server is stopping");
        }

        return pending.Stored.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        loop = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await loop.WaitAsync(cancellationToken);
    }

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
        _ = tx.StringSetAsync(batch.Select(p => new KeyValuePair<RedisKey, RedisValue>(CheckLogKeys.RecordPrefix + p.Check.CheckId, JsonSerializer.Serialize(p.Check, DomainSerialization.Options))).ToArray());
        _ = tx.SortedSetAddAsync(CheckLogKeys.AllIndex, batch.Select(p => Entry(p.Check)).ToArray());
        foreach (var group in batch.GroupBy(p => CheckLogKeys.OperatorIndex(p.Check.OperatorId)).Concat(batch.GroupBy(p => CheckLogKeys.AgencyIndex(p.Check.Agency))))
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
}
