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
/// <remarks>
/// A write stores only what changed (<see cref="IOperatorStore"/>): the new history entries, the changed
/// cases and the small head, in one atomic step. An operator with no record answers A / 100 and lets its
/// activation go right after a read, so reads of unknown operators leave nothing in memory.
/// </remarks>
public sealed class OperatorGrain(
    IOperatorStore store,
    ICreditScorer scorer,
    PolicyVersions versions,
    CreditClock clock,
    ICreditChangeLog changeLog,
    INoticeStore notices,
    CurrentStatuses current,
    ILogger<OperatorGrain> logger) : Grain, IOperatorGrain, IRemindable
{
    public const string NextChangeReminder = "next-change";

    // Reminders fire on the silo's wall clock; a very long due time is capped and simply re-armed.
    internal static readonly TimeSpan MaxReminderDue = TimeSpan.FromDays(30);
    internal static readonly TimeSpan ReminderPeriod = TimeSpan.FromDays(1);
    private static readonly TimeSpan OutboxRetry = TimeSpan.FromSeconds(5);

    /// <summary>How long an operator with no record stays in memory after its last read: one to two of these.</summary>
    private static readonly TimeSpan UnknownLinger = TimeSpan.FromMilliseconds(250);

    private readonly HashSet<int> changedCases = [];
    private HistoryIndex history = null!;
    private OperatorState head = new();
    private List<PunishmentCase> cases = [];
    private int entries;

    // False while memory may differ from the store (a write in progress, or one that failed): the next
    // call reloads the record instead of building on a change the store may not have.
    private bool loaded;
    private Assessment? cached;
    private PolicyTimeline? cachedUnder;
    private IGrainTimer? outboxTimer;
    private IGrainTimer? noticeTimer;
    private IGrainTimer? releaseTimer;
    private bool readSinceTick;

    private string OperatorId => this.GetPrimaryKeyString();

    private bool HasRecord => entries > 0;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await LoadAsync();
        if (!HasRecord)
        {
            return;
        }

        // Time may have passed while no activation existed (or a crash hit between a write and its
        // announcement): catch up, re-derive the reminder, and finish publishing.
        await ReassessAsync(ChangeCause.Time);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        current.Withdraw(OperatorId, this);
        return Task.CompletedTask;
    }

    public async Task<RecordOutcome> RecordViolationAsync(ViolationDraft draft, string recordedBy) =>
        (await RecordViolationsAsync([draft], recordedBy))[0];

    public async Task<IReadOnlyList<RecordOutcome>> RecordViolationsAsync(IReadOnlyList<ViolationDraft> drafts, string recordedBy)
    {
        await EnsureLoadedAsync();
        var now = clock.UtcNow;
        // Per draft: the violation it is (new or already recorded), whether it is new, or why it is refused.
        var results = new (Violation Violation, bool Created, CommandError? Error)[drafts.Count];
        var added = new List<Violation>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var candidate = drafts[i].ToViolation(recordedBy, now);
            var existing = history.Find(candidate.Id) ?? added.Find(v => v.Id == candidate.Id);
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

        var assessment = added.Count == 0 ? Current() : await CommitAsync(added.Select(v => new HistoryEntry(Recorded: v)).ToArray(), ChangeCause.Recorded);
        foreach (var v in added)
        {
            CreditMetrics.Recorded(versions.At(now).Offenses.TryGetValue(v.OffenseCode, out var offense) ? offense.Family : "UNKNOWN");
            logger.LogDebug("Recorded {ViolationId} {Offense} for {Operator}", v.Id, v.OffenseCode, OperatorId);
        }

        return results.Select(r => new RecordOutcome(r.Violation, r.Created, r.Error is null ? assessment : null, r.Error)).ToArray();
    }

    public async Task<Assessment> GetAssessmentAsync(DateTimeOffset? asOf)
    {
        await EnsureLoadedAsync();
        var assessment = asOf is { } t ? history.Assess(scorer, versions.Timeline, t) : Current();
        if (asOf is null)
        {
            Offer();
        }

        ReleaseIfUnknown();
        return assessment;
    }

    public async Task<CommandOutcome> RevokeViolationAsync(string violationId, string reason, string by, SecondPerson? approval)
    {
        await EnsureLoadedAsync();
        if (history.Find(violationId) is not { } v)
        {
            return CommandOutcome.Fail(CommandErrorKind.NotFound, $"operator {OperatorId} has no violation {violationId}");
        }

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
        var change = new StatusChange(ViolationStatus.Revoked, now, by, reason, now, approval);
        var assessment = await CommitAsync([new HistoryEntry(Status: new ViolationStatusChange(v.Id, change))], ChangeCause.Revoked);
        return new CommandOutcome(history.Find(v.Id), assessment, null);
    }

    public async Task<CommandOutcome> RepairViolationAsync(string violationId, DateTimeOffset? effectiveAt, string reason, string by)
    {
        await EnsureLoadedAsync();
        if (history.Find(violationId) is not { } v)
        {
            return CommandOutcome.Fail(CommandErrorKind.NotFound, $"operator {OperatorId} has no violation {violationId}");
        }

        var now = clock.UtcNow;
        var at = effectiveAt ?? now;
        var check = RepairEligibility.CheckViolationRepair(v, versions.At(at), history.Assess(scorer, versions.Timeline, at));
        if (!check.Allowed)
        {
            return CommandOutcome.Fail(
                CommandErrorKind.FailedPrecondition,
                check.Reason,
                check.Block is RepairBlock.TooEarly or RepairBlock.BehindListing ? check.EarliestAt : null);
        }

        var change = new StatusChange(ViolationStatus.Repaired, at, by, reason, now);
        var assessment = await CommitAsync([new HistoryEntry(Status: new ViolationStatusChange(v.Id, change))], ChangeCause.Repaired);
        return new CommandOutcome(history.Find(v.Id), assessment, null);
    }

    public async Task<CommandOutcome> RepairListingAsync(DateTimeOffset? effectiveAt, string reason, string by, SecondPerson? approval)
    {
        await EnsureLoadedAsync();
        if (approval is not null && history.ListingRepairs.Any(r => r.Approval?.ApprovalId == approval.ApprovalId))
        {
            // The approval was applied before (a decision finished again after a crash): applied once.
            return new CommandOutcome(null, Current(), null);
        }

        var now = clock.UtcNow;
        var at = effectiveAt ?? now;
        var check = RepairEligibility.CheckListingRepair(versions.At(at), history.Assess(scorer, versions.Timeline, at));
        if (!check.Allowed)
        {
            return CommandOutcome.Fail(CommandErrorKind.FailedPrecondition, check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
        }

        var assessment = await CommitAsync([new HistoryEntry(ListingRepair: new ListingRepair(at, by, reason, now, approval))], ChangeCause.Repaired);
        return new CommandOutcome(null, assessment, null);
    }

    public async Task<OperatorHistory> GetHistoryAsync()
    {
        await EnsureLoadedAsync();
        ReleaseIfUnknown();
        return history.ToHistory();
    }

    public async Task<OperatorStatus> GetStatusAsync()
    {
        await EnsureLoadedAsync();
        var status = new OperatorStatus(Current(), head.Revision);
        Offer();
        ReleaseIfUnknown();
        return status;
    }

    public async Task<CaseOutcome> OpenPunishmentCaseAsync(string by, string reason)
    {
        await EnsureLoadedAsync();
        var assessment = Current();
        if (assessment.Listing is not { } listing)
        {
            return new CaseOutcome(null, false, new CommandError(
                CommandErrorKind.FailedPrecondition,
                $"operator {OperatorId} is not on the serious illegal and dishonest list at {assessment.AsOf:O}; a punishment case needs a listing in force"));
        }

        var open = cases.LastOrDefault(c => c.IsOpen && c.ListedAt == listing.ListedAt);
        if (open is not null)
        {
            return new CaseOutcome(open, false, null);
        }

        var opened = PunishmentCase.Open(OperatorId, listing, versions.Timeline.PolicyOf(assessment), clock.UtcNow, by, reason);
        await CommitAsync([], ChangeCause.Recorded, opened);
        return new CaseOutcome(opened, true, null);
    }

    public async Task<IReadOnlyList<PunishmentCase>> GetPunishmentCasesAsync()
    {
        await EnsureLoadedAsync();
        ReleaseIfUnknown();
        return cases.ToArray();
    }

    public async Task<PolicyOutcome> ApplyPolicyAsync()
    {
        await EnsureLoadedAsync();
        if (!HasRecord)
        {
            DeactivateOnIdle();
            return new PolicyOutcome(false, false, versions.Timeline.At(clock.UtcNow).Version);
        }

        Forget();
        var assessment = await ReassessAsync(ChangeCause.Policy);
        DeactivateOnIdle();
        // Whoever announced it (this call, the activation before it, or a reminder at the effective instant).
        return new PolicyOutcome(true, head.PolicyChangedUnder == assessment.PolicyVersion, assessment.PolicyVersion);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != NextChangeReminder)
        {
            return;
        }

        await EnsureLoadedAsync();
        Forget();
        var assessment = await ReassessAsync(ChangeCause.Time, rearm: true);
        logger.LogDebug(
            "Time-driven reassessment of {Operator}: {Grade} {Score}, listed {Listed}",
            OperatorId, assessment.Grade, assessment.Score, assessment.Blacklisted);
    }

    private async Task EnsureLoadedAsync()
    {
        if (!loaded)
        {
            await LoadAsync();
        }
    }

    private async Task LoadAsync()
    {
        var record = await store.LoadAsync(OperatorId);
        history = new HistoryIndex(OperatorId);
        head = record?.Head ?? new OperatorState();
        cases = record?.Cases.ToList() ?? [];
        entries = 0;
        foreach (var entry in record?.History ?? [])
        {
            Apply(entry);
        }

        changedCases.Clear();
        Forget();
        loaded = true;
    }

    private void Apply(HistoryEntry entry)
    {
        if (entry.Recorded is { } v)
        {
            history.Add(v);
        }
        else if (entry.Status is { } s)
        {
            var violation = history.Find(s.ViolationId) ?? throw new InvalidOperationException($"history of {OperatorId}: status change of unknown violation {s.ViolationId}");
            history.Replace(violation with { Changes = [.. violation.Changes, s.Change] });
        }
        else if (entry.ListingRepair is { } r)
        {
            history.AddListingRepair(r);
        }

        entries++;
    }

    /// <summary>
    /// An operator with no record has nothing worth keeping in memory: read for the first time in a while,
    /// its activation goes as soon as it is idle (a later call simply activates it again), so a sweep over
    /// many unknown operators leaves nothing behind. One asked about again soon after (a popular clean
    /// seller) stays until a tick of <see cref="UnknownLinger"/> passes without a read, so it is not
    /// reactivated per call.
    /// </summary>
    private void ReleaseIfUnknown()
    {
        if (HasRecord)
        {
            return;
        }

        if (releaseTimer is null && !RecentlyUnknown.SeenBefore(OperatorId))
        {
            DeactivateOnIdle();
            return;
        }

        readSinceTick = true;
        releaseTimer ??= this.RegisterGrainTimer(ReleaseIfIdle, new GrainTimerCreationOptions(UnknownLinger, UnknownLinger) { KeepAlive = false });
    }

    private Task ReleaseIfIdle()
    {
        if (HasRecord)
        {
            releaseTimer?.Dispose();
            releaseTimer = null;
        }
        else if (!readSinceTick)
        {
            DeactivateOnIdle();
        }

        readSinceTick = false;
        return Task.CompletedTask;
    }

    /// <summary>Drops the cached assessment and this silo's shared entry of it: the record is about to change.</summary>
    private void Forget()
    {
        cached = null;
        current.Withdraw(OperatorId, this);
    }

    /// <summary>Shares the current assessment with this silo's readers once it is committed (<see cref="CurrentStatuses"/>).</summary>
    private void Offer()
    {
        if (loaded && HasRecord && cached is not null && cachedUnder is not null)
        {
            current.Publish(OperatorId, this, cached, cachedUnder, head.Revision);
        }
    }

    /// <summary>
    /// The assessment now. Between two changes (a write, or NextChangeAt) it is constant but for AsOf,
    /// so it is computed once and reused: reads cost one NRules session per change, not per call.
    /// </summary>
    private Assessment Current()
    {
        var now = clock.UtcNow;
        var timeline = versions.Timeline;
        // A publication replaces the timeline: what was cached under the old one may end earlier now.
        if (cached is not null && ReferenceEquals(cachedUnder, timeline) && (cached.NextChangeAt is null || now < cached.NextChangeAt) && now >= cached.AsOf)
        {
            return cached with { AsOf = now };
        }

        cached = history.Assess(scorer, timeline, now);
        cachedUnder = timeline;
        return cached;
    }

    /// <summary>
    /// Applies new history entries (and a case opened by hand), reassesses, and writes the entries, the
    /// changed cases and the head with its wake-up time and any grade or listing change (into the outbox)
    /// in one atomic write. On a storage failure the activation reloads the record before its next call, so
    /// memory never runs ahead of the store and the caller sees UNAVAILABLE. Only after the write is the
    /// change announced.
    /// </summary>
    private async Task<Assessment> CommitAsync(IReadOnlyList<HistoryEntry> added, ChangeCause cause, PunishmentCase? opened = null)
    {
        loaded = false;
        var firstEntry = entries;
        var noticesBefore = head.NoticeOutbox.Count;
        foreach (var entry in added)
        {
            Apply(entry);
        }

        if (opened is not null)
        {
            OpenCase(opened);
        }

        Forget();
        var assessment = Current();
        head.NextWakeUp = assessment.NextChangeAt;
        // Only an earlier wake-up moves the reminder (a reminder write per record otherwise): a later
        // one is served by the reminder already set, which fires early, reassesses and re-arms.
        var rearm = NeedsEarlierReminder(assessment.NextChangeAt);
        if (rearm)
        {
            head.ReminderAt = ReminderDueAt(assessment.NextChangeAt);
        }

        Note(assessment, cause);
        if (head.NoticeOutbox.Count > noticesBefore)
        {
            await notices.MarkPendingAsync(OperatorId);
        }

        await WriteAsync(firstEntry, added);
        if (rearm)
        {
            await SetReminderAsync(assessment.NextChangeAt);
        }

        await PublishOutboxAsync();
        return assessment;
    }

    /// <summary>Writes the head with the given new entries and the cases changed since the last write.</summary>
    private async Task WriteAsync(int firstEntry, IReadOnlyList<HistoryEntry> added)
    {
        loaded = false;
        current.Withdraw(OperatorId, this);
        head.Revision++;
        var changed = changedCases.Order().Select(i => KeyValuePair.Create(i, cases[i])).ToArray();
        await store.WriteAsync(OperatorId, new OperatorWrite(head.Revision - 1, head, firstEntry, added, changed));
        changedCases.Clear();
        loaded = true;
    }

    /// <summary>Reassessment with no new record: after activation or on a reminder tick.</summary>
    private async Task<Assessment> ReassessAsync(ChangeCause cause, bool rearm = false)
    {
        var assessment = Current();
        var changed = Note(assessment, cause);
        var wakeChanged = head.NextWakeUp != assessment.NextChangeAt;

        // Always re-arm after a tick: a capped due time, or one set for an earlier wake-up, may have fired
        // before the instant the assessment next changes.
        rearm = rearm || NeedsEarlierReminder(assessment.NextChangeAt);
        if (rearm)
        {
            await SetReminderAsync(assessment.NextChangeAt);
            head.ReminderAt = ReminderDueAt(assessment.NextChangeAt);
        }

        if (changed || wakeChanged)
        {
            head.NextWakeUp = assessment.NextChangeAt;
            if (head.NoticeOutbox.Count > 0)
            {
                await notices.MarkPendingAsync(OperatorId);
            }

            await WriteAsync(entries, []);
        }

        await PublishOutboxAsync();
        return assessment;
    }

    /// <summary>Queues a change in the outbox when grade or listing moved; returns whether the state changed.</summary>
    private bool Note(Assessment assessment, ChangeCause cause)
    {
        var previous = head.Last ?? CreditSummary.Clean;
        var current = CreditSummary.From(assessment);
        var notedUnder = head.PolicyVersion ?? versions.Timeline.Versions[0].Version;
        var versionMoved = notedUnder != assessment.PolicyVersion;
        head.PolicyVersion = assessment.PolicyVersion;
        if (head.Last is { } last && last.SameAs(current))
        {
            return versionMoved;
        }

        // With no new record, what moved the grade is the version that came into force (whether the rollout
        // or a reminder at the effective instant got here first).
        if (versionMoved && cause == ChangeCause.Time)
        {
            cause = ChangeCause.Policy;
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

            if (cause == ChangeCause.Policy)
            {
                head.PolicyChangedUnder = assessment.PolicyVersion;
            }

            head.ChangeCount++;
            head.Outbox.Add(new CreditChange(OperatorId, head.ChangeCount, assessment.AsOf, cause, previous, current));
        }

        head.Last = current;
        return true;
    }

    /// <summary>
    /// Publishes the outbox in order. Publishing is idempotent per (operator, number), so a crash between
    /// publishing and clearing only republishes. A store outage leaves the outbox for a retry timer:
    /// the command that caused the change has already succeeded.
    /// </summary>
    private async Task PublishOutboxAsync()
    {
        if (head.NoticeOutbox.Count > 0)
        {
            // Off the caller's path: a slow agency outbox must not slow down recording.
            noticeTimer ??= this.RegisterGrainTimer(_ => PublishNoticesAsync(), new GrainTimerCreationOptions(TimeSpan.Zero, OutboxRetry) { KeepAlive = true });
        }

        if (head.Outbox.Count == 0)
        {
            outboxTimer?.Dispose();
            outboxTimer = null;
            return;
        }

        try
        {
            foreach (var change in head.Outbox)
            {
                await changeLog.PublishAsync(change);
            }

            // Cleared in memory only: the next write persists it, and until then a reactivation merely
            // republishes, which the change log ignores. Saves a store write per change.
            head.Outbox.Clear();
            outboxTimer?.Dispose();
            outboxTimer = null;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Publishing {Count} credit change(s) of {Operator} failed; retrying", head.Outbox.Count, OperatorId);
            outboxTimer ??= this.RegisterGrainTimer(_ => RetryOutboxAsync(), new GrainTimerCreationOptions(OutboxRetry, OutboxRetry) { KeepAlive = true });
        }
    }

    /// <summary>The retry timer's turn: after a failed write the record is reloaded first, so only stored changes go out.</summary>
    private async Task RetryOutboxAsync()
    {
        await EnsureLoadedAsync();
        await PublishOutboxAsync();
    }

    /// <summary>Hands queued notices to their agencies' outboxes, in order; enqueueing is idempotent per notice id.</summary>
    private async Task PublishNoticesAsync()
    {
        try
        {
            await EnsureLoadedAsync();
            foreach (var notice in head.NoticeOutbox.ToArray())
            {
                await GrainFactory.GetGrain<IAgencyOutboxGrain>(notice.Agency).EnqueueAsync(notice);
                head.NoticeOutbox.Remove(notice);
            }

            await notices.ClearPendingAsync(OperatorId);
            noticeTimer?.Dispose();
            noticeTimer = null;
        }
        catch (Exception e)
        {
            // The timer fires again; notices already enqueued are skipped by id.
            logger.LogWarning(e, "Handing {Count} notice(s) of {Operator} to agency outboxes failed; retrying", head.NoticeOutbox.Count, OperatorId);
        }
    }

    private void OpenCase(PunishmentCase opened)
    {
        changedCases.Add(cases.Count);
        cases.Add(opened);
        head.NoticeOutbox.AddRange(opened.Notices);
    }

    /// <summary>
    /// Keeps cases in step with the listing: entering the list opens a case (one IMPOSE notice per
    /// measure), leaving it lifts the open case (one LIFT notice per measure).
    /// </summary>
    private void FollowListing(Assessment assessment, ChangeCause cause)
    {
        var open = cases.LastOrDefault(c => c.IsOpen);
        var listing = assessment.Listing;
        if (open is not null && (listing is null || listing.ListedAt != open.ListedAt))
        {
            var reason = cause switch
            {
                ChangeCause.Revoked => "the violation behind the listing was revoked",
                ChangeCause.Repaired => "credit repaired",
                ChangeCause.Policy => $"policy {assessment.PolicyVersion} came into force",
                _ => "the listing ended",
            };
            var lifted = open.Lift(assessment.AsOf, reason);
            var position = cases.IndexOf(open);
            cases[position] = lifted;
            changedCases.Add(position);
            head.NoticeOutbox.AddRange(lifted.Notices.Where(n => n.Kind == NoticeKind.Lift));
            open = null;
        }

        if (listing is not null && open is null && !cases.Any(c => c.ListedAt == listing.ListedAt && c.IsOpen))
        {
            var rules = string.Join(", ", listing.Triggers.Select(t => t.Rule).Distinct());
            OpenCase(PunishmentCase.Open(OperatorId, listing, versions.Timeline.PolicyOf(assessment), assessment.AsOf, "system", $"listed by rule {rules}"));
        }
    }

    /// <summary>
    /// Whether the reminder must move: a wake-up due before the registered reminder, or none known. A due
    /// instant already past counts as unknown: the reminder has fired and been re-armed since (a tick
    /// updates ReminderAt in memory only, and the activation may have gone before the next write).
    /// </summary>
    private bool NeedsEarlierReminder(DateTimeOffset? next) =>
        next is { } at && (head.ReminderAt is not { } due || due <= clock.UtcNow || ReminderDueAt(at) < due);

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

/// <summary>
/// Which operators without a record were read lately, as a hint only: a fixed table of ids by hash, so it
/// holds at most a few thousand ids whatever is read, and a collision merely forgets one.
/// </summary>
internal static class RecentlyUnknown
{
    private static readonly string?[] Slots = new string?[4096];

    /// <summary>Whether <paramref name="operatorId"/> was noted before (since its slot was last taken); notes it.</summary>
    public static bool SeenBefore(string operatorId)
    {
        var slot = (int)((uint)string.GetHashCode(operatorId, StringComparison.Ordinal) % (uint)Slots.Length);
        if (Slots[slot] == operatorId)
        {
            return true;
        }

        Slots[slot] = operatorId;
        return false;
    }
}
