using Microsoft.Extensions.Logging;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Grains.Operators;

namespace WangJian.Credit.Grains;

/// <summary>
/// The one publisher of what an operator announces, in the order it arose: credit changes to the change
/// feed (<see cref="ICreditChangeLog"/>) and notices to their agencies' outboxes. Both ends are idempotent
/// (per operator and change number, per notice id), so publishing again after a crash or a failure only
/// repeats what the receivers ignore. One per operator activation: it keeps the retry timer while part of
/// the outbox could not go out.
/// </summary>
/// <param name="startTimer">Registers the activation's grain timer that calls the given retry every <see cref="Retry"/>.</param>
public sealed class AnnouncementPublisher(ICreditChangeLog changeLog, IGrainFactory grains, ILogger logger, Func<Func<Task>, TimeSpan, IDisposable> startTimer)
{
    /// <summary>How often a failed publication is tried again (and at the next activation in any case).</summary>
    public static readonly TimeSpan Retry = TimeSpan.FromSeconds(5);

    private IDisposable? retryTimer;

    /// <summary>
    /// Publishes the outbox of <paramref name="state"/> and returns the state with what went out forgotten (in
    /// memory only: the next write stores that, and until then a reactivation merely republishes). On a failure
    /// the rest waits for <paramref name="retry"/> on the timer; the command that caused it has succeeded.
    /// </summary>
    public async Task<OperatorSnapshot> PublishOutboxAsync(OperatorSnapshot state, Func<Task> retry)
    {
        var (published, failure) = state.Head.Announcements.Count == 0 ? (0, null) : await PublishAsync(state.Head.Announcements);
        var rest = OperatorCore.Published(state, published);
        if (failure is null)
        {
            retryTimer?.Dispose();
            retryTimer = null;
            return rest;
        }

        logger.LogWarning(failure, "Publishing {Count} announcement(s) of {Operator} failed; retrying", rest.Head.Announcements.Count, state.OperatorId);
        retryTimer ??= startTimer(retry, Retry);
        return rest;
    }

    /// <summary>Publishes in order; returns how many went out before the first failure (and that failure, if any).</summary>
    public async Task<(int Published, Exception? Failure)> PublishAsync(IReadOnlyList<Announcement> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var published = 0;
        try
        {
            foreach (var a in pending)
            {
                if (a.Change is { } change)
                {
                    await changeLog.PublishAsync(change);
                }
                else if (a.Notice is { } notice)
                {
                    await grains.GetGrain<IAgencyOutboxGrain>(notice.Agency).EnqueueAsync(notice);
                }

                published++;
            }

            return (published, null);
        }
        catch (Exception e)
        {
            return (published, e);
        }
    }
}
