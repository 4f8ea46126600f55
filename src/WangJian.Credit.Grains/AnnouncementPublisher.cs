using WangJian.Credit.Abstractions;

namespace WangJian.Credit.Grains;

/// <summary>
/// The one publisher of what an operator announces, in the order it arose: credit changes to the change
/// feed (<see cref="ICreditChangeLog"/>) and notices to their agencies' outboxes. Both ends are idempotent
/// (per operator and change number, per notice id), so publishing again after a crash or a failure only
/// repeats what the receivers ignore.
/// </summary>
public sealed class AnnouncementPublisher(ICreditChangeLog changeLog, IGrainFactory grains)
{
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
