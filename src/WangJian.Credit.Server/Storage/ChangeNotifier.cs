using StackExchange.Redis;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Wakes change-feed watchers when any server publishes a change (pub/sub on the shared store).
/// Watchers also poll, so a lost notification only delays, never loses, a change. Subscribes when the
/// host starts and unsubscribes when it stops.
/// </summary>
public sealed class ChangeNotifier(IConnectionMultiplexer redis) : IChangeSignal, IHostedService
{
    private TaskCompletionSource signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ChannelMessageQueue? queue;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        queue = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisChangeLog.NotifyChannel));
        queue.OnMessage(_ => Interlocked.Exchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult());
    }

    /// <summary>Completes at the next published change, or after <paramref name="timeout"/>.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) =>
        Task.WhenAny(Volatile.Read(ref signal).Task, Task.Delay(timeout, ct));

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (queue is not null)
        {
            await queue.UnsubscribeAsync();
        }
    }
}
