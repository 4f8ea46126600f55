using System.Collections.Immutable;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Operators;

/// <summary>
/// What a decision did: the state after it, the events in order, the assessment it leaves, and what the
/// shell must store and schedule. A refusal (<see cref="Error"/>) leaves the state as it was.
/// </summary>
public sealed record OperatorDecision(OperatorSnapshot State, IReadOnlyList<OperatorEvent> Events, Assessment? Assessment, CommandError? Error = null)
{
    /// <summary>The head (at State.Head.Revision), these entries and these cases must be written before anything is announced.</summary>
    public bool MustWrite { get; init; }

    /// <summary>History entries to append at the stored position <c>State.Entries - NewEntries.Count</c>.</summary>
    public IReadOnlyList<HistoryEntry> NewEntries { get; init; } = [];

    /// <summary>Positions of the cases opened or lifted, in order.</summary>
    public IReadOnlyList<int> ChangedCases { get; init; } = [];

    /// <summary>The reminder must be registered for State.Head.NextWakeUp (or dropped when that is null).</summary>
    public bool Rearm { get; init; }

    /// <summary>The violation the command concerned, as it is after it.</summary>
    public Violation? Violation { get; init; }

    /// <summary>The case the command opened or found open.</summary>
    public PunishmentCase? Case { get; init; }

    /// <summary>Whether <see cref="Case"/> was opened by this decision.</summary>
    public bool CaseCreated { get; init; }
}

/// <summary>The decision of a record command, with one outcome per draft in the order given.</summary>
public sealed record RecordDecision(OperatorDecision Decision, IReadOnlyList<RecordOutcome> Outcomes);

