using Microsoft.Extensions.Logging;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules;

namespace WangJian.Credit.Grains;

/// <summary>
/// One operator. Owns its history (Orleans gives one activation per USCC, so idempotency and ordering
/// need no locks), scores it with the injected scorer, keeps a reminder for the next instant at which
/// its assessment changes by itself, and announces every grade or listing change exactly once.
/// </summary>
public sealed class OperatorGrain(
    [PersistentState("operator", StorageNames.Credit)] IPersistentState<OperatorState> state,
    ICreditScorer scorer,
    CreditPolicy policy,
    CreditClock clock,
    ICreditChangeLog changeLog,
    INoticeStore notices,
    ILogger<OperatorGrain> logger) : Grain, IOperatorGrain, IRemindable
{
    public const string NextChangeReminder = "next-change";

    // Reminders fire on the silo's wall clock; a very long due time is capped and simply re-armed.
    internal static readonly TimeSpan MaxReminderDue = TimeSpan.FromDays(30);
    internal static readonly TimeSpan ReminderPeriod = TimeSpan.FromDays(1);
    private static readonly TimeSpan OutboxRetry = TimeSpan.FromSeconds(5);

    private Assessment? cached;
    private IGrainTimer? outboxTimer;
    private IGrainTimer? noticeTimer;

    private string OperatorId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Violations.Count == 0 && state.State.ListingRepairs.Count == 0)
        {
            return;
        }

        // Time may have passed while no activation existed (or a crash hit between a write and its
        // announcement): catch up, re-derive the reminder, and finish publishing.
        await ReassessAsync(ChangeCause.Time);
    }

    public async Task<RecordOutcome> RecordViolationAsync(ViolationDraft draft, string recordedBy) =>
        (await RecordViolationsAsync([draft], recordedBy))[0];

    public async Task<IReadOnlyList<RecordOutcome>> RecordViolationsAsync(IReadOnlyList<ViolationDraft> drafts, string recordedBy)
    {
        var now = clock.UtcNow;
        // Per draft: the violation it is (new or already recorded), whether it is new, or why it is refused.
        var results = new (Violation Violation, bool Created, CommandError? Error)[drafts.Count];
        var added = new List<Violation>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var candidate = drafts[i].ToViolation(recordedBy, now);
            var existing = state.State.Violations.Find(v => v.Id == candidate.Id) ?? added.Find(v => v.Id == candidate.Id);
            if (existing is null)
            {
                added.Add(candidate);
                results[i] = (candidate, true, null);
            }
            else if (existing.SameContentAs(candidate))
            {
                results[i] = (existing, false, null);
            }
            else
            {
                results[i] = (existing, false, new CommandError(
                    CommandErrorKind.AlreadyExists,
                    $"decision {candidate.DecisionNumber} of authority {candidate.AuthorityCode} is already recorded as {existing.Id} with different content"));
            }
        }

        var assessment = added.Count == 0 ? Current() : await CommitAsync(s => s.Violations.AddRange(added), ChangeCause.Recorded);
        foreach (var v in added)
        {
            CreditMetrics.Recorded(policy.Offenses.TryGetValue(v.OffenseCode, out var offense) ? offense.Family : "UNKNOWN");
            logger.LogDebug("Recorded {ViolationId} {Offense} for {Operator}", v.Id, v.OffenseCode, OperatorId);
        }

        return results.Select(r => new RecordOutcome(r.Violation, r.Created, r.Error is null ? assessment : null, r.Error)).ToArray();
    }

    public Task<Assessment> GetAssessmentAsync(DateTimeOffset? asOf) =>
        Task.FromResult(asOf is { } t ? scorer.Assess(History(), policy, t) : Current());

    public async Task<CommandOutcome> RevokeViolationAsync(string violationId, string reason, string by, SecondPerson? approval)
    {
        var index = state.State.Violations.FindIndex(v => v.Id == violationId);
        if (index < 0)
        {
            return CommandOutcome.Fail(CommandErrorKind.NotFound, $"operator {OperatorId} has no violation {violationId}");
        }

        var v = state.State.Violations[index];
        if (approval is not null && v.Changes.Count > 0 && v.Changes[^1].Approval?.ApprovalId == approval.ApprovalId)
        {
            // The approval was applied before (a decision finished again after a crash): applied once.
            return new CommandOutcome(v, Current(), null);
        }

        if (v.Status != ViolationStatus.Active)
        {
            return CommandOutcome.Fail(CommandErrorKind.FailedPrecondition, $"violation {violationId} is {v.Status.ToString().ToUpperInvariant()}; only an ACTIVE violation can be revoked");
        }

        var now = clock.UtcNow;
        var revoked = v with { Changes = [.. v.Changes, new StatusChange(ViolationStatus.Revoked, now, by, reason, now, approval)] };
        var assessment = await CommitAsync(s => s.Violations[index] = revoked, ChangeCause.Revoked);
        return new CommandOutcome(revoked, assessment, null);
    }

    public async Task<CommandOutcome> RepairViolationAsync(string violationId, DateTimeOffset? effectiveAt, string reason, string by)
    {
        var index = state.State.Violations.FindIndex(v => v.Id == violationId);
        if (index < 0)
        {
            return CommandOutcome.Fail(CommandErrorKind.NotFound, $"operator {OperatorId} has no violation {violationId}");
        }

        var now = clock.UtcNow;
        var at = effectiveAt ?? now;
        var v = state.State.Violations[index];
        var check = RepairEligibility.CheckViolationRepair(v, policy, scorer.Assess(History(), policy, at));
        if (!check.Allowed)
        {
            return CommandOutcome.Fail(
                CommandErrorKind.FailedPrecondition,
                check.Reason,
                check.Block is RepairBlock.TooEarly or RepairBlock.BehindListing ? check.EarliestAt : null);
        }

        var repaired = v with { Changes = [.. v.Changes, new StatusChange(ViolationStatus.Repaired, at, by, reason, now)] };
        var assessment = await CommitAsync(s => s.Violations[index] = repaired, ChangeCause.Repaired);
        return new CommandOutcome(repaired, assessment, null);
    }

    public async Task<CommandOutcome> RepairListingAsync(DateTimeOffset? effectiveAt, string reason, string by, SecondPerson? approval)
    {
        if (approval is not null && state.State.ListingRepairs.Exists(r => r.Approval?.ApprovalId == approval.ApprovalId))
        {
            return new CommandOutcome(null, Current(), null);
        }

        var now = clock.UtcNow;
        var at = effectiveAt ?? now;
        var check = RepairEligibility.CheckListingRepair(policy, scorer.Assess(History(), policy, at));
        if (!check.Allowed)
        {
            return CommandOutcome.Fail(CommandErrorKind.FailedPrecondition, check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
        }

        var assessment = await CommitAsync(s => s.ListingRepairs.Add(new ListingRepair(at, by, reason, now, approval)), ChangeCause.Repaired);
        return new CommandOutcome(null, assessment, null);
    }

    public Task<OperatorHistory> GetHistoryAsync() => Task.FromResult(History());

    public Task<OperatorStatus> GetStatusAsync() => Task.FromResult(new OperatorStatus(Current(), state.State.Revision));

    public async Task<CaseOutcome> OpenPunishmentCaseAsync(string by, string reason)
    {
        var assessment = Current();
        if (assessment.Listing is not { } listing)
        {
            return new CaseOutcome(null, false, new CommandError(
                CommandErrorKind.FailedPrecondition,
                $"operator {OperatorId} is not on the serious illegal and dishonest list at {assessment.AsOf:O}; a punishment case needs a listing in force"));
        }

        var open = state.State.Cases.LastOrDefault(c => c.IsOpen && c.ListedAt == listing.ListedAt);
        if (open is not null)
        {
            return new CaseOutcome(open, false, null);
        }

        var opened = PunishmentCase.Open(OperatorId, listing, policy, clock.UtcNow, by, reason);
        await CommitAsync(s => OpenCase(s, opened), ChangeCause.Recorded);
        return new CaseOutcome(opened, true, null);
    }

    public Task<IReadOnlyList<PunishmentCase>> GetPunishmentCasesAsync() =>
        Task.FromResult<IReadOnlyList<PunishmentCase>>(state.State.Cases.ToArray());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != NextChangeReminder)
        {
            return;
        }

        cached = null;
        var assessment = await ReassessAsync(ChangeCause.Time, rearm: true);
        logger.LogDebug(
            "Time-driven reassessment of {Operator}: {Grade} {Score}, listed {Listed}",
            OperatorId, assessment.Grade, assessment.Score, assessment.Blacklisted);
    }

    private OperatorHistory History() => new(OperatorId, state.State.Violations, state.State.ListingRepairs);

    /// <summary>
    /// The assessment now. Between two changes (a write, or NextChangeAt) it is constant but for AsOf,
    /// so it is computed once and reused: reads cost one NRules session per change, not per call.
    /// </summary>
    private Assessment Current()
    {
        var now = clock.UtcNow;
        if (cached is not null && (cached.NextChangeAt is null || now < cached.NextChangeAt) && now >= cached.AsOf)
        {
            return cached with { AsOf = now };
        }

        cached = scorer.Assess(History(), policy, now);
        return cached;
    }

    /// <summary>
    /// Applies a change, reassesses, and writes history, wake-up time and any grade or listing change
    /// (into the outbox) in one write. On a storage failure the change is undone, so memory never runs
    /// ahead of the store and the caller sees UNAVAILABLE. Only after the write is the change announced.
    /// </summary>
    private async Task<Assessment> CommitAsync(Action<OperatorState> change, ChangeCause cause)
    {
        var before = Snapshot();
        change(state.State);
        cached = null;
        var assessment = Current();
        state.State.NextWakeUp = assessment.NextChangeAt;
        // Only an earlier wake-up moves the reminder (a reminder write per record otherwise): a later
        // one is served by the reminder already set, which fires early, reassesses and re-arms.
        var rearm = NeedsEarlierReminder(assessment.NextChangeAt);
        if (rearm)
        {
            state.State.ReminderAt = ReminderDueAt(assessment.NextChangeAt);
        }

        Note(assessment, cause);
        try
        {
            await MarkIfNoticesAsync(before);
            state.State.Revision++;
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = before;
            cached = null;
            throw;
        }

        if (rearm)
        {
            await SetReminderAsync(assessment.NextChangeAt);
        }

        await PublishOutboxAsync();
        return assessment;
    }

    /// <summary>Reassessment with no new record: after activation or on a reminder tick.</summary>
    private async Task<Assessment> ReassessAsync(ChangeCause cause, bool rearm = false)
    {
        var assessment = Current();
        var changed = Note(assessment, cause);
        var wakeChanged = state.State.NextWakeUp != assessment.NextChangeAt;

        // Always re-arm after a tick: a capped due time, or one set for an earlier wake-up, may have fired
        // before the instant the assessment next changes.
        rearm = rearm || NeedsEarlierReminder(assessment.NextChangeAt);
        if (rearm)
        {
            await SetReminderAsync(assessment.NextChangeAt);
            state.State.ReminderAt = ReminderDueAt(assessment.NextChangeAt);
        }

        if (changed || wakeChanged)
        {
            state.State.NextWakeUp = assessment.NextChangeAt;
            await MarkIfNoticesAsync(null);
            state.State.Revision++;
            await state.WriteStateAsync();
        }

        await PublishOutboxAsync();
        return assessment;
    }

    /// <summary>Queues a change in the outbox when grade or listing moved; returns whether the state changed.</summary>
    private bool Note(Assessment assessment, ChangeCause cause)
    {
        var previous = state.State.Last ?? CreditSummary.Clean;
        var current = CreditSummary.From(assessment);
        if (state.State.Last is { } last && last.SameAs(current))
        {
            return false;
        }

        if (current.Blacklisted != previous.Blacklisted || current.ListedAt != previous.ListedAt)
        {
            FollowListing(assessment, cause);
        }

        if (current.DiffersInGradeOrListing(previous))
        {
            if (current.Grade != previous.Grade)
            {
                CreditMetrics.GradeChanged(previous.Grade, current.Grade);
            }

            if (current.Blacklisted != previous.Blacklisted)
            {
                CreditMetrics.Listing(current.Blacklisted);
            }

            state.State.ChangeCount++;
            state.State.Outbox.Add(new CreditChange(OperatorId, state.State.ChangeCount, assessment.AsOf, cause, previous, current));
        }

        state.State.Last = current;
        return true;
    }

    /// <summary>
    /// Publishes the outbox in order. Publishing is idempotent per (operator, number), so a crash between
    /// publishing and clearing only republishes. A store outage leaves the outbox for a retry timer:
    /// the command that caused the change has already succeeded.
    /// </summary>
    private async Task PublishOutboxAsync()
    {
        if (state.State.NoticeOutbox.Count > 0)
        {
            // Off the caller's path: a slow agency outbox must not slow down recording.
            noticeTimer ??= this.RegisterGrainTimer(_ => PublishNoticesAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, OutboxRetry) { KeepAlive = true });
        }

        if (state.State.Outbox.Count == 0)
        {
            return;
        }

        try
        {
            foreach (var change in state.State.Outbox)
            {
                await changeLog.PublishAsync(change);
            }

            // Cleared in memory only: the next write persists it, and until then a reactivation merely
            // republishes, which the change log ignores. Saves a store write per change.
            state.State.Outbox.Clear();
            outboxTimer?.Dispose();
            outboxTimer = null;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Publishing {Count} credit change(s) of {Operator} failed; retrying", state.State.Outbox.Count, OperatorId);
            outboxTimer ??= this.RegisterGrainTimer(_ => PublishOutboxAsync(), new GrainTimerCreationOptions(OutboxRetry, OutboxRetry) { KeepAlive = true });
        }
    }

    /// <summary>Hands queued notices to their agencies' outboxes, in order; enqueueing is idempotent per notice id.</summary>
    private async Task PublishNoticesAsync()
    {
        try
        {
            foreach (var notice in state.State.NoticeOutbox.ToArray())
            {
                await GrainFactory.GetGrain<IAgencyOutboxGrain>(notice.Agency).EnqueueAsync(notice);
                state.State.NoticeOutbox.Remove(notice);
            }

            await notices.ClearPendingAsync(OperatorId);
            noticeTimer?.Dispose();
            noticeTimer = null;
        }
        catch (Exception e)
        {
            // The timer fires again; notices already enqueued are skipped by id.
            logger.LogWarning(e, "Handing {Count} notice(s) of {Operator} to agency outboxes failed; retrying", state.State.NoticeOutbox.Count, OperatorId);
        }
    }

    /// <summary>Before a write that adds notices, note the operator as holding some (see INoticeStore).</summary>
    private async Task MarkIfNoticesAsync(OperatorState? before)
    {
        if (state.State.NoticeOutbox.Count > (before?.NoticeOutbox.Count ?? 0) || (before is null && state.State.NoticeOutbox.Count > 0))
        {
            await notices.MarkPendingAsync(OperatorId);
        }
    }

    private static void OpenCase(OperatorState s, PunishmentCase opened)
    {
        s.Cases.Add(opened);
        s.NoticeOutbox.AddRange(opened.Notices);
    }

    /// <summary>
    /// Keeps cases in step with the listing: entering the list opens a case (one IMPOSE notice per
    /// measure), leaving it lifts the open case (one LIFT notice per measure).
    /// </summary>
    private void FollowListing(Assessment assessment, ChangeCause cause)
    {
        var open = state.State.Cases.LastOrDefault(c => c.IsOpen);
        var listing = assessment.Listing;
        if (open is not null && (listing is null || listing.ListedAt != open.ListedAt))
        {
            var reason = cause switch
            {
                ChangeCause.Revoked => "the violation behind the listing was revoked",
                ChangeCause.Repaired => "credit repaired",
                _ => "the listing ended",
            };
            var lifted = open.Lift(assessment.AsOf, reason);
            state.State.Cases[state.State.Cases.IndexOf(open)] = lifted;
            state.State.NoticeOutbox.AddRange(lifted.Notices.Where(n => n.Kind == NoticeKind.Lift));
            open = null;
        }

        if (listing is not null && open is null && !state.State.Cases.Any(c => c.ListedAt == listing.ListedAt && c.IsOpen))
        {
            var rules = string.Join(", ", listing.Triggers.Select(t => t.Rule).Distinct());
            OpenCase(state.State, PunishmentCase.Open(OperatorId, listing, policy, assessment.AsOf, "system", $"listed by rule {rules}"));
        }
    }

    private OperatorState Snapshot() => new()
    {
        Violations = [.. state.State.Violations],
        ListingRepairs = [.. state.State.ListingRepairs],
        NextWakeUp = state.State.NextWakeUp,
        Last = state.State.Last,
        ChangeCount = state.State.ChangeCount,
        Outbox = [.. state.State.Outbox],
        Cases = [.. state.State.Cases],
        NoticeOutbox = [.. state.State.NoticeOutbox],
        Revision = state.State.Revision,
        ReminderAt = state.State.ReminderAt,
    };

    /// <summary>
    /// Whether the reminder must move: a wake-up due before the registered reminder, or none known. A due
    /// instant already past counts as unknown: the reminder has fired and been re-armed since (a tick
    /// updates ReminderAt in memory only, and the activation may have gone before the next write).
    /// </summary>
    private bool NeedsEarlierReminder(DateTimeOffset? next) =>
        next is { } at && (state.State.ReminderAt is not { } due || due <= clock.UtcNow || ReminderDueAt(at) < due);

    /// <summary>The instant a reminder registered now for <paramref name="next"/> fires (credit time).</summary>
    private DateTimeOffset? ReminderDueAt(DateTimeOffset? next) =>
        next is { } at ? clock.UtcNow + Clamp(at - clock.UtcNow) : null;

    private static TimeSpan Clamp(TimeSpan due) => due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxReminderDue ? MaxReminderDue : due;

    private async Task SetReminderAsync(DateTimeOffset? next)
    {
        if (next is { } at)
        {
            await this.RegisterOrUpdateReminder(NextChangeReminder, Clamp(at - clock.UtcNow), ReminderPeriod);
        }
        else if (await this.GetReminder(NextChangeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
