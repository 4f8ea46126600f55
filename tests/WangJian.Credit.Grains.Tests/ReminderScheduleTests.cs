namespace WangJian.Credit.Grains.Tests;

[Trait("Category", "Unit")]
public sealed class ReminderScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Due_IsTheWaitToTheChange_NeverNegative_CappedAtMaxDue()
    {
        Assert.Equal(TimeSpan.FromDays(3), ReminderSchedule.Due(Now.AddDays(3), Now));
        Assert.Equal(TimeSpan.Zero, ReminderSchedule.Due(Now.AddDays(-1), Now));
        Assert.Equal(ReminderSchedule.MaxDue, ReminderSchedule.Due(Now.AddDays(400), Now));
        Assert.Equal(ReminderSchedule.MaxDue, ReminderSchedule.Due(Now + ReminderSchedule.MaxDue, Now));
    }

    [Fact]
    public void DueAt_IsWhenTheReminderFires_NoneForNoChange()
    {
        Assert.Equal(Now.AddDays(3), ReminderSchedule.DueAt(Now.AddDays(3), Now));
        Assert.Equal(Now + ReminderSchedule.MaxDue, ReminderSchedule.DueAt(Now.AddYears(2), Now));
        Assert.Null(ReminderSchedule.DueAt(null, Now));
    }

    [Fact]
    public void NeedsEarlier_OnlyForAnEarlierChange_OrWhenNoneIsKnownOrItIsPast()
    {
        var registered = Now.AddDays(10);

        // No change to come: nothing to register.
        Assert.False(ReminderSchedule.NeedsEarlier(registered, null, Now));

        // None registered, or the registered one is past (it fired and was re-armed since): register.
        Assert.True(ReminderSchedule.NeedsEarlier(null, Now.AddDays(50), Now));
        Assert.True(ReminderSchedule.NeedsEarlier(Now, Now.AddDays(50), Now));

        // Earlier than the registered one: move it; later or the same: the registered one fires early and re-arms.
        Assert.True(ReminderSchedule.NeedsEarlier(registered, Now.AddDays(9), Now));
        Assert.False(ReminderSchedule.NeedsEarlier(registered, Now.AddDays(10), Now));
        Assert.False(ReminderSchedule.NeedsEarlier(registered, Now.AddDays(11), Now));

        // A change beyond the cap is compared by when its capped reminder would fire.
        var capped = Now + ReminderSchedule.MaxDue;
        Assert.False(ReminderSchedule.NeedsEarlier(capped, Now.AddYears(1), Now));
        Assert.True(ReminderSchedule.NeedsEarlier(capped.AddDays(1), Now.AddYears(1), Now));
    }
}
