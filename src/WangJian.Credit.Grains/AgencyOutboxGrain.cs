using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
/// keeps delivery alive across deactivation and restarts while anything is pending.
/// </summary>
public sealed class AgencyOutboxGrain(
    [PersistentState("agency-outbox", StorageNames.Credit)] IPersistentState<AgencyOutboxState> state,
    INoticeStore store,
    INoticePusher pusher,
    CreditClock clock,
    IOptions<DeliveryOptions> options,
    ILogger<AgencyOutboxGrain> logger) : Grain, IAgencyOutboxGrain, IRemindable
{
    private const string DeliveryReminder = "deliver";
    private bool delivering;
    private IGrainTimer? timer;

    private string Agency => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Schedule(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public async Task<long> EnqueueAsync(Notice notice)
    {
        var (sequence, added) = await store.AppendAsync(Agency, notice);
        if (added)
        {
            CreditMetrics.Enqueued(Agency, pusher.HasEndpoint(Agency));
        }

        if (pusher.HasEndpoint(Agency))
        {
            // Survives deactivation and restarts; unregistered once everything is delivered.
            await this.RegisterOrUpdateReminder(DeliveryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            Schedule(TimeSpan.Zero);
        }

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
        Schedule(TimeSpan.Zero);
        var updated = (await store.GetAsync(Agency, [noticeId]))[0];
        return new AcknowledgeOutcome(updated, null);
    }

    public Task WakeAsync()
    {
        Schedule(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Schedule(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    private void Schedule(TimeSpan due)
    {
        if (delivering)
        {
            return;
        }

        timer?.Dispose();

        // Interleaving: a slow or dead receiver must not hold up enqueues, listing and acknowledgements.
        // The loop is the only writer of the cursor and of delivery status, and `delivering` keeps it single.
        timer = this.RegisterGrainTimer(DeliverAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    private async Task DeliverAsync(CancellationToken cancellationToken)
    {
        if (delivering)
        {
            return;
        }

        delivering = true;
        TimeSpan? retryIn = null;
        try
        {
            retryIn = await DeliverPendingAsync(cancellationToken);
        }
        catch (Exception e)
        {
            // The store itself failed: try again soon; nothing was lost, the cursor did not move.
            logger.LogWarning(e, "Notice delivery to {Agency} interrupted", Agency);
            retryIn = TimeSpan.FromMilliseconds(options.Value.FirstBackoffMs);
        }
        finally
        {
            delivering = false;
        }

        if (retryIn is { } wait)
        {
            Schedule(wait);
        }
    }

    /// <summary>Delivers in order until nothing is pending or the head notice fails; returns when to try again.</summary>
    private async Task<TimeSpan?> DeliverPendingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var next = await store.ReadAsync(Agency, state.State.DeliveredThrough, 1);
            if (next.Count == 0)
            {
                if (await this.GetReminder(DeliveryReminder) is { } reminder)
                {
                    await this.UnregisterReminder(reminder);
                }

                return null;
            }

            var head = next[0];
            if (head.Status.State is NoticeState.Delivered or NoticeState.Acknowledged || !pusher.HasEndpoint(Agency))
            {
                if (!pusher.HasEndpoint(Agency) && head.Status.State is NoticeState.Pending or NoticeState.Failing)
                {
                    // A pull agency: nothing to push; the agency lists and acknowledges.
                    return null;
                }

                state.State.DeliveredThrough = head.Sequence;
                await state.WriteStateAsync();
                continue;
            }

            var now = clock.UtcNow;
            if (head.Status.NextAttemptAt is { } at && at > now)
            {
                return at - now;
            }

            try
            {
                await pusher.PushAsync(Agency, head, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var attempts = head.Status.Attempts + 1;
                var backoff = Backoff(attempts);
                var failing = head.Status with
                {
                    State = NoticeState.Failing,
                    Attempts = attempts,
                    LastError = Describe(e),
                    NextAttemptAt = clock.UtcNow + backoff,
                };
                await store.SetDeliveryAsync(Agency, head.Sequence, failing);
                CreditMetrics.DeliveryFailed(Agency, head.Status.State != NoticeState.Failing);
                logger.LogWarning("Notice {Notice} to {Agency} failed (attempt {Attempts}): {Error}; next in {Backoff}", head.Notice.NoticeId, Agency, attempts, failing.LastError, backoff);
                return backoff;
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
            CreditMetrics.Delivered(Agency, head.Status.State == NoticeState.Failing);
            state.State.DeliveredThrough = head.Sequence;
            await state.WriteStateAsync();
        }
    }

    private TimeSpan Backoff(int attempts)
    {
        var o = options.Value;
        var exponential = o.FirstBackoffMs * Math.Pow(2, Math.Min(attempts - 1, 20));
        var jittered = exponential * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(o.MaxBackoffMs, jittered));
    }

    private static string Describe(Exception e)
    {
        var message = e.Message.Length > 300 ? e.Message[..300] : e.Message;
        return $"{e.GetType().Name}: {message}";
    }
}
