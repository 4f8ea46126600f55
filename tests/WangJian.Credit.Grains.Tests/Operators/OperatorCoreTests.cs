using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains.Operators;
using WangJian.Credit.Rules;

namespace WangJian.Credit.Grains.Tests.Operators;

/// <summary>
/// The operator core without a cluster: every command on a snapshot, with the real NRules scorer and the
/// shipped policy, and every event it produces. The instant is an argument; nothing here waits.
/// </summary>
[Trait("Category", "Unit")]
public sealed class OperatorCoreTests
{
    private static readonly CreditPolicy Policy = PolicyLoader.Load();
    private static readonly PolicyTimeline Timeline = PolicyTimeline.Single(Policy);
    private static readonly DateTimeOffset T0 = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);

    private readonly OperatorCore core = new(new NRulesCreditScorer());
    private readonly string op = TestData.FreshUscc();

    private static OperatorContext At(DateTimeOffset t, PolicyTimeline? timeline = null) => new(timeline ?? Timeline, t);

    private OperatorSnapshot Empty => OperatorSnapshot.Empty(op);

    private OperatorDecision Record(OperatorSnapshot state, ViolationDraft draft, DateTimeOffset? now = null) =>
        core.Record(state, [draft], "a", At(now ?? T0)).Decision;

    private ViolationDraft Listing(DateTimeOffset decided) => TestData.Draft(op, decided, "FAKE_REVIEW_ORGANIZING", Severity.EspeciallySerious);

    [Fact]
    public void Record_New_AppendsTheEntry_NotesTheChange_AndMovesTheWakeUp()
    {
        var state = Empty;
        var d = Record(state, TestData.Draft(op, T0.AddDays(-1), "FALSE_AD_HEALTH", Severity.Serious));

        Assert.Null(d.Error);
        Assert.True(d.MustWrite);
        var recorded = Assert.Single(d.Events.OfType<ViolationRecorded>()).Violation;
        Assert.Equal(recorded, Assert.Single(d.NewEntries).Recorded);
        Assert.Equal(1, d.State.Entries);
        Assert.Equal(1, d.State.Head.Revision);
        Assert.Equal(Grade.B, d.Assessment!.Grade);

        var change = Assert.Single(d.Events.OfType<CreditChanged>()).Change;
        Assert.Equal((1L, ChangeCause.Recorded, Grade.A, Grade.B), (change.Number, change.Cause, change.Previous.Grade, change.Current.Grade));
        Assert.Equal(change, Assert.Single(d.State.Head.Announcements).Change);
        Assert.Equal(1, d.State.Head.ChangeCount);

        var wake = Assert.Single(d.Events.OfType<WakeUpMoved>()).At;
        Assert.Equal(d.Assessment.NextChangeAt, wake);
        Assert.Equal(wake, d.State.Head.NextWakeUp);
        Assert.True(d.Rearm);
        Assert.Equal(ReminderSchedule.DueAt(wake, T0), d.State.Head.ReminderAt);

        // The state given is untouched: a grain whose write fails keeps it as it was.
        Assert.Equal(0, state.Entries);
        Assert.Equal(0, state.Head.Revision);
        Assert.Empty(state.Head.Announcements);
        Assert.True(state.History.IsEmpty);
    }

    [Fact]
    public void Record_ScoreMovesInsideTheGrade_NoCreditChange()
    {
        var first = Record(Empty, TestData.Draft(op, T0.AddDays(-1), "PRICE_MARKING", Severity.Minor));
        var second = Record(OperatorCore.Published(first.State, first.State.Head.Announcements.Count), TestData.Draft(op, T0.AddDays(-1), "PRICE_MARKING", Severity.Minor));

        Assert.Equal(Grade.A, second.Assessment!.Grade);
        Assert.True(second.Assessment.Score < first.Assessment!.Score);
        Assert.Empty(second.Events.OfType<CreditChanged>());
        Assert.Empty(second.State.Head.Announcements);
        Assert.True(second.MustWrite);
        Assert.Equal(second.Assessment.Score, second.State.Head.Last!.Score);
    }

    [Fact]
    public void Record_SameDecisionAgain_IsIdempotent_AndOtherContentIsRefused()
    {
        var draft = TestData.Draft(op, T0.AddDays(-1), "PRICE_MARKING", Severity.Minor, decision: "深市监罚〔2026〕1号");
        var first = Record(Empty, draft);

        var again = core.Record(first.State, [draft, draft with { FineFen = 5 }], "b", At(T0.AddHours(1)));
        Assert.False(again.Decision.MustWrite);
        Assert.Empty(again.Decision.Events);
        Assert.Empty(again.Decision.NewEntries);
        Assert.Equal(first.State.Head, again.Decision.State.Head);
        Assert.False(again.Outcomes[0].Created);
        Assert.Null(again.Outcomes[0].Error);
        Assert.Equal(first.Events.OfType<ViolationRecorded>().Single().Violation, again.Outcomes[0].Violation);
        Assert.Equal(CommandErrorKind.AlreadyExists, again.Outcomes[1].Error!.Kind);
        Assert.Null(again.Outcomes[1].Assessment);
    }

    [Fact]
    public void Record_ManyDrafts_OneDecision_WithOneOutcomeEach_DuplicatesInsideTheBatchOnce()
    {
        var a = TestData.Draft(op, T0.AddDays(-3), "PRICE_MARKING", Severity.Minor);
        var b = TestData.Draft(op, T0.AddDays(-2), "FALSE_PROMOTION", Severity.Minor);
        var r = core.Record(Empty, [a, b, a], "a", At(T0));

        Assert.Equal([true, true, false], r.Outcomes.Select(o => o.Created));
        Assert.All(r.Outcomes, o => Assert.Same(r.Decision.Assessment, o.Assessment));
        Assert.Equal(2, r.Decision.NewEntries.Count);
        Assert.Equal(2, r.Decision.Events.OfType<ViolationRecorded>().Count());
        Assert.Equal(2, r.Decision.State.Entries);
        Assert.Equal(1, r.Decision.State.Head.Revision);
    }

    [Fact]
    public void Record_Listing_OpensACase_WithOneImposeNoticePerMeasure_AllInTheOutbox()
    {
        var d = Record(Empty, Listing(T0.AddDays(-1)));

        Assert.True(d.Assessment!.Blacklisted);
        var opened = Assert.Single(d.Events.OfType<CaseOpened>());
        Assert.Equal((0, "system"), (opened.Position, opened.Case.OpenedBy));
        Assert.Equal([0], d.ChangedCases);
        Assert.Same(opened.Case, Assert.Single(d.State.Cases));
        var notices = d.Events.OfType<NoticeRaised>().Select(n => n.Notice).ToArray();
        Assert.Equal(Policy.Measures.Count, notices.Length);
        Assert.All(notices, n => Assert.Equal(NoticeKind.Impose, n.Kind));
        Assert.Equal(opened.Case.Notices, notices);

        var change = Assert.Single(d.Events.OfType<CreditChanged>()).Change;
        Assert.True(change.Current.Blacklisted);
        // One outbox for both: the notices and the change, in the order they arose.
        Assert.Equal(
            d.Events.Select(e => e switch { NoticeRaised n => Announcement.Of(n.Notice), CreditChanged c => Announcement.Of(c.Change), _ => null }).OfType<Announcement>(),
            d.State.Head.Announcements);
    }

    [Fact]
    public void Revoke_ListedViolation_LiftsTheCase_WithLiftNotices_AndAnnouncesTheChange()
    {
        var listed = Record(Empty, Listing(T0.AddDays(-1)));
        var violation = listed.Events.OfType<ViolationRecorded>().Single().Violation;
        var state = OperatorCore.Published(listed.State, listed.State.Head.Announcements.Count);

        var d = core.Revoke(state, violation.Id, "overturned", "b", null, At(T0.AddHours(1)));

        Assert.Null(d.Error);
        var revoked = Assert.Single(d.Events.OfType<ViolationRevoked>()).Violation;
        Assert.Equal(ViolationStatus.Revoked, revoked.Status);
        Assert.Equal(revoked, d.Violation);
        Assert.Equal(violation.Id, Assert.Single(d.NewEntries).Status!.ViolationId);
        var lifted = Assert.Single(d.Events.OfType<CaseLifted>());
        Assert.Equal(0, lifted.Position);
        Assert.Equal("the violation behind the listing was revoked", lifted.Case.LiftReason);
        Assert.False(d.State.Cases[0].IsOpen);
        var lifts = d.Events.OfType<NoticeRaised>().Select(n => n.Notice).ToArray();
        Assert.Equal(Policy.Measures.Count, lifts.Length);
        Assert.All(lifts, n => Assert.Equal(NoticeKind.Lift, n.Kind));
        var change = Assert.Single(d.Events.OfType<CreditChanged>()).Change;
        Assert.Equal((2L, ChangeCause.Revoked, false), (change.Number, change.Cause, change.Current.Blacklisted));
        Assert.Equal(lifts.Length + 1, d.State.Head.Announcements.Count);
    }

    [Fact]
    public void Revoke_Refusals_AndTheSameApprovalTwice()
    {
        var recorded = Record(Empty, TestData.Draft(op, T0.AddDays(-1), "PRICE_MARKING", Severity.Minor));
        var id = recorded.Events.OfType<ViolationRecorded>().Single().Violation.Id;

        var missing = core.Revoke(recorded.State, "vio-none", "x", "b", null, At(T0));
        Assert.Equal(CommandErrorKind.NotFound, missing.Error!.Kind);
        Assert.Same(recorded.State, missing.State);
        Assert.Empty(missing.Events);

        var approval = new SecondPerson("apr-1", "c", T0);
        var revoked = core.Revoke(recorded.State, id, "x", "b", approval, At(T0.AddHours(1)));
        Assert.Null(revoked.Error);

        // The approval applied again (a decision finished again after a crash) changes nothing.
        var replayed = core.Revoke(revoked.State, id, "x", "b", approval, At(T0.AddHours(2)));
        Assert.Null(replayed.Error);
        Assert.False(replayed.MustWrite);
        Assert.Empty(replayed.Events);
        Assert.Equal(ViolationStatus.Revoked, replayed.Violation!.Status);

        var twice = core.Revoke(revoked.State, id, "x", "b", null, At(T0.AddHours(2)));
        Assert.Equal(CommandErrorKind.FailedPrecondition, twice.Error!.Kind);
        Assert.Contains("REVOKED", twice.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepairViolation_TooEarly_IsRefusedWithTheEarliestDate_ThenRepaired()
    {
        var decided = T0.AddDays(-1);
        var recorded = Record(Empty, TestData.Draft(op, decided, "FALSE_AD_HEALTH", Severity.Serious));
        var id = recorded.Events.OfType<ViolationRecorded>().Single().Violation.Id;

        var early = core.RepairViolation(recorded.State, id, null, "fixed", "c", At(T0));
        Assert.Equal(CommandErrorKind.FailedPrecondition, early.Error!.Kind);
        var earliest = RepairEligibility.EarliestViolationRepair(recorded.Events.OfType<ViolationRecorded>().Single().Violation, Policy);
        Assert.Equal(earliest, early.Error.Earliest);

        Assert.Equal(CommandErrorKind.NotFound, core.RepairViolation(recorded.State, "vio-none", null, "x", "c", At(earliest)).Error!.Kind);

        var d = core.RepairViolation(recorded.State, id, null, "fixed", "c", At(earliest));
        Assert.Null(d.Error);
        var repaired = Assert.Single(d.Events.OfType<ViolationRepaired>()).Violation;
        Assert.Equal(earliest, repaired.RepairedAt);
        Assert.Equal(100m, d.Assessment!.Score);
        var change = Assert.Single(d.Events.OfType<CreditChanged>()).Change;
        Assert.Equal((ChangeCause.Repaired, Grade.A), (change.Cause, change.Current.Grade));
    }

    [Fact]
    public void RepairListing_NotListed_Refused_ThenAYearAfterTheTrigger_LiftsTheCase()
    {
        var notListed = Record(Empty, TestData.Draft(op, T0.AddDays(-1), "PRICE_MARKING", Severity.Minor));
        Assert.Equal(CommandErrorKind.FailedPrecondition, core.RepairListing(notListed.State, null, "x", "c", null, At(T0)).Error!.Kind);

        var listed = Record(Empty, Listing(T0.AddDays(-1)));
        var tooEarly = core.RepairListing(listed.State, null, "x", "c", null, At(T0));
        Assert.Equal(CommandErrorKind.FailedPrecondition, tooEarly.Error!.Kind);
        Assert.NotNull(tooEarly.Error.Earliest);

        var at = tooEarly.Error.Earliest!.Value;
        var approval = new SecondPerson("apr-2", "d", at);
        var d = core.RepairListing(listed.State, null, "repaired", "c", approval, At(at));
        Assert.Null(d.Error);
        Assert.Equal(at, Assert.Single(d.Events.OfType<ListingRepaired>()).Repair.At);
        Assert.False(d.Assessment!.Blacklisted);
        Assert.Equal("credit repaired", Assert.Single(d.Events.OfType<CaseLifted>()).Case.LiftReason);
        Assert.Equal(ChangeCause.Repaired, Assert.Single(d.Events.OfType<CreditChanged>()).Change.Cause);

        var again = core.RepairListing(d.State, null, "repaired", "c", approval, At(at.AddHours(1)));
        Assert.Null(again.Error);
        Assert.False(again.MustWrite);
        Assert.Empty(again.Events);
    }

    [Fact]
    public void OpenCase_NeedsAListing_FindsTheOpenOne_OrOpensOneByHand()
    {
        var clean = Record(Empty, TestData.Draft(op, T0.AddDays(-1), "PRICE_MARKING", Severity.Minor));
        Assert.Equal(CommandErrorKind.FailedPrecondition, core.OpenCase(clean.State, "b", "why", At(T0)).Error!.Kind);

        var listed = Record(Empty, Listing(T0.AddDays(-1)));
        var found = core.OpenCase(listed.State, "b", "why", At(T0.AddHours(1)));
        Assert.Same(listed.State.Cases[0], found.Case);
        Assert.False(found.CaseCreated);
        Assert.False(found.MustWrite);
        Assert.Empty(found.Events);

        // A listing whose case is gone (a record from before cases): opened by hand, with its notices.
        var withoutCase = OperatorCore.Published(listed.State, listed.State.Head.Announcements.Count) with { Cases = [] };
        var opened = core.OpenCase(withoutCase, "b", "why", At(T0.AddHours(1)));
        Assert.True(opened.CaseCreated);
        Assert.True(opened.MustWrite);
        Assert.Equal(("b", "why"), (opened.Case!.OpenedBy, opened.Case.OpenReason));
        Assert.Same(opened.Case, Assert.Single(opened.Events.OfType<CaseOpened>()).Case);
        Assert.Equal(Policy.Measures.Count, opened.Events.OfType<NoticeRaised>().Count());
        Assert.Empty(opened.Events.OfType<CreditChanged>());
        Assert.Equal(Policy.Measures.Count, opened.State.Head.Announcements.Count);
    }

    [Fact]
    public void Reassess_WhenTheDeductionAges_AnnouncesATimeChange_AndWhenNothingMoved_WritesNothing()
    {
        var recorded = Record(Empty, TestData.Draft(op, T0.AddDays(-1), "FALSE_AD_HEALTH", Severity.Serious));
        var state = OperatorCore.Published(recorded.State, 1);

        var same = core.Reassess(state, ChangeCause.Time, At(T0.AddDays(1)));
        Assert.False(same.MustWrite);
        Assert.Empty(same.Events);
        Assert.False(same.Rearm);
        Assert.True(core.Reassess(state, ChangeCause.Time, At(T0.AddDays(1)), tick: true).Rearm);

        // Walk each wake-up until the violation no longer deducts: each is a TIME reassessment.
        var changes = new List<CreditChange>();
        for (var i = 0; i < 10 && state.Head.NextWakeUp is { } next; i++)
        {
            var d = core.Reassess(state, ChangeCause.Time, At(next), tick: true);
            Assert.True(d.MustWrite);
            Assert.True(d.Rearm);
            Assert.Equal(state.Head.Revision + 1, d.State.Head.Revision);
            Assert.Equal(d.Assessment!.NextChangeAt, d.State.Head.NextWakeUp);
            Assert.Single(d.Events.OfType<WakeUpMoved>());
            changes.AddRange(d.Events.OfType<CreditChanged>().Select(c => c.Change));
            state = OperatorCore.Published(d.State, d.State.Head.Announcements.Count);
        }

        Assert.Null(state.Head.NextWakeUp);
        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.Equal(ChangeCause.Time, c.Cause));
        Assert.Equal(Grade.A, changes[^1].Current.Grade);
        Assert.Equal(100m, state.Head.Last!.Score);
    }

    [Fact]
    public void Reassess_ListingRunsOut_LiftsTheCase()
    {
        var listed = Record(Empty, Listing(T0.AddDays(-1)));
        var expires = listed.Assessment!.Listing!.ExpiresAt;

        var d = core.Reassess(listed.State, ChangeCause.Time, At(expires.AddSeconds(1)), tick: true);

        Assert.Equal("the listing ended", Assert.Single(d.Events.OfType<CaseLifted>()).Case.LiftReason);
        Assert.Equal(Policy.Measures.Count, d.Events.OfType<NoticeRaised>().Count(n => n.Notice.Kind == NoticeKind.Lift));
        Assert.False(Assert.Single(d.Events.OfType<CreditChanged>()).Change.Current.Blacklisted);
    }

    [Fact]
    public void Reassess_UnderAVersionComingIntoForce_IsCausePolicy_AndRemembersTheVersion()
    {
        var effective = T0.AddDays(10);
        var harsher = Policy with
        {
            Version = "core.2",
            Offenses = Policy.Offenses.ToDictionary(o => o.Key, o => o.Value with { Points = o.Value.Points.Select(p => p * 2).ToArray() }),
        };
        var timeline = new PolicyTimeline(
        [
            Timeline.Versions[0],
            new PolicyVersion(harsher, "{}", effective, "test", T0),
        ]);
        var recorded = Record(Empty, TestData.Draft(op, T0.AddDays(-1), "FALSE_AD_HEALTH", Severity.Serious));
        Assert.Equal(Policy.Version, recorded.State.Head.PolicyVersion);

        // The reminder's tick at the effective instant, or the rollout: either way cause POLICY.
        foreach (var cause in new[] { ChangeCause.Time, ChangeCause.Policy })
        {
            var d = core.Reassess(recorded.State, cause, At(effective, timeline));
            var change = Assert.Single(d.Events.OfType<CreditChanged>()).Change;
            Assert.Equal(ChangeCause.Policy, change.Cause);
            Assert.True(change.Current.Grade > change.Previous.Grade);
            Assert.Equal("core.2", d.State.Head.PolicyVersion);
            Assert.Equal("core.2", d.State.Head.PolicyChangedUnder);
        }
    }

    [Fact]
    public void Current_IsCachedUntilTheNextChange_AndRecomputedUnderANewTimeline()
    {
        var recorded = Record(Empty, TestData.Draft(op, T0.AddDays(-1), "FALSE_AD_HEALTH", Severity.Serious));
        var (first, state) = core.Current(recorded.State, At(T0.AddHours(1)));
        Assert.Same(recorded.State, state);
        Assert.Equal(T0.AddHours(1), first.AsOf);
        Assert.Equal(recorded.Assessment!.Score, first.Score);

        var other = PolicyTimeline.Single(Policy);
        var (_, recomputed) = core.Current(state, At(T0.AddHours(2), other));
        Assert.NotSame(state, recomputed);
        Assert.Same(other, recomputed.CachedUnder);

        var next = recorded.Assessment.NextChangeAt!.Value;
        var (later, after) = core.Current(state, At(next));
        Assert.NotSame(state, after);
        Assert.Equal(next, later.AsOf);
    }

    [Fact]
    public void Published_ForgetsWhatWentOut_InOrder()
    {
        var d = Record(Empty, Listing(T0.AddDays(-1)));
        var all = d.State.Head.Announcements;

        var rest = OperatorCore.Published(d.State, 2);

        Assert.Equal(all.Skip(2), rest.Head.Announcements);
        Assert.Same(d.State, OperatorCore.Published(d.State, 0));
        Assert.Equal(all.Count, d.State.Head.Announcements.Count);
    }

    [Fact]
    public void From_ReplaysTheStoredRecord_AndFoldsTheEarlierTwoOutboxesIntoOne()
    {
        var d = Record(Empty, Listing(T0.AddDays(-1)));
        var change = d.Events.OfType<CreditChanged>().Single().Change;
        var notices = d.Events.OfType<NoticeRaised>().Select(n => n.Notice).ToArray();
        var legacyHead = d.State.Head with { Announcements = [], Outbox = [change], NoticeOutbox = notices };

        var loaded = OperatorSnapshot.From(op, new OperatorRecord(legacyHead, d.NewEntries, d.State.Cases));

        Assert.Equal(1, loaded.Entries);
        Assert.True(loaded.HasRecord);
        Assert.Equal(d.State.History.Violations, loaded.History.Violations);
        Assert.Null(loaded.Head.Outbox);
        Assert.Null(loaded.Head.NoticeOutbox);
        Assert.Equal([Announcement.Of(change), .. notices.Select(Announcement.Of)], loaded.Head.Announcements);
        Assert.False(OperatorSnapshot.From(op, null).HasRecord);
    }
}
