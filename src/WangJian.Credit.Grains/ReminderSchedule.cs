namespace WangJian.Credit.Grains;

/// <summary>
/// When the operator's "next change" reminder fires and when it must move. Reminders fire on the silo's
/// wall clock, so a due time is capped at <see cref="MaxDue"/> and the reminder re-armed when it fires;
/// the reminder is moved only to an earlier instant (docs/architecture.md, D11).
/// </summary>
public static class ReminderSchedule
{
    /// <summary>The longest due time a reminder is registered with; a later change is reached by re-arming.</summary>
    public static readonly TimeSpan MaxDue = TimeSpan.FromDays(30);

    /// <summary>The period of the reminder: a safety net if a tick is lost, never the way a change is reached.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromDays(1);

    /// <summary>The due time to register now for a change at <paramref name="next"/>: not negative, at most <see cref="MaxDue"/>.</summary>
    public static TimeSpan Due(DateTimeOffset next, DateTimeOffset now)
    {
        var due = next - now;
        return due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxDue ? MaxDue : due;
    }

    /// <summary>The instant a reminder registered now for <paramref name="next"/> fires (credit time), or null for none.</summary>
    public static DateTimeOffset? DueAt(DateTimeOffset? next, DateTimeOffset now) =>
        next is { } at ? now + Due(at, now) : null;

    /// <summary>
    /// Whether the reminder must move: a wake-up due before the registered reminder, or none known. A due
    /// instant already past counts as unknown: the reminder has fired and been re-armed since (a tick
    /// updates the due instant in memory only, and the activation may have gone before the next write).
    /// </summary>
    public static bool NeedsEarlier(DateTimeOffset? registeredAt, DateTimeOffset? next, DateTimeOffset now) =>
        next is { } at && (registeredAt is not { } due || due <= now || DueAt(at, now) < due);
}
