using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

/// <summary>
/// The agency outbox's delivery loop under forced interleavings: an enqueue that lands after the loop's
/// last read is still delivered, and the reminder that keeps delivery alive is never lost to the loop
/// going idle. Each test uses its own outbox key, so tests on the one cluster stay apart.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AgencyOutboxTests(OutboxClusterFixture fixture) : IClassFixture<OutboxClusterFixture>
{
    // Only an upper bound for a push that is already due: the loop starts it at once, so a correct
    // outbox meets it in milliseconds; a stranded notice would wait for the 1-minute reminder.
    private static readonly TimeSpan Due = TimeSpan.FromSeconds(10);

    private static int counter;

    private static string FreshOutbox() => $"T{Interlocked.Increment(ref counter)}-{Guid.NewGuid():N}"[..12];

    private Notice NewNotice(string agency) => new(
        $"ntc-{Guid.NewGuid():N}",
        "case-test",
        agency,
        NoticeKind.Impose,
        TestData.FreshUscc(),
        "TEST_MEASURE",
        "test",
        [],
        "test basis",
        fixture.Time.GetUtcNow(),
        null,
        fixture.Time.GetUtcNow(),
        null);

    private async Task<StoredNotice> NextPush(string agency)
    {
        using var timeout = new CancellationTokenSource(Due);
        try
        {
            return await fixture.Pusher.Pushed(agency).ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no push to {agency} within {Due.TotalSeconds} s; log: " +
                string.Join(", ", fixture.Store.Log(agency).Select(n => $"{n.Sequence}:{n.Status.State}/{n.Status.Attempts}")));
        }
    }

    private async Task<ReminderEntry?> Reminder(string agency)
    {
        var table = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var id = ((GrainReference)fixture.Grains.GetGrain<IAgencyOutboxGrain>(agency)).GrainId;
        return await table.ReadRow(id, "deliver");
    }

    [Fact]
    public async Task Enqueue_AfterTheLoopsLastEmptyRead_IsStillDelivered()
    {
        var agency = FreshOutbox();
        var outbox = fixture.Grains.GetGrain<IAgencyOutboxGrain>(agency);

        // The loop delivers the first notice, reads the log again, finds nothing, and is held right there.
        var hold = fixture.Store.HoldNextEmptyRead(agency);
        var first = NewNotice(agency);
        await outbox.EnqueueAsync(first);
        Assert.Equal(first.NoticeId, (await NextPush(agency)).Notice.NoticeId);
        await hold.Reached.Task.WaitAsync(Due);

        // The enqueue lands between that read and the loop going idle.
        var second = NewNotice(agency);
        await outbox.EnqueueAsync(second);
        hold.Release();

        Assert.Equal(second.NoticeId, (await NextPush(agency)).Notice.NoticeId);
        Assert.Equal(NoticeState.Delivered, (await outbox.GetAsync([second.NoticeId])).Single().Status.State);
    }

    [Fact]
    public async Task Enqueue_WhileTheLoopGoesIdle_KeepsTheReminderUntilDelivered()
    {
        var agency = FreshOutbox();
        var outbox = fixture.Grains.GetGrain<IAgencyOutboxGrain>(agency);

        // The receiver refuses: the second notice is still pending when the race is over, so only the
        // reminder (and the loop's own backoff) keep it from being stranded after a deactivation.
        var hold = fixture.Store.HoldNextEmptyRead(agency);
        await outbox.EnqueueAsync(NewNotice(agency));
        await NextPush(agency);
        await hold.Reached.Task.WaitAsync(Due);

        fixture.Pusher.Answer[agency] = _ => throw new InvalidOperationException("receiver down");
        var second = NewNotice(agency);
        await outbox.EnqueueAsync(second);
        hold.Release();

        var attempt = await NextPush(agency);
        Assert.Equal(second.NoticeId, attempt.Notice.NoticeId);
        Assert.NotNull(await Reminder(agency));
    }

    [Fact]
    public async Task FailedPush_RetriedWhenTheInjectedClockReachesTheBackoff()
    {
        var agency = FreshOutbox();
        var outbox = fixture.Grains.GetGrain<IAgencyOutboxGrain>(agency);
        var refusals = 2;
        fixture.Pusher.Answer[agency] = _ => Interlocked.Decrement(ref refusals) >= 0 ? throw new InvalidOperationException("refused") : Task.CompletedTask;

        var notice = NewNotice(agency);
        await outbox.EnqueueAsync(notice);
        await NextPush(agency);
        var failed = await StatusWhen(agency, notice, s => s.Attempts == 1);
        // First backoff 60 s, jitter factor 1: exactly a minute of the injected clock.
        Assert.Equal(NoticeState.Failing, failed.State);
        Assert.Equal(fixture.Time.GetUtcNow() + TimeSpan.FromMinutes(1), failed.NextAttemptAt);
        Assert.False(fixture.Pusher.Pushed(agency).TryRead(out _), "no retry before the clock moves");

        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        await NextPush(agency);
        var again = await StatusWhen(agency, notice, s => s.Attempts == 2);
        Assert.Equal(fixture.Time.GetUtcNow() + TimeSpan.FromMinutes(2), again.NextAttemptAt);

        fixture.Time.Advance(TimeSpan.FromMinutes(2));
        await NextPush(agency);
        var delivered = await StatusWhen(agency, notice, s => s.State == NoticeState.Delivered);
        Assert.Equal(3, delivered.Attempts);
    }

    [Fact]
    public async Task FailingHead_AcknowledgedByPull_NextNoticeDeliveredWithoutWaiting()
    {
        var agency = FreshOutbox();
        var outbox = fixture.Grains.GetGrain<IAgencyOutboxGrain>(agency);
        var head = NewNotice(agency);
        fixture.Pusher.Answer[agency] = n => n.Notice.NoticeId == head.NoticeId ? throw new InvalidOperationException("refused") : Task.CompletedTask;
        await outbox.EnqueueAsync(head);
        var next = NewNotice(agency);
        await outbox.EnqueueAsync(next);
        await StatusWhen(agency, head, s => s.State == NoticeState.Failing);

        // The agency took the notice by pull: the loop's wait ends and the one behind it goes out.
        Assert.Null((await outbox.AcknowledgeAsync(head.NoticeId, "agency", "applied")).Error);

        var pushes = new List<string>();
        while (!pushes.Contains(next.NoticeId))
        {
            pushes.Add((await NextPush(agency)).Notice.NoticeId);
        }

        await StatusWhen(agency, next, s => s.State == NoticeState.Delivered);
    }

    [Fact]
    public async Task Gauges_PendingAndFailingFollowTheLog()
    {
        var agency = FreshOutbox();
        var outbox = fixture.Grains.GetGrain<IAgencyOutboxGrain>(agency);
        using var gauges = new GaugeReader(agency);
        var refusing = true;
        fixture.Pusher.Answer[agency] = _ => refusing ? throw new InvalidOperationException("down") : Task.CompletedTask;
        var notices = Enumerable.Range(0, 3).Select(_ => NewNotice(agency)).ToArray();
        foreach (var n in notices)
        {
            await outbox.EnqueueAsync(n);
        }

        await StatusWhen(agency, notices[0], s => s.State == NoticeState.Failing);
        Assert.Equal((3, 1), await gauges.When((3, 1)));

        refusing = false;
        fixture.Time.Advance(TimeSpan.FromMinutes(1));
        await StatusWhen(agency, notices[2], s => s.State == NoticeState.Delivered);
        Assert.Equal((0, 0), await gauges.When((0, 0)));
    }

    private async Task<NoticeStatus> StatusWhen(string agency, Notice notice, Func<NoticeStatus, bool> done)
    {
        using var timeout = new CancellationTokenSource(Due);
        while (true)
        {
            // Taken before looking, so a change between the look and the wait is not missed.
            var changed = fixture.Store.NextChange(agency);
            var status = fixture.Store.Log(agency).Single(n => n.Notice.NoticeId == notice.NoticeId).Status;
            if (done(status))
            {
                return status;
            }

            await changed.WaitAsync(timeout.Token);
        }
    }

    /// <summary>Reads the outbox gauges of one agency as an exporter would.</summary>
    private sealed class GaugeReader : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener listener = new();
        private long pending = -1;
        private long failing = -1;

        public GaugeReader(string agency)
        {
            listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == CreditMetrics.MeterName && i.Name is "wjcredit.notices.pending" or "wjcredit.notices.failing")
                {
                    l.EnableMeasurementEvents(i);
                }
            };
            listener.SetMeasurementEventCallback<long>((i, value, tags, _) =>
            {
                foreach (var t in tags)
                {
                    if (t.Key == "agency" && (string?)t.Value == agency)
                    {
                        if (i.Name == "wjcredit.notices.pending")
                        {
                            pending = value;
                        }
                        else
                        {
                            failing = value;
                        }
                    }
                }
            });
            listener.Start();
        }

        /// <summary>The gauges once they read <paramref name="expected"/> (the grain reports just after its store write), or as they last read.</summary>
        public async Task<(long Pending, long Failing)> When((long Pending, long Failing) expected)
        {
            for (var i = 0; i < 500; i++)
            {
                listener.RecordObservableInstruments();
                if ((pending, failing) == expected)
                {
                    break;
                }

                await Task.Delay(10);
            }

            return (pending, failing);
        }

        public void Dispose() => listener.Dispose();
    }
}
