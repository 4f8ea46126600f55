using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

[Trait("Category", "Unit")]
public sealed class OperatorGrainTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    [Fact]
    public async Task RecordViolationAsync_NewDecision_CreatedAndScored()
    {
        var op = TestData.FreshUscc();
        var outcome = await fixture.Grains.GetGrain<IOperatorGrain>(op).RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1)), "tester");

        Assert.Null(outcome.Error);
        Assert.True(outcome.Created);
        Assert.Equal("tester", outcome.Violation!.RecordedBy);
        Assert.Equal(Now, outcome.Violation.RecordedAt);
        Assert.Equal(85m, outcome.Assessment!.Score);
        Assert.Equal(Grade.B, outcome.Assessment.Grade);
    }

    [Fact]
    public async Task Operator_ReferenceBuiltFromResolvedTypes_IsTheSameGrainAsGetGrain()
    {
        var op = TestData.FreshUscc();
        var viaShortcut = fixture.Grains.Operator(op);
        var viaOrleans = fixture.Grains.GetGrain<IOperatorGrain>(op);
        Assert.Equal(viaOrleans.GetGrainId(), viaShortcut.GetGrainId());

        await viaShortcut.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1)), "tester");
        Assert.Single((await viaOrleans.GetHistoryAsync()).Violations);
        Assert.NotEqual(fixture.Grains.Operator(TestData.FreshUscc()).GetGrainId(), viaShortcut.GetGrainId());
    }

    [Fact]
    public async Task RecordViolationAsync_SameDecisionTwice_OneRecord()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var draft = TestData.Draft(op, Now.AddDays(-3));

        var first = await grain.RecordViolationAsync(draft, "a");
        var second = await grain.RecordViolationAsync(draft, "b");

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Null(second.Error);
        Assert.Equal("a", second.Violation!.RecordedBy);
        Assert.Single((await grain.GetHistoryAsync()).Violations);
    }

    [Fact]
    public async Task RecordViolationAsync_SameDecisionOtherContent_AlreadyExists()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var draft = TestData.Draft(op, Now.AddDays(-3));
        await grain.RecordViolationAsync(draft, "a");

        var conflict = await grain.RecordViolationAsync(draft with { FineFen = draft.FineFen + 1 }, "a");

        Assert.Equal(CommandErrorKind.AlreadyExists, conflict.Error!.Kind);
        Assert.Single((await grain.GetHistoryAsync()).Violations);
    }

    [Fact]
    public async Task RecordViolationsAsync_Batch_EachDraftAnsweredAsIfRecordedAlone_OneRevision()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var earlier = TestData.Draft(op, Now.AddDays(-30), decision: "early-1");
        await grain.RecordViolationAsync(earlier, "a");
        var before = (await grain.GetStatusAsync()).Version;

        var first = TestData.Draft(op, Now.AddDays(-3), decision: "batch-1");
        var second = TestData.Draft(op, Now.AddDays(-2), offense: "PRICE_FRAUD", decision: "batch-2");
        var outcomes = await grain.RecordViolationsAsync(
            [first, earlier, second, first, first with { FineFen = first.FineFen + 1 }],
            "b");

        Assert.Equal([true, false, true, false, false], outcomes.Select(o => o.Created));
        Assert.Equal("a", outcomes[1].Violation!.RecordedBy);           // already recorded before the batch
        Assert.Equal(outcomes[0].Violation!.Id, outcomes[3].Violation!.Id); // repeated inside the batch
        Assert.Null(outcomes[3].Error);
        Assert.Equal(CommandErrorKind.AlreadyExists, outcomes[4].Error!.Kind);
        Assert.Null(outcomes[4].Assessment);

        // Every answered draft carries the assessment after the whole batch, written once.
        var status = await grain.GetStatusAsync();
        Assert.All(outcomes.Take(4), o => Assert.Equal(status.Assessment.Score, o.Assessment!.Score));
        Assert.Equal(before + 1, status.Version);
        var history = await grain.GetHistoryAsync();
        Assert.Equal(["early-1", "batch-1", "batch-2"], history.Violations.Select(v => v.DecisionNumber));
    }

    [Fact]
    public async Task RecordViolationAsync_ConcurrentDuplicates_EachDecisionOnce()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var drafts = Enumerable.Range(0, 50).Select(i => TestData.Draft(op, Now.AddDays(-i - 1), "PRICE_MARKING", Severity.Minor, $"decision-{i}")).ToArray();

        var outcomes = await Task.WhenAll(drafts.Concat(drafts).Select(d => grain.RecordViolationAsync(d, "load")));

        Assert.Equal(50, outcomes.Count(o => o.Created));
        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(50, (await grain.GetHistoryAsync()).Violations.Count);
    }

    [Fact]
    public async Task RevokeViolationAsync_WithReason_KeptInHistoryWithWhoAndWhen()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var recorded = await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-5)), "a");

        var revoked = await grain.RevokeViolationAsync(recorded.Violation!.Id, "overturned in court", "judge-liaison", null);

        var change = Assert.Single(revoked.Violation!.Changes);
        Assert.Equal(ViolationStatus.Revoked, change.To);
        Assert.Equal("judge-liaison", change.By);
        Assert.Equal(Now, change.RecordedAt);
        Assert.Equal(100m, revoked.Assessment!.Score);
        var again = await grain.RevokeViolationAsync(recorded.Violation.Id, "twice", "x", null);
        Assert.Equal(CommandErrorKind.FailedPrecondition, again.Error!.Kind);
    }

    [Fact]
    public async Task RevokeViolationAsync_LongHistory_WritesOneEntry_AndTheStoredEntriesReplayToTheSameHistory()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var drafts = Enumerable.Range(0, 40).Select(i => TestData.Draft(op, Now.AddMonths(-8).AddDays(-i), "PRICE_MARKING", Severity.Minor, $"long-{i}")).ToArray();
        var recorded = await grain.RecordViolationsAsync(drafts, "a");
        Assert.Equal(40, fixture.Operators.EntryCount(op));

        await grain.RevokeViolationAsync(recorded[7].Violation!.Id, "overturned", "b", null);
        Assert.Null((await grain.RepairViolationAsync(recorded[39].Violation!.Id, null, "repaired", "c")).Error);

        // Two status changes are two appended entries; nothing recorded before is written again.
        Assert.Equal(42, fixture.Operators.EntryCount(op));
        var stored = (await fixture.Operators.LoadAsync(op))!;
        Assert.Equal(recorded[7].Violation!.Id, stored.History[40].Status!.ViolationId);
        Assert.Empty(stored.History[7].Recorded!.Changes);
        var replayed = new HistoryIndex(op);
        foreach (var e in stored.History)
        {
            if (e.Recorded is { } v)
            {
                replayed = replayed.With(v);
            }
            else
            {
                var v0 = replayed.Find(e.Status!.ViolationId)!;
                replayed = replayed.WithChanged(v0 with { Changes = [.. v0.Changes, e.Status.Change] });
            }
        }

        var history = await grain.GetHistoryAsync();
        Assert.Equal(history.Violations.Select(v => (v.Id, v.Status)), replayed.Violations.Select(v => (v.Id, v.Status)));
        Assert.Equal(ViolationStatus.Revoked, history.Violations[7].Status);
        Assert.Equal((await grain.GetStatusAsync()).Version, stored.Head.Revision);
    }

    [Fact]
    public async Task GetAssessmentAsync_AsOfBeforeRevocation_RevocationAppliesToThePastToo()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var decided = Now.AddDays(-20);
        var recorded = await grain.RecordViolationAsync(TestData.Draft(op, decided), "a");
        Assert.Equal(85m, (await grain.GetAssessmentAsync(decided.AddDays(1))).Score);

        await grain.RevokeViolationAsync(recorded.Violation!.Id, "overturned", "a", null);

        Assert.Equal(100m, (await grain.GetAssessmentAsync(decided.AddDays(1))).Score);
    }

    [Fact]
    public async Task RepairViolationAsync_TooEarly_FailedPreconditionWithEarliest()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var decided = Now.AddMonths(-2);
        var recorded = await grain.RecordViolationAsync(TestData.Draft(op, decided, "COUNTERFEIT_GOODS"), "a");

        var refused = await grain.RepairViolationAsync(recorded.Violation!.Id, null, "application 1", "a");

        Assert.Equal(CommandErrorKind.FailedPrecondition, refused.Error!.Kind);
        // PRODUCT_SAFETY waits 12 months (docs/policy.md §4.6).
        Assert.Equal(decided.AddMonths(12), refused.Error.Earliest);
    }

    [Fact]
    public async Task RepairListingAsync_NotListed_FailedPrecondition()
    {
        var op = TestData.FreshUscc();
        var refused = await fixture.Grains.GetGrain<IOperatorGrain>(op).RepairListingAsync(null, "application", "a", null);
        Assert.Equal(CommandErrorKind.FailedPrecondition, refused.Error!.Kind);
    }
}
