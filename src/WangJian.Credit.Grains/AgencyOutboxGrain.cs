using Microsoft.Extensions.Logging;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>The persisted cursor of an agency's push delivery.</summary>
[GenerateSerializer, Alias("wj.AgencyOutboxState")]
public sealed class AgencyOutboxState
{
    /// <summary>Every notice up to this sequence has been delivered (or acknowledged by pull).</summary>
    [Id(0)]
    public long DeliveredThrough { get; set; }
}

/// <summary>
/// One agency's outbox. Notices live in the store (<see cref="INoticeStore"/>), in arrival order; this
/// grain is the single deliverer for its agency, so delivery is in order: notice n+1 is pushed only
/// after n was accepted. Pushes are at least once (the receiver de-duplicates by notice id). A reminder
/// keeps delivery alive across deactivation and restarts while anything is pending. Kept active (one
/// activation per agency): it also publishes the agency's pending and failing gauges.
/// </summary>
/// <remarks>
/// The delivery loop interleaves with calls, so that a slow or dead receiver never holds up enqueues,
/// listing and acknowledgements. Every call that may add work raises <c>wakeRequested</c>; the loop clears
/// it before each round and stops only if it is still clear after the round (and, going idle, after
/// dropping the reminder). An enqueue that lands after the loop's last read therefore either finds the
/// loop stopped and starts it, or makes the running loop read again; it never falls between the two.
/// </remarks>
[KeepAlive]
public sealed class AgencyOutboxGrain(
    [PersistentState("agency-outbox", StorageNames.Credit)] IPersistentState<AgencyOutboxState> state,
    INoticeStore store,
    INoticePusher pusher,
    CreditClock clock,
    DeliveryBackoff backoff,
    ILogger<AgencyOutboxGrain> logger) : Grain, IAgencyOutboxGrain, IRemindable
{
    private const string DeliveryReminder = "deliver";
    private const int CountPage = 500;

    // Reminder registration (enqueue) and removal (loop going idle) never overlap: an overlap lost the
    // enqueue's reminder, or failed the removal on a changed ETag.
    private readonly SemaphoreSlim reminderGate = new(1, 1);

    // Notices after the cursor that need nothing more (acknowledged, or delivered ahead of it), for the
    // pending gauge; a set, so that an acknowledgement racing a delivery is not counted twice.
    private readonly HashSet<long> doneAhead = [];

    private bool running;
    private bool wakeRequested;
    private bool? reminderSet;
    private IGrainTimer? timer;
    private ITimer? retryTimer;
    private long lastSequence;
    private bool counted;
    private bool headFailing;

    private string Agency => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        CreditMetrics.OutboxActive(Agency);
        Wake();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Another activation (here or on another silo) reports from now on.
        CreditMetrics.OutboxInactive(Agency);
        retryTimer?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<long> EnqueueAsync(Notice notice)
    {
        var (sequence, added) = await store.AppendAsync(Agency, notice);
        if (added)
        {
            CreditMetrics.Enqueued(Agency);
            lastSequence = Math.Max(lastSequence, sequence);
            Publish();
        }

        if (pusher.HasEndpoint(Agency))
        {
            // Registered before the call returns: the operator forgets the notice once it is handed over.
            await KeepReminderAsync();
        }

        Wake();
        return sequence;
    }

    public Task<IReadOnlyList<StoredNotice>> ListAsync(long after, int max) => store.ReadAsync(Agency, after, max);

    public Task<IReadOnlyList<StoredNotice>> GetAsync(IReadOnlyList<string> noticeIds) => store.GetAsync(Agency, noticeIds);

    public async Task<AcknowledgeOutcome> AcknowledgeAsync(string noticeId, string by, string actionTaken)
    {
        var found = (await store.GetAsync(Agency, [noticeId])).FirstOrDefault();
        if (found is null)
        {
            return new AcknowledgeOutcome(null, new CommandError(CommandErrorKind.NotFound, $"agency {Agency} has no notice {noticeId}"));
        }

        if (found.Status.AcknowledgedAt is not null)
        {
            // Repeating the same acknowledgement is a retry, not a conflict.
            return found.Status.ActionTaken == actionTaken
                ? new AcknowledgeOutcome(found, null)
                : new AcknowledgeOutcome(found, new CommandError(CommandErrorKind.FailedPrecondition, $"notice {noticeId} was already acknowledged at {found.Status.AcknowledgedAt:O} with another action"));
        }

        var now = clock.UtcNow;
        await store.SetAcknowledgementAsync(Agency, found.Sequence, now, by, actionTaken);
        if (found.Status.State is NoticeState.Pending or NoticeState.Failing && found.Sequence > state.State.DeliveredThrough)
        {
            doneAhead.Add(found.Sequence);
            Publish();
        }

        Wake();
        var updated = (await store.GetAsync(Agency, [noticeId]))[0];
        return new AcknowledgeOutcome(updated, null);
    }

    public Task WakeAsync()
    {
        Wake();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Wake();
        return Task.CompletedTask;
    }

    /// <summary>There may be new work: start the loop, or make the running one read again before it stops.</summary>
    private void Wake()
    {
        wakeRequested = true;
        if (running)
        {
            return;
        }

        running = true;
        retryTimer?.Dispose();
        retryTimer = null;
        timer?.Dispose();
        // The loop is the only writer of the cursor and of delivery status, and `running` keeps it single.
        timer = this.RegisterGrainTimer(RunAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? retryAt = null;
        try
        {
            // Another round when something came in during this one; otherwise stop (idle, or until retryAt).
            do
            {
                wakeRequested = false;
                try
                {
                    if (!counted)
                    {
                        await CountAsync();
                    }

                    retryAt = await DeliverPendingAsync(cancellationToken);
                    if (retryAt is null && !wakeRequested && await GoIdleAsync())
                    {
                        return;
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // The store itself failed: try again soon; nothing was lost, the cursor did not move.
                    logger.LogWarning(e, "Notice delivery to {Agency} interrupted", Agency);
                    retryAt = clock.UtcNow + backoff.First;
                }
            }
            while (wakeRequested && !cancellationToken.IsCancellationRequested);
        }
        finally
        {
            running = false;
        }

        if (retryAt is { } at && !cancellationToken.IsCancellationRequested)
        {
            RetryAt(at);
        }
    }

    /// <summary>
    /// Wakes the loop at <paramref name="at"/> on the credit clock (tests move it). A timer of that
    /// clock calling the grain, not a wait inside the loop: a running loop would hold up deactivation.
    /// </summary>
    /// <remarks>
    /// An instant, not a delay: the failure's next attempt is stored (and visible) before the loop ends and
    /// sets this timer, so a delay counted from here would start late by however long that took.
    /// </remarks>
    private void RetryAt(DateTimeOffset at)
    {
        var wait = at - clock.UtcNow;
        if (wait < TimeSpan.Zero)
        {
            wait = TimeSpan.Zero;
        }

        retryTimer?.Dispose();
        var self = this.AsReference<IAgencyOutboxGrain>();
        using (ExecutionContext.SuppressFlow())
        {
            retryTimer = clock.Time.CreateTimer(
                _ => self.WakeAsync().ContinueWith(t => logger.LogDebug(t.Exception, "Waking the outbox of {Agency} failed; its reminder will", Agency), TaskContinuationOptions.OnlyOnFaulted),
                null,
                wait,
                Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Nothing pending at the last read: drops the reminder and reports whether the loop may stop.</summary>
    private async Task<bool> GoIdleAsync()
    {
        await reminderGate.WaitAsync();
        try
        {
            if (wakeRequested)
            {
                return false;
            }

            if (reminderSet != false)
            {
                if (await this.GetReminder(DeliveryReminder) is { } reminder)
                {
                    await this.UnregisterReminder(reminder);
                }

                reminderSet = false;
            }
        }
        finally
        {
            reminderGate.Release();
        }

        // A wake during the removal means an enqueue after the last read: read again (it has registered
        // its reminder once the gate was free).
        return !wakeRequested;
    }

    private async Task KeepReminderAsync()
    {
        await reminderGate.WaitAsync();
        try
        {
            if (reminderSet != true)
            {
                // Survives deactivation and restarts; removed once everything is delivered.
                await this.RegisterOrUpdateReminder(DeliveryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
                reminderSet = true;
            }
        }
        finally
        {
            reminderGate.Release();
        }
    }

    /// <summary>Once per activation: the log's end and what after the cursor needs nothing more, for the gauges.</summary>
    private async Task CountAsync()
    {
        var after = state.State.DeliveredThrough;
        doneAhead.Clear();
        while (true)
        {
            var page = await store.ReadAsync(Agency, after, CountPage);
            foreach (var n in page)
            {
                if (n.Status.State is NoticeState.Delivered or NoticeState.Acknowledged)
                {
                    doneAhead.Add(n.Sequence);
                }
            }

            if (page.Count > 0)
            {
                after = page[^1].Sequence;
            }

            if (page.Count < CountPage)
            {
                break;
            }
        }

        lastSequence = Math.Max(lastSequence, after);
        counted = true;
        Publish();
    }

    private void Publish()
    {
        if (counted)
        {
            CreditMetrics.Outbox(Agency, lastSequence - state.State.DeliveredThrough - doneAhead.Count, headFailing);
        }
    }

    private async Task AdvanceAsync(long sequence)
    {
        state.State.DeliveredThrough = sequence;
        await state.WriteStateAsync();
        doneAhead.RemoveWhere(s => s <= sequence);
        headFailing = false;
        Publish();
    }

    /// <summary>Delivers in order until nothing is pending or the head notice fails; returns when to try again.</summary>
    private async Task<DateTimeOffset?> DeliverPendingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = await store.ReadAsync(Agency, state.State.DeliveredThrough, 1);
            if (next.Count == 0)
            {
                return null;
            }

            var head = next[0];
            if (head.Status.State is NoticeState.Delivered or NoticeState.Acknowledged)
            {
                await AdvanceAsync(head.Sequence);
                continue;
            }

            if (!pusher.HasEndpoint(Agency))
            {
                // A pull agency: nothing to push; the agency lists and acknowledges.
                return null;
            }

            var now = clock.UtcNow;
            if (head.Status.NextAttemptAt is { } at && at > now)
            {
                return at;
            }

            try
            {
                await pusher.PushAsync(Agency, head, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var attempts = head.Status.Attempts + 1;
                var wait = backoff.After(attempts);
                if (e is NoticeDeferredException deferred && deferred.RetryAfter < wait)
                {
                    // Refused by the open circuit: try again as soon as it lets a trial through.
                    wait = deferred.RetryAfter;
                }

                var failing = head.Status with
                {
                    State = NoticeState.Failing,
                    Attempts = attempts,
                    LastError = Describe(e),
                    NextAttemptAt = clock.UtcNow + wait,
                };
                await store.SetDeliveryAsync(Agency, head.Sequence, failing);
                CreditMetrics.DeliveryFailed(Agency);
                MarkFailing();
                logger.LogWarning("Notice {Notice} to {Agency} failed (attempt {Attempts}): {Error}; next in {Backoff}", head.Notice.NoticeId, Agency, attempts, failing.LastError, wait);
                return failing.NextAttemptAt;
            }

            var delivered = head.Status with
            {
                State = NoticeState.Delivered,
                Attempts = head.Status.Attempts + 1,
                LastError = null,
                NextAttemptAt = null,
                DeliveredAt = clock.UtcNow,
            };
            await store.SetDeliveryAsync(Agency, head.Sequence, delivered);
            CreditMetrics.Delivered(Agency);
            await AdvanceAsync(head.Sequence);
        }
    }

    private void MarkFailing()
    {
        headFailing = true;
        Publish();
    }

    private static string Describe(Exception e)
    {
        var message = e.Message.Length > 300 ? e.Message[..300] : e.Message;
        return $"{e.GetType().Name}: {message}";
    }
}
