namespace WangJian.Credit.Grains;

/// <summary>
/// When an operator with no record lets its activation go. It has nothing worth keeping in memory: read for
/// the first time in a while, its activation goes as soon as it is idle (a later call simply activates it
/// again), so a sweep over many unknown operators leaves nothing behind. One asked about again soon after
/// (a popular clean seller) stays until a tick of <see cref="Linger"/> passes without a read, so it is not
/// reactivated per call.
/// </summary>
/// <param name="hasRecord">Whether the operator has a record now.</param>
/// <param name="readElsewhere">Whether its status was read since the last tick without a call of the grain (<see cref="CurrentStatuses"/>).</param>
/// <param name="deactivate">The grain's DeactivateOnIdle.</param>
/// <param name="startTimer">Registers the grain timer that calls the given tick every <see cref="Linger"/>.</param>
internal sealed class UnknownRelease(Func<bool> hasRecord, Func<bool> readElsewhere, Action deactivate, Func<Func<Task>, IDisposable> startTimer)
{
    /// <summary>How long an operator with no record stays in memory after its last read: one to two of these.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(250);

    private IDisposable? timer;
    private bool readSinceTick;

    /// <summary>Whether the activation stays after its reads (an operator with no record asked about again lately).</summary>
    public bool Keeps => timer is not null;

    /// <summary>After a read of <paramref name="operatorId"/>.</summary>
    public void Read(string operatorId)
    {
        if (hasRecord())
        {
            return;
        }

        if (timer is null && !RecentlyUnknown.SeenBefore(operatorId))
        {
            deactivate();
            return;
        }

        readSinceTick = true;
        timer ??= startTimer(Tick);
    }

    private Task Tick()
    {
        var elsewhere = readElsewhere();
        if (hasRecord())
        {
            timer?.Dispose();
            timer = null;
        }
        else if (!readSinceTick && !elsewhere)
        {
            deactivate();
        }

        readSinceTick = false;
        return Task.CompletedTask;
    }
}
