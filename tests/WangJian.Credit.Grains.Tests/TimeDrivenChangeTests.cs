using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

/// <summary>
/// The grain keeps a reminder for the next instant its assessment changes, and when it fires with the
/// clock there, grade and listing change with no new record. Own fixture: these tests move the clock far.
/// </summary>
[Trait("Category", "Unit")]
public sealed class TimeDrivenChangeTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    private async Task<ReminderEntry?> ReminderOf(string op)
    {
        var table = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var id = ((GrainReference)grain).GrainId;
        return await table.ReadRow(id, OperatorGrain.NextChangeReminder);
    }

    private async Task FireAsync(string op)
    {
        var remindable = fixture.Grains.GetGrain<IOperatorGrain>(op).AsReference<IRemindable>();
        await remindable.ReceiveReminder(OperatorGrain.NextChangeReminder, new TickStatus(Now.UtcDateTime, TimeSpan.FromDays(1), Now.UtcDateTime));
    }

    [Fact]
    public async Task Reminder_AfterRecording_SetForTheNextChange_AndGradeImprovesAsTheDeductionAges()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        // SERIOUS FALSE_AD_HEALTH: 25 points → 75 (B); halves to 12.5 at 12 months → 87.5 (B);
        // plus a GENERAL PRICE_FRAUD (8) decided the same day: 67 (C) → 83.5 (B) after 12 months.
        var decided = Now.AddDays(-1);
        await grain.RecordViolationAsync(TestData.Draft(op, decided, "FALSE_AD_HEALTH", Severity.Serious), "a");
        var recorded = await grain.RecordViolationAsync(TestData.Draft(op, decided, "PRICE_FRAUD", Severity.General), "a");
        Assert.Equal(67m, recorded.Assessment!.Score);
        Assert.Equal(Grade.C, recorded.Assessment.Grade);

        var next = recorded.Assessment.NextChangeAt;
        Assert.NotNull(next);
        var reminder = await ReminderOf(op);
        Assert.NotNull(reminder);
        // Orleans runs reminders on real time: due = next change − credit time, capped at 30 days (then re-armed).
        var due = next.Value - Now;
        var expectedDue = due > TimeSpan.FromDays(30) ? TimeSpan.FromDays(30) : due;
        Assert.InRange((reminder!.StartAt - DateTime.UtcNow) - expectedDue, TimeSpan.FromMinutes(-2), TimeSpan.FromMinutes(2));

        // Walk the clock from wake-up to wake-up until a year has passed, as the reminders would.
        var yearLater = decided.AddMonths(12);
        while (Now < yearLater)
        {
            var wake = (await grain.GetAssessmentAsync(null)).NextChangeAt!.Value;
            fixture.Time.SetUtcNow(wake < yearLater ? wake : yearLater);
            await FireAsync(op);
        }

        var aged = await grain.GetAssessmentAsync(null);
        Assert.Equal(83.5m, aged.Score);
        Assert.Equal(Grade.B, aged.Grade);
        Assert.Single((await grain.GetHistoryAsync()).Violations, v => v.OffenseCode == "PRICE_FRAUD");
    }

    [Fact]
    public async Task Reminder_ListedOperator_ListingEndsAt36MonthsWithNoNewRecord()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var decided = Now.AddHours(-1);
        var recorded = await grain.RecordViolationAsync(TestData.Draft(op, decided, "UNSAFE_FOOD", Severity.EspeciallySerious), "a");
        Assert.True(recorded.Assessment!.Blacklisted);
        Assert.Equal(decided.AddMonths(36), recorded.Assessment.Listing!.ExpiresAt);

        var expiry = decided.AddMonths(36);
        while (Now < expiry)
        {
            var wake = (await grain.GetAssessmentAsync(null)).NextChangeAt!.Value;
            Assert.True(wake <= expiry, "no wake-up may skip the listing's expiry");
            fixture.Time.SetUtcNow(wake);
            await FireAsync(op);
            Assert.Equal(Now < expiry, (await grain.GetAssessmentAsync(null)).Blacklisted);
        }

        var after = await grain.GetAssessmentAsync(null);
        Assert.False(after.Blacklisted);
        Assert.Equal(100m, after.Score);
        Assert.Equal(Grade.A, after.Grade);
        Assert.Single((await grain.GetHistoryAsync()).Violations);

        // The feed got the listing when recorded and the lifting when time ended it, once each, in order.
        var changes = fixture.Changes.For(op);
        Assert.Equal([1L, 2L], changes.Select(c => c.Number));
        Assert.Equal((ChangeCause.Recorded, false, true), (changes[0].Cause, changes[0].Previous.Blacklisted, changes[0].Current.Blacklisted));
        Assert.Equal((ChangeCause.Time, true, false), (changes[1].Cause, changes[1].Previous.Blacklisted, changes[1].Current.Blacklisted));
        Assert.Equal(expiry, changes[1].At);
    }
}
