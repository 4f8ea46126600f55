using System.Collections.Concurrent;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// The current assessment of each operator whose grain is active on this silo, as its grain last committed it.
/// Reads "now" of such an operator are answered from here without a grain call (docs/architecture.md D16).
/// </summary>
/// <remarks>
/// Only the operator's own activation writes its entry, and only with state that is in the store: it takes
/// the entry away before any change of its record starts and puts it back on the next read after the change
/// is written, and it takes it away when it deactivates. So an entry exists only on the silo that holds the
/// activation, and a read that finds one sees what a grain call would have answered at that moment: a write
/// in progress is not acknowledged yet, a finished one has already replaced the entry. An entry is used only
/// while the instant is before the assessment's next change and the timeline is the one it was scored under,
/// the same test the grain applies to its own cached assessment. An operator with no record gets one only while
/// its activation stays because it is asked about again and again (a popular clean seller, <see cref="UnknownRelease"/>);
/// reads of operators seen once leave nothing here.
/// </remarks>
public sealed class CurrentStatuses
{
    private readonly ConcurrentDictionary<string, CurrentStatus> entries = new(StringComparer.Ordinal);

    /// <summary>The entry of <paramref name="operatorId"/> if it still answers a read at <paramref name="now"/> under <paramref name="timeline"/>.</summary>
    public bool TryGet(string operatorId, PolicyTimeline timeline, DateTimeOffset now, out CurrentStatus status)
    {
        if (entries.TryGetValue(operatorId, out var found) && found.Answers(timeline, now))
        {
            if (!found.Read)
            {
                // Written only when it changes: readers of a popular entry do not contend for its cache line.
                found.Read = true;
            }

            status = found;
            return true;
        }

        status = null!;
        return false;
    }

    /// <summary>
    /// Whether an operator with no record was asked about lately (a hint: a small table by hash): such a one is
    /// worth its grain, whose activation then stays and answers from here.
    /// </summary>
    public bool AskedLately(string operatorId) => RecentlyUnknown.SeenBefore(operatorId);

    /// <summary>Called by the operator's activation with committed state only.</summary>
    internal void Publish(string operatorId, object owner, Assessment assessment, PolicyTimeline timeline, long revision)
    {
        if (entries.TryGetValue(operatorId, out var present) && ReferenceEquals(present.Assessment, assessment) && present.Revision == revision)
        {
            return;
        }

        entries[operatorId] = new CurrentStatus(assessment, timeline, revision, owner);
    }

    /// <summary>
    /// Whether the activation's entry was read here since the last time it asked (and clears that): reads answered
    /// from the entry never reach the grain, yet they are what keeps an operator with no record worth its activation.
    /// </summary>
    internal bool ReadSinceAsked(string operatorId, object owner)
    {
        if (entries.TryGetValue(operatorId, out var present) && ReferenceEquals(present.Owner, owner) && present.Read)
        {
            present.Read = false;
            return true;
        }

        return false;
    }

    /// <summary>Called by the operator's activation before it changes its record, and when it deactivates.</summary>
    internal void Withdraw(string operatorId, object owner)
    {
        if (entries.TryGetValue(operatorId, out var present) && ReferenceEquals(present.Owner, owner))
        {
            entries.TryRemove(KeyValuePair.Create(operatorId, present));
        }
    }
}

/// <summary>One operator's committed current assessment, with the head revision it belongs to.</summary>
public sealed class CurrentStatus(Assessment assessment, PolicyTimeline timeline, long revision, object owner)
{
    public Assessment Assessment { get; } = assessment;

    public PolicyTimeline Timeline { get; } = timeline;

    public long Revision { get; } = revision;

    internal object Owner { get; } = owner;

    /// <summary>Set by a read answered from this entry, cleared by <see cref="CurrentStatuses.ReadSinceAsked"/>.</summary>
    internal volatile bool Read;

    /// <summary>A mapping of <see cref="Assessment"/> the API layer keeps with the entry (set once, then only read).</summary>
    public object? Mapped { get; set; }

    internal bool Answers(PolicyTimeline timeline, DateTimeOffset now) =>
        ReferenceEquals(Timeline, timeline) && now >= Assessment.AsOf && (Assessment.NextChangeAt is not { } next || now < next);
}
