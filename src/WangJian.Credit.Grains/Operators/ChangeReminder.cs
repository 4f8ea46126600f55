namespace WangJian.Credit.Grains.Operators;

/// <summary>The operator's one reminder, at the next instant its assessment changes by itself (arithmetic: <see cref="ReminderSchedule"/>).</summary>
internal static class ChangeReminder
{
    public const string Name = "next-change";

    /// <summary>Registers (or moves) the reminder for <paramref name="next"/>, or removes it when nothing will change.</summary>
    public static async Task SetAsync(Grain grain, DateTimeOffset? next, DateTimeOffset now)
    {
        if (next is { } at)
        {
            await grain.RegisterOrUpdateReminder(Name, ReminderSchedule.Due(at, now), ReminderSchedule.Period);
        }
        else if (await grain.GetReminder(Name) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}
