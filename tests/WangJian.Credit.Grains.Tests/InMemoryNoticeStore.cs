using System.Collections.Concurrent;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

/// <summary>The notice store's contract in memory: idempotent append, gap-free sequences per agency.</summary>
public sealed class InMemoryNoticeStore : INoticeStore
{
    private readonly ConcurrentDictionary<string, List<StoredNotice>> logs = new();
    private readonly ConcurrentDictionary<string, bool> pending = new();

    public IReadOnlyList<StoredNotice> Log(string agency)
    {
        var log = logs.GetOrAdd(agency, _ => []);
        lock (log)
        {
            return log.ToArray();
        }
    }

    public Task<(long Sequence, bool Added)> AppendAsync(string agency, Notice notice)
    {
        var log = logs.GetOrAdd(agency, _ => []);
        lock (log)
        {
            var existing = log.FirstOrDefault(n => n.Notice.NoticeId == notice.NoticeId);
            if (existing is not null)
            {
                return Task.FromResult((existing.Sequence, false));
            }

            log.Add(new StoredNotice(log.Count + 1, notice, NoticeStatus.New));
            return Task.FromResult(((long)log.Count, true));
        }
    }

    public Task<IReadOnlyList<StoredNotice>> ReadAsync(string agency, long after, int max)
    {
        var log = Log(agency);
        return Task.FromResult<IReadOnlyList<StoredNotice>>(log.Skip((int)after).Take(max).ToArray());
    }

    public Task<IReadOnlyList<StoredNotice>> GetAsync(string agency, IReadOnlyList<string> noticeIds) =>
        Task.FromResult<IReadOnlyList<StoredNotice>>(Log(agency).Where(n => noticeIds.Contains(n.Notice.NoticeId)).ToArray());

    public Task SetDeliveryAsync(string agency, long sequence, NoticeStatus delivery) =>
        Update(agency, sequence, s => delivery with { AcknowledgedAt = s.AcknowledgedAt, AcknowledgedBy = s.AcknowledgedBy, ActionTaken = s.ActionTaken, State = s.AcknowledgedAt is null ? delivery.State : NoticeState.Acknowledged });

    public Task SetAcknowledgementAsync(string agency, long sequence, DateTimeOffset at, string by, string action) =>
        Update(agency, sequence, s => s with { State = NoticeState.Acknowledged, AcknowledgedAt = at, AcknowledgedBy = by, ActionTaken = action });

    public Task ClearPendingAsync(string operatorId)
    {
        pending.TryRemove(operatorId, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> PendingOperatorsAsync() => Task.FromResult<IReadOnlyList<string>>(pending.Keys.ToArray());

    private Task Update(string agency, long sequence, Func<NoticeStatus, NoticeStatus> change)
    {
        var log = logs.GetOrAdd(agency, _ => []);
        lock (log)
        {
            var i = (int)sequence - 1;
            log[i] = log[i] with { Status = change(log[i].Status) };
        }

        return Task.CompletedTask;
    }
}

/// <summary>No agency has a receiver in grain tests: every agency pulls.</summary>
public sealed class PullOnlyPusher : INoticePusher
{
    public bool HasEndpoint(string agency) => false;

    public Task PushAsync(string agency, StoredNotice notice, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("no endpoints in grain tests");
}
