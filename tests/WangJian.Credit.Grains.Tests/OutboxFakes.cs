using System.Collections.Concurrent;
using System.Threading.Channels;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

/// <summary>
/// The in-memory notice store with a gate: <see cref="HoldNextEmptyRead"/> makes the next read of an
/// agency's log that finds nothing wait, after it has read, until the test releases it. That is the
/// delivery loop's last look before it goes idle, so a test can interleave an enqueue exactly there.
/// </summary>
public sealed class GatedNoticeStore : INoticeStore
{
    private readonly InMemoryNoticeStore inner = new();
    private readonly ConcurrentDictionary<string, ReadHold> holds = new();

    public IReadOnlyList<StoredNotice> Log(string agency) => inner.Log(agency);

    /// <summary>Reads of the agency's log so far (every read, empty or not).</summary>
    public int Reads(string agency) => reads.TryGetValue(agency, out var n) ? n : 0;

    private readonly ConcurrentDictionary<string, int> reads = new();

    private readonly ConcurrentDictionary<string, TaskCompletionSource> changes = new();

    public ReadHold HoldNextEmptyRead(string agency) => holds[agency] = new ReadHold();

    /// <summary>Completes at the agency log's next change (append, delivery status, acknowledgement): take it before looking.</summary>
    public Task NextChange(string agency) => changes.GetOrAdd(agency, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task<(long Sequence, bool Added)> AppendAsync(string agency, Notice notice)
    {
        var appended = await inner.AppendAsync(agency, notice);
        Changed(agency);
        return appended;
    }

    public async Task<IReadOnlyList<StoredNotice>> ReadAsync(string agency, long after, int max)
    {
        var found = await inner.ReadAsync(agency, after, max);
        reads.AddOrUpdate(agency, 1, (_, n) => n + 1);
        if (found.Count == 0 && holds.TryRemove(agency, out var hold))
        {
            hold.Reached.TrySetResult();
            await hold.Released.Task;
        }

        return found;
    }

    public Task<IReadOnlyList<StoredNotice>> GetAsync(string agency, IReadOnlyList<string> noticeIds) => inner.GetAsync(agency, noticeIds);

    public async Task SetDeliveryAsync(string agency, long sequence, NoticeStatus delivery)
    {
        await inner.SetDeliveryAsync(agency, sequence, delivery);
        Changed(agency);
    }

    public async Task SetAcknowledgementAsync(string agency, long sequence, DateTimeOffset at, string by, string action)
    {
        await inner.SetAcknowledgementAsync(agency, sequence, at, by, action);
        Changed(agency);
    }

    public Task ClearPendingAsync(string operatorId) => inner.ClearPendingAsync(operatorId);

    public Task<IReadOnlyList<string>> PendingOperatorsAsync() => inner.PendingOperatorsAsync();

    private void Changed(string agency)
    {
        if (changes.TryRemove(agency, out var change))
        {
            change.TrySetResult();
        }
    }

    public sealed class ReadHold
    {
        /// <summary>Completes when the held read has read an empty log and waits.</summary>
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Released { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => Released.TrySetResult();
    }
}

/// <summary>
/// Every agency has a receiver; each push is reported on <see cref="Pushed"/> and answered by
/// <see cref="Answer"/> (throw to fail). Keyed by agency so tests on one cluster stay apart.
/// </summary>
public sealed class RecordingPusher : INoticePusher
{
    private readonly ConcurrentDictionary<string, Channel<StoredNotice>> pushed = new();

    public ConcurrentDictionary<string, Func<StoredNotice, Task>> Answer { get; } = new();

    public bool HasEndpoint(string agency) => true;

    public ChannelReader<StoredNotice> Pushed(string agency) => Of(agency).Reader;

    public async Task PushAsync(string agency, StoredNotice notice, CancellationToken cancellationToken)
    {
        Of(agency).Writer.TryWrite(notice);
        if (Answer.TryGetValue(agency, out var answer))
        {
            await answer(notice);
        }
    }

    private Channel<StoredNotice> Of(string agency) => pushed.GetOrAdd(agency, _ => Channel.CreateUnbounded<StoredNotice>());
}
