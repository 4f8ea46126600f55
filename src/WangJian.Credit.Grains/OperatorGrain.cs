using Microsoft.Extensions.Logging;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains.Operators;

namespace WangJian.Credit.Grains;

/// <summary>
/// One operator (Orleans gives one activation per USCC, so idempotency and ordering need no locks). A thin
/// shell around <see cref="OperatorCore"/>: load the record, let the core decide, store what changed,
/// publish the outbox, keep the reminder for the next instant the assessment changes by itself.
/// </summary>
/// <remarks>
/// A write stores only what changed (<see cref="IOperatorStore"/>): the new history entries, the changed
/// cases and the small head with its outbox, in one atomic step, before anything is announced. The one
/// outbox (credit changes for the feed, notices for agencies) is published in order before the command
/// answers, so the commit barrier covers the announcements too; a failure leaves it to a retry timer and
/// to the next activation. An operator with no record answers A / 100 and lets its activation go right
/// after a read, so reads of unknown operators leave nothing in memory.
/// </remarks>
public sealed class OperatorGrain(
    IOperatorStore store,
    ICreditScorer scorer,
    PolicyVersions versions,
    CreditClock clock,
    ICreditChangeLog changeLog,
    CurrentStatuses current,
    ILogger<OperatorGrain> logger) : Grain, IOperatorGrain, IRemindable
{
    public const string NextChangeReminder = ChangeReminder.Name;

    private readonly OperatorCore core = new(scorer);
    private UnknownRelease release = null!;
    private AnnouncementPublisher publisher = null!;
    private OperatorSnapshot state = null!;

    // Set when a write failed: the store may or may not hold it (a timeout), so the next call reloads.
    private bool stale = true;

    private OperatorContext Now => new(versions.Timeline, clock.UtcNow);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        publisher = new AnnouncementPublisher(changeLog, GrainFactory, logger, (retry, every) => this.RegisterGrainTimer(retry, new GrainTimerCreationOptions(every, every) { KeepAlive = true }));
        release = new UnknownRelease(() => state.HasRecord, () => current.ReadSinceAsked(this.GetPrimaryKeyString(), this), DeactivateOnIdle, tick => this.RegisterGrainTimer(tick, new GrainTimerCreationOptions(UnknownRelease.Linger, UnknownRelease.Linger) { KeepAlive = false }));
        if ((await LoadedAsync()).HasRecord)
        {
            // Time may have passed while no activation existed (or a crash hit between a write and its
            // announcement): catch up, re-derive the reminder, and finish publishing.
            await ApplyAsync(core.Reassess(state, ChangeCause.Time, Now), reminderFirst: true);
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Withdraw();
        return Task.CompletedTask;
    }

    public async Task<RecordOutcome> RecordViolationAsync(ViolationDraft draft, string recordedBy) =>
        (await RecordViolationsAsync([draft], recordedBy))[0];

    public async Task<IReadOnlyList<RecordOutcome>> RecordViolationsAsync(IReadOnlyList<ViolationDraft> drafts, string recordedBy)
    {
        var recorded = core.Record(await LoadedAsync(), drafts, recordedBy, Now);
        await ApplyAsync(recorded.Decision);
        return recorded.Outcomes;
    }

    public Task<Assessment> GetAssessmentAsync(DateTimeOffset? asOf) =>
        ReadAsync(s => asOf is { } t ? core.AssessAt(s, versions.Timeline, t) : Current());

    public Task<OperatorStatus> GetStatusAsync() => ReadAsync(_ => new OperatorStatus(Current(), state.Head.Revision));

    public Task<OperatorHistory> GetHistoryAsync() => ReadAsync(s => s.History.ToHistory());

    public Task<IReadOnlyList<PunishmentCase>> GetPunishmentCasesAsync() => ReadAsync<IReadOnlyList<PunishmentCase>>(s => s.Cases);

    public async Task<CommandOutcome> RevokeViolationAsync(string violationId, string reason, string by, SecondPerson? approval) =>
        Outcome(await ApplyAsync(core.Revoke(await LoadedAsync(), violationId, reason, by, approval, Now)));

    public async Task<CommandOutcome> RepairViolationAsync(string violationId, DateTimeOffset? effectiveAt, string reason, string by) =>
        Outcome(await ApplyAsync(core.RepairViolation(await LoadedAsync(), violationId, effectiveAt, reason, by, Now)));

    public async Task<CommandOutcome> RepairListingAsync(DateTimeOffset? effectiveAt, string reason, string by, SecondPerson? approval) =>
        Outcome(await ApplyAsync(core.RepairListing(await LoadedAsync(), effectiveAt, reason, by, approval, Now)));

    public async Task<CaseOutcome> OpenPunishmentCaseAsync(string by, string reason)
    {
        var d = await ApplyAsync(core.OpenCase(await LoadedAsync(), by, reason, Now));
        return new CaseOutcome(d.Case, d.CaseCreated, d.Error);
    }

    public async Task<PolicyOutcome> ApplyPolicyAsync()
    {
        await LoadedAsync();
        var at = Now;
        if (!state.HasRecord)
        {
            DeactivateOnIdle();
            return new PolicyOutcome(false, false, at.Timeline.At(at.Now).Version);
        }

        var d = await ApplyAsync(core.Reassess(state, ChangeCause.Policy, at), reminderFirst: true);
        DeactivateOnIdle();
        // Whoever announced it (this call, the activation before it, or a reminder at the effective instant).
        return new PolicyOutcome(true, state.Head.PolicyChangedUnder == d.Assessment!.PolicyVersion, d.Assessment.PolicyVersion);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == NextChangeReminder)
        {
            var d = await ApplyAsync(core.Reassess(await LoadedAsync(), ChangeCause.Time, Now, tick: true), reminderFirst: true);
            logger.LogDebug("Time-driven reassessment of {Operator}: {Grade} {Score}", state.OperatorId, d.Assessment!.Grade, d.Assessment.Score);
        }
    }

    private static CommandOutcome Outcome(OperatorDecision d) => new(d.Violation, d.Assessment, d.Error);

    /// <summary>A read; an operator with no record then lets its activation go (<see cref="UnknownRelease"/>).</summary>
    private async Task<T> ReadAsync<T>(Func<OperatorSnapshot, T> read)
    {
        var loaded = await LoadedAsync();
        release.Read(state.OperatorId);
        return read(loaded);
    }

    /// <summary>The state, loaded from the store first unless the one in memory is what the store holds.</summary>
    private async Task<OperatorSnapshot> LoadedAsync()
    {
        if (stale)
        {
            Withdraw();
            state = OperatorSnapshot.From(this.GetPrimaryKeyString(), await store.LoadAsync(this.GetPrimaryKeyString()));
            stale = false;
        }

        return state;
    }

    /// <summary>
    /// The assessment now, shared (as committed) with this silo's readers (<see cref="CurrentStatuses"/>): an
    /// operator with a record, or one without that stays active because it is asked about again and again.
    /// </summary>
    private Assessment Current()
    {
        (var assessment, state) = core.Current(state, Now);
        if (!stale && (state.HasRecord || release.Keeps) && state.Cached is { } cached && state.CachedUnder is { } under)
        {
            current.Publish(state.OperatorId, this, cached, under, state.Head.Revision);
        }

        return assessment;
    }

    private void Withdraw() => current.Withdraw(this.GetPrimaryKeyString(), this);

    /// <summary>
    /// Stores a decision (entries, changed cases, head: one atomic write), moves the reminder, and publishes.
    /// A refusal or a failed write leaves the state as it was; the caller of a failed write sees UNAVAILABLE.
    /// </summary>
    private async Task<OperatorDecision> ApplyAsync(OperatorDecision d, bool reminderFirst = false)
    {
        if (d.Error is not null)
        {
            return d;
        }

        // A tick re-arms before writing, so a failed write still leaves a reminder that fires again.
        if (d.Rearm && reminderFirst)
        {
            await ChangeReminder.SetAsync(this, d.State.Head.NextWakeUp, clock.UtcNow);
        }

        if (d.MustWrite)
        {
            // Readers of this silo must not be answered from the state this write replaces once it lands.
            Withdraw();
            var cases = d.ChangedCases.Select(i => KeyValuePair.Create(i, d.State.Cases[i])).ToArray();
            try
            {
                await store.WriteAsync(state.OperatorId, new OperatorWrite(state.Head.Revision, d.State.Head, state.Entries, d.NewEntries, cases));
            }
            catch
            {
                stale = true;
                throw;
            }
        }

        state = d.State;
        CreditMetrics.Count(d.Events, versions.At(clock.UtcNow));
        if (d.Rearm && !reminderFirst)
        {
            await ChangeReminder.SetAsync(this, d.State.Head.NextWakeUp, clock.UtcNow);
        }

        await PublishAsync();
        return d;
    }

    private async Task PublishAsync() => state = await publisher.PublishOutboxAsync(state, RetryPublishAsync);

    /// <summary>The retry timer's turn: after a failed write the record is reloaded first, so only stored announcements go out.</summary>
    private async Task RetryPublishAsync()
    {
        await LoadedAsync();
        await PublishAsync();
    }
}