/// <summary>
/// The operator's rules of change as a pure function: state and command (with the instant and the policy
/// timeline) in, new state and typed events out. Recording is idempotent by (authority, decision number);
/// every change is reassessed with the scorer; a grade or listing change is queued as a
/// <see cref="CreditChange"/>, entering the list opens a punishment case with one IMPOSE notice per
/// measure and leaving it lifts the case with one LIFT notice per measure (docs/policy.md §5.1). No I/O,
/// no clock, no Orleans: the grain stores, publishes and schedules what a decision says.
/// </summary>
public sealed class OperatorCore(ICreditScorer scorer)
{
    /// <summary>
    /// The assessment now. Between two changes (a write, or NextChangeAt) it is constant but for AsOf, so the
    /// returned state keeps it: reads cost one NRules session per change, not per call.
    /// </summary>
    public (Assessment Assessment, OperatorSnapshot State) Current(OperatorSnapshot state, OperatorContext at)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Cached is { } cached && ReferenceEquals(state.CachedUnder, at.Timeline) && (cached.NextChangeAt is null || at.Now < cached.NextChangeAt) && at.Now >= cached.AsOf)
        {
            return (cached with { AsOf = at.Now }, state);
        }

        var assessment = state.History.Assess(scorer, at.Timeline, at.Now);
        return (assessment, state with { Cached = assessment, CachedUnder = at.Timeline });
    }

    /// <summary>The assessment at any instant, under the version in force then.</summary>
    public Assessment AssessAt(OperatorSnapshot state, PolicyTimeline timeline, DateTimeOffset t)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.History.Assess(scorer, timeline, t);
    }

    /// <summary>Records drafts of this operator: each is new, already recorded (the same content), or refused (other content).</summary>
    public RecordDecision Record(OperatorSnapshot state, IReadOnlyList<ViolationDraft> drafts, string recordedBy, OperatorContext at)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(drafts);
        var results = new (Violation Violation, bool Created, CommandError? Error)[drafts.Count];
        var added = new List<Violation>();
        for (var i = 0; i < drafts.Count; i++)
        {
            var candidate = drafts[i].ToViolation(recordedBy, at.Now);
            var existing = state.History.Find(candidate.Id) ?? added.Find(v => v.Id == candidate.Id);
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

        var decision = added.Count == 0
            ? Unchanged(state, at)
            : Commit(state, at, added.Select(v => new HistoryEntry(Recorded: v)).ToArray(), ChangeCause.Recorded);
        return new RecordDecision(decision, results.Select(r => new RecordOutcome(r.Violation, r.Created, r.Error is null ? decision.Assessment : null, r.Error)).ToArray());
    }

    /// <summary>Revokes an active violation; the same approval applied again is a no-op.</summary>
    public OperatorDecision Revoke(OperatorSnapshot state, string violationId, string reason, string by, SecondPerson? approval, OperatorContext at)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.History.Find(violationId) is not { } v)
        {
            return Refused(state, CommandErrorKind.NotFound, $"operator {state.OperatorId} has no violation {violationId}");
        }

        if (approval is not null && v.Changes.Count > 0 && v.Changes[^1].Approval?.ApprovalId == approval.ApprovalId)
        {
            // The approval was applied before (a decision finished again after a crash): applied once.
            return Unchanged(state, at) with { Violation = v };
        }

        if (v.Status != ViolationStatus.Active)
        {
            return Refused(state, CommandErrorKind.FailedPrecondition, $"violation {violationId} is {v.Status.ToString().ToUpperInvariant()}; only an ACTIVE violation can be revoked");
        }

        var change = new StatusChange(ViolationStatus.Revoked, at.Now, by, reason, at.Now, approval);
        var decision = Commit(state, at, [new HistoryEntry(Status: new ViolationStatusChange(v.Id, change))], ChangeCause.Revoked);
        return decision with { Violation = decision.State.History.Find(v.Id) };
    }

    /// <summary>Repairs a violation's credit at <paramref name="effectiveAt"/> (now when null) if policy.md §4.6 allows it then.</summary>
    public OperatorDecision RepairViolation(OperatorSnapshot state, string violationId, DateTimeOffset? effectiveAt, string reason, string by, OperatorContext at)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.History.Find(violationId) is not { } v)
        {
            return Refused(state, CommandErrorKind.NotFound, $"operator {state.OperatorId} has no violation {violationId}");
        }

        var when = effectiveAt ?? at.Now;
        var check = RepairEligibility.CheckViolationRepair(v, at.Timeline.At(when).Policy, AssessAt(state, at.Timeline, when));
        if (!check.Allowed)
        {
            return Refused(state, CommandErrorKind.FailedPrecondition, check.Reason, check.Block is RepairBlock.TooEarly or RepairBlock.BehindListing ? check.EarliestAt : null);
        }

        var change = new StatusChange(ViolationStatus.Repaired, when, by, reason, at.Now);
        var decision = Commit(state, at, [new HistoryEntry(Status: new ViolationStatusChange(v.Id, change))], ChangeCause.Repaired);
        return decision with { Violation = decision.State.History.Find(v.Id) };
    }

    /// <summary>Repairs the listing in force at <paramref name="effectiveAt"/> (now when null) if policy.md §4.5 allows it; the same approval again is a no-op.</summary>
    public OperatorDecision RepairListing(OperatorSnapshot state, DateTimeOffset? effectiveAt, string reason, string by, SecondPerson? approval, OperatorContext at)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (approval is not null && state.History.ListingRepairs.Any(r => r.Approval?.ApprovalId == approval.ApprovalId))
        {
            // The approval was applied before (a decision finished again after a crash): applied once.
            return Unchanged(state, at);
        }

        var when = effectiveAt ?? at.Now;
        var check = RepairEligibility.CheckListingRepair(at.Timeline.At(when).Policy, AssessAt(state, at.Timeline, when));
        if (!check.Allowed)
        {
            return Refused(state, CommandErrorKind.FailedPrecondition, check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
        }

        return Commit(state, at, [new HistoryEntry(ListingRepair: new ListingRepair(when, by, reason, at.Now, approval))], ChangeCause.Repaired);
    }

    /// <summary>Opens a punishment case by hand for the listing in force; the one already open for it is returned as it is.</summary>
    public OperatorDecision OpenCase(OperatorSnapshot state, string by, string reason, OperatorContext at)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (assessment, current) = Current(state, at);
        if (assessment.Listing is not { } listing)
        {
            return Refused(
                current,
                CommandErrorKind.FailedPrecondition,
                $"operator {state.OperatorId} is not on the serious illegal and dishonest list at {assessment.AsOf:O}; a punishment case needs a listing in force");
        }

        if (current.Cases.LastOrDefault(c => c.IsOpen && c.ListedAt == listing.ListedAt) is { } open)
        {
            return new OperatorDecision(current, [], assessment) { Case = open };
        }

        var opened = PunishmentCase.Open(state.OperatorId, listing, at.Timeline.PolicyOf(assessment), at.Now, by, reason);
        return Commit(current, at, [], ChangeCause.Recorded, opened) with { Case = opened, CaseCreated = true };
    }

    /// <summary>
    /// Reassessment with no new record: after activation, on a reminder tick (<paramref name="tick"/>: always
    /// re-arm, since a capped or early reminder may have fired before the change), or for a policy version.
    /// Written only when something moved.
    /// </summary>
    public OperatorDecision Reassess(OperatorSnapshot state, ChangeCause cause, OperatorContext at, bool tick = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        var change = new Change(state, at);
        var assessment = change.Assess(scorer);
        var noted = change.Note(assessment, cause);
        var next = assessment.NextChangeAt;
        var wakeMoved = state.Head.NextWakeUp != next;
        var rearm = tick || ReminderSchedule.NeedsEarlier(state.Head.ReminderAt, next, at.Now);
        if (rearm)
        {
            change.Head = change.Head with { ReminderAt = ReminderSchedule.DueAt(next, at.Now) };
        }

        if (wakeMoved)
        {
            change.MoveWakeUp(next);
        }

        return change.Finish(assessment, write: noted || wakeMoved, rearm);
    }

    /// <summary>The state once the first <paramref name="count"/> announcements are known to be published (kept in memory; the next write stores it).</summary>
    public static OperatorSnapshot Published(OperatorSnapshot state, int count)
    {
        ArgumentNullException.ThrowIfNull(state);
        return count == 0 ? state : state with { Head = state.Head with { Announcements = state.Head.Announcements.RemoveRange(0, count) } };
    }

    private static OperatorDecision Refused(OperatorSnapshot state, CommandErrorKind kind, string message, DateTimeOffset? earliest = null) =>
        new(state, [], null, new CommandError(kind, message, earliest));

    private OperatorDecision Unchanged(OperatorSnapshot state, OperatorContext at)
    {
        var (assessment, current) = Current(state, at);
        return new OperatorDecision(current, [], assessment);
    }

    /// <summary>Applies new entries (and a case opened by hand), reassesses, notes any change; always written.</summary>
    private OperatorDecision Commit(OperatorSnapshot state, OperatorContext at, IReadOnlyList<HistoryEntry> added, ChangeCause cause, PunishmentCase? opened = null)
    {
        var change = new Change(state, at);
        foreach (var entry in added)
        {
            change.Apply(entry);
        }

        if (opened is not null)
        {
            change.OpenCase(opened);
        }

        var assessment = change.Assess(scorer);
        var next = assessment.NextChangeAt;
        change.MoveWakeUp(next);

        // Only an earlier wake-up moves the reminder (a reminder write per record otherwise): a later one
        // is served by the reminder already set, which fires early, reassesses and re-arms.
        var rearm = ReminderSchedule.NeedsEarlier(state.Head.ReminderAt, next, at.Now);
        if (rearm)
        {
            change.Head = change.Head with { ReminderAt = ReminderSchedule.DueAt(next, at.Now) };
        }

        change.Note(assessment, cause);
        return change.Finish(assessment, write: true, rearm);
    }

    /// <summary>One decision in the making: copies of the parts it changes, and what it did so far.</summary>
    private sealed class Change(OperatorSnapshot state, OperatorContext at)
    {
        private readonly List<OperatorEvent> events = [];
        private readonly List<HistoryEntry> entries = [];
        private readonly SortedSet<int> changedCases = [];
        private HistoryIndex history = state.History;
        private ImmutableList<PunishmentCase> cases = state.Cases;

        public OperatorState Head { get; set; } = state.Head;

        private string OperatorId => state.OperatorId;

        public void Apply(HistoryEntry entry)
        {
            history = OperatorSnapshot.Replay(history, entry);
            entries.Add(entry);
            if (entry.Recorded is { } v)
            {
                events.Add(new ViolationRecorded(v));
            }
            else if (entry.Status is { } s)
            {
                var after = history.Find(s.ViolationId)!;
                events.Add(s.Change.To == ViolationStatus.Revoked ? new ViolationRevoked(after) : new ViolationRepaired(after));
            }
            else if (entry.ListingRepair is { } r)
            {
                events.Add(new ListingRepaired(r));
            }
        }

        public Assessment Assess(ICreditScorer scorer) => history.Assess(scorer, at.Timeline, at.Now);

        public void MoveWakeUp(DateTimeOffset? next)
        {
            if (Head.NextWakeUp != next)
            {
                events.Add(new WakeUpMoved(next));
            }

            Head = Head with { NextWakeUp = next };
        }

        /// <summary>Queues a change when grade or listing moved and keeps cases in step; returns whether the head changed.</summary>
        public bool Note(Assessment assessment, ChangeCause cause)
        {
            var previous = Head.Last ?? CreditSummary.Clean;
            var current = CreditSummary.From(assessment);
            var notedUnder = Head.PolicyVersion ?? at.Timeline.Versions[0].Version;
            var versionMoved = notedUnder != assessment.PolicyVersion;
            Head = Head with { PolicyVersion = assessment.PolicyVersion };
            if (Head.Last is { } last && last.SameAs(current))
            {
                return versionMoved;
            }

            // With no new record, what moved the grade is the version that came into force (whether the
            // rollout or a reminder at the effective instant got here first).
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
                var change = new CreditChange(OperatorId, Head.ChangeCount + 1, assessment.AsOf, cause, previous, current);
                Head = Head with
                {
                    PolicyChangedUnder = cause == ChangeCause.Policy ? assessment.PolicyVersion : Head.PolicyChangedUnder,
                    ChangeCount = change.Number,
                    Announcements = Head.Announcements.Add(Announcement.Of(change)),
                };
                events.Add(new CreditChanged(change));
            }

            Head = Head with { Last = current };
            return true;
        }

        public void OpenCase(PunishmentCase opened)
        {
            var position = cases.Count;
            cases = cases.Add(opened);
            changedCases.Add(position);
            events.Add(new CaseOpened(position, opened));
            Announce(opened.Notices);
        }

        public OperatorDecision Finish(Assessment assessment, bool write, bool rearm)
        {
            var head = write ? Head with { Revision = Head.Revision + 1 } : Head;
            var next = new OperatorSnapshot(OperatorId, history, state.Entries + entries.Count, cases, head) { Cached = assessment, CachedUnder = at.Timeline };
            return new OperatorDecision(next, events.ToArray(), assessment)
            {
                MustWrite = write,
                NewEntries = entries.ToArray(),
                ChangedCases = changedCases.ToArray(),
                Rearm = rearm,
            };
        }

        private void Announce(IEnumerable<Notice> notices)
        {
            foreach (var n in notices)
            {
                Head = Head with { Announcements = Head.Announcements.Add(Announcement.Of(n)) };
                events.Add(new NoticeRaised(n));
            }
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
                cases = cases.SetItem(position, lifted);
                changedCases.Add(position);
                events.Add(new CaseLifted(position, lifted));
                Announce(lifted.Notices.Where(n => n.Kind == NoticeKind.Lift));
                open = null;
            }

            if (listing is not null && open is null && !cases.Any(c => c.ListedAt == listing.ListedAt && c.IsOpen))
            {
                var rules = string.Join(", ", listing.Triggers.Select(t => t.Rule).Distinct());
                OpenCase(PunishmentCase.Open(OperatorId, listing, at.Timeline.PolicyOf(assessment), assessment.AsOf, "system", $"listed by rule {rules}"));
            }
        }
    }
}
