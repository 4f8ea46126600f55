namespace WangJian.Credit.Server.Storage;

/// <summary>
/// The point after which a write may be acknowledged: with the embedded Garnet, when the append-only
/// file holds it. Every RPC that acknowledges a write awaits <see cref="WaitAsync"/> after its last write
/// and before its answer.
/// </summary>
/// <remarks>
/// Garnet can wait for the AOF itself after every command (<c>--aof-commit-wait</c>), but it does so by
/// blocking the connection's session thread, and inside a Lua script once per <c>redis.call</c>. Every
/// store command of the server shares one connection, so all writes queued behind one commit after
/// another (profiled: half of Garnet's time in that wait, a third of it spinning; 1,400 writes/s). Here
/// the AOF is still committed on every write (<c>--aof-commit-freq 0</c>) and replies do not wait for it;
/// a caller that needs durability awaits the in-process Garnet's <c>WaitForCommitAsync</c>, which completes
/// when the log is committed up to its tail at the time of the call. The log is one sequence, so that
/// covers every earlier write of every connection (grain state, reminder, outbox, check), and concurrent
/// callers share the commits in flight: group commit, without a thread blocked per commit.
/// With an external Redis the barrier is a no-op: Redis answers after writing its AOF, and its fsync
/// policy (<c>appendfsync</c>) is the operator's choice.
/// <para>Callers share the waits: a caller joins the next round, and one round at a time asks the store, so under
/// load there is one store wait (and one timeout timer) per round instead of one per call (docs/architecture.md D2).
/// A round starts after everyone in it joined, so the tail it waits for covers each one's writes.</para>
/// </remarks>
public sealed class DurableWrites
{
    private readonly Func<CancellationToken, ValueTask<bool>>? waitForCommit;
    private readonly TimeSpan timeout;
    private readonly Lock gate = new();

    /// <summary>The round callers join now; null when nobody waits for one.</summary>
    private TaskCompletionSource? next;

    /// <summary>Whether a round is being waited for (the loop that runs the rounds is alive).</summary>
    private bool running;

    private DurableWrites(Func<CancellationToken, ValueTask<bool>>? waitForCommit, TimeSpan timeout)
    {
        this.waitForCommit = waitForCommit;
        this.timeout = timeout;
    }

    /// <summary>For a store that acknowledges only durable writes (external Redis).</summary>
    public static DurableWrites StoreAcknowledgesDurably { get; } = new(null, TimeSpan.Zero);

    /// <summary>For the embedded Garnet; a commit not confirmed within <paramref name="timeout"/> fails the call.</summary>
    public static DurableWrites For(EmbeddedGarnet garnet, TimeSpan timeout) => For(garnet.WaitForCommitAsync, timeout);

    /// <summary>For a store whose commit <paramref name="waitForCommit"/> waits for (its tail at the time of the call).</summary>
    internal static DurableWrites For(Func<CancellationToken, ValueTask<bool>> waitForCommit, TimeSpan timeout) => new(waitForCommit, timeout);

    /// <summary>
    /// Completes when every write the store had answered before the call is in the committed log; throws
    /// <see cref="StoreTimeoutException"/> (UNAVAILABLE at the API) when that is not confirmed in time.
    /// </summary>
    public Task WaitAsync()
    {
        if (waitForCommit is null)
        {
            return Task.CompletedTask;
        }

        lock (gate)
        {
            next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var round = next.Task;
            if (!running)
            {
                running = true;
                _ = Task.Run(RunRoundsAsync);
            }

            return round;
        }
    }

    private async Task RunRoundsAsync()
    {
        while (true)
        {
            TaskCompletionSource round;
            lock (gate)
            {
                if (next is null)
                {
                    running = false;
                    return;
                }

                round = next;
                next = null;
            }

            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await waitForCommit!(cancel.Token).AsTask().WaitAsync(cancel.Token);
                round.TrySetResult();
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                round.TrySetException(new StoreTimeoutException($"the store did not confirm the log commit within {timeout.TotalMilliseconds:F0} ms"));
            }
            catch (Exception e)
            {
                round.TrySetException(e);
            }
        }
    }
}
