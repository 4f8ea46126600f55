using Orleans.Runtime;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

/// <summary>
/// The silo's shared current statuses are what a grain call would answer: filled by a read of committed state,
/// withdrawn before a change, for an operator with no record only while it is asked about again and again, gone
/// with the activation, and not used
/// past the assessment's next change.
/// </summary>
[Trait("Category", "Unit")]
public sealed class CurrentStatusesTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    private bool TryGet(string op, out CurrentStatus status) => fixture.Current.TryGet(op, fixture.Timeline, Now, out status);

    [Fact]
    public async Task Read_OfCommittedRecord_SharesTheSameAssessment()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.Operator(op);
        await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1)), "tester");

        var read = await grain.GetStatusAsync();

        Assert.True(TryGet(op, out var shared));
        Assert.Equal(
            (read.Assessment.Score, read.Assessment.Grade, read.Assessment.PolicyVersion, read.Assessment.NextChangeAt, read.Assessment.Deductions.Count),
            (shared.Assessment.Score, shared.Assessment.Grade, shared.Assessment.PolicyVersion, shared.Assessment.NextChangeAt, shared.Assessment.Deductions.Count));
        Assert.Equal(read.Version, shared.Revision);
        Assert.Equal(85m, shared.Assessment.Score);
    }

    [Fact]
    public async Task Change_WithdrawsTheEntryBeforeItIsAcknowledged_AndTheNextReadSharesTheNewOne()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.Operator(op);
        await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-2)), "tester");
        await grain.GetAssessmentAsync(null);
        Assert.True(TryGet(op, out var before));

        var second = await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1), offense: "PRICE_FRAUD"), "tester");

        Assert.False(TryGet(op, out _));
        await grain.GetAssessmentAsync(null);
        Assert.True(TryGet(op, out var after));
        Assert.Equal(second.Assessment!.Score, after.Assessment.Score);
        Assert.True(after.Assessment.Score < before.Assessment.Score);
        Assert.True(after.Revision > before.Revision);
    }

    [Fact]
    public async Task Revoke_WithdrawsTheEntry()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.Operator(op);
        var recorded = await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1)), "tester");
        await grain.GetAssessmentAsync(null);
        Assert.True(TryGet(op, out _));

        await grain.RevokeViolationAsync(recorded.Violation!.Id, "wrong operator", "tester", null);

        Assert.False(TryGet(op, out _));
        Assert.Equal(100m, (await grain.GetAssessmentAsync(null)).Score);
        Assert.True(TryGet(op, out var shared));
        Assert.Equal(100m, shared.Assessment.Score);
    }

    [Fact]
    public async Task FailedWrite_LeavesNoEntryOfTheUncommittedState()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.Operator(op);
        await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-2)), "tester");
        await grain.GetAssessmentAsync(null);

        fixture.Operators.FailWritesOf = op;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1), offense: "PRICE_FRAUD"), "tester"));
            Assert.False(TryGet(op, out _));
        }
        finally
        {
            fixture.Operators.FailWritesOf = null;
        }

        // The reload after the failure shares what the store has: the one committed decision.
        Assert.Equal(85m, (await grain.GetAssessmentAsync(null)).Score);
        Assert.True(TryGet(op, out var shared));
        Assert.Equal(85m, shared.Assessment.Score);
    }

    [Fact]
    public async Task NeverSeenOperator_GetsNoEntry()
    {
        var op = TestData.FreshUscc();
        var status = await fixture.Grains.Operator(op).GetStatusAsync();

        Assert.Equal(100m, status.Assessment.Score);
        Assert.False(TryGet(op, out _));
    }

    [Fact]
    public async Task OperatorWithNoRecord_AskedAboutAgain_IsShared_UntilItsFirstRecord()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.Operator(op);
        await grain.GetStatusAsync();

        // Asked again soon: its activation stays (a popular clean seller) and answers from the shared entry.
        var again = await grain.GetStatusAsync();
        Assert.True(TryGet(op, out var shared));
        Assert.Equal((100m, 0L), (shared.Assessment.Score, shared.Revision));
        Assert.Equal(again.Assessment.Score, shared.Assessment.Score);

        await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1)), "tester");
        Assert.False(TryGet(op, out _));
        await grain.GetStatusAsync();
        Assert.True(TryGet(op, out var recorded));
        Assert.Equal(85m, recorded.Assessment.Score);
    }

    [Fact]
    public async Task Deactivation_WithdrawsTheEntry()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.Operator(op);
        await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1)), "tester");
        await grain.GetAssessmentAsync(null);
        Assert.True(TryGet(op, out _));

        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.False(TryGet(op, out _));
    }

    [Fact]
    public void Entry_IsNotUsedAtOrAfterTheNextChange_NorUnderAnotherTimeline()
    {
        var op = TestData.FreshUscc();
        var at = Now;
        var next = at.AddDays(30);
        var assessment = new Assessment(op, at, "2019.1", 85m, Grade.B, [], null, next);
        var statuses = new CurrentStatuses();
        var owner = new object();
        statuses.Publish(op, owner, assessment, fixture.Timeline, 3);

        Assert.True(statuses.TryGet(op, fixture.Timeline, next.AddTicks(-1), out _));
        Assert.False(statuses.TryGet(op, fixture.Timeline, next, out _));
        Assert.False(statuses.TryGet(op, fixture.Timeline, at.AddTicks(-1), out _));
        Assert.False(statuses.TryGet(op, PolicyTimeline.Single(fixture.Policy), at, out _));

        // Only the activation that wrote the entry takes it away.
        statuses.Withdraw(op, new object());
        Assert.True(statuses.TryGet(op, fixture.Timeline, at, out _));
        statuses.Withdraw(op, owner);
        Assert.False(statuses.TryGet(op, fixture.Timeline, at, out _));
    }
}
