namespace WangJian.Credit.Server.Startup;

public static class HostLifetimeExtensions
{
    /// <summary>
    /// Completes once the host has started (every listener bound, the silo active), or is cancelled with the
    /// stop. Background work that calls grains waits for this, as the ApplicationStarted callbacks it replaces did.
    /// </summary>
    public static Task WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        return started.Task;
    }
}
