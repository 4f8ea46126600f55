using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// The policy timeline the silo scores with. The server replaces it when a version is published (here or
/// on another silo of the cluster); grains read <see cref="Timeline"/> per call, so a replacement applies
/// to the next assessment. A grain's cached assessment remembers the timeline it was computed under.
/// </summary>
public sealed class PolicyVersions(PolicyTimeline timeline)
{
    private PolicyTimeline timeline = timeline;

    public PolicyVersions(CreditPolicy single)
        : this(PolicyTimeline.Single(single))
    {
    }

    public PolicyTimeline Timeline => Volatile.Read(ref timeline);

    /// <summary>The version in force at <paramref name="t"/>.</summary>
    public CreditPolicy At(DateTimeOffset t) => Timeline.At(t).Policy;

    /// <summary>Raised after <see cref="Replace"/> with the new timeline.</summary>
    public event Action<PolicyTimeline>? Replaced;

    public void Replace(PolicyTimeline next)
    {
        Volatile.Write(ref timeline, next);
        Replaced?.Invoke(next);
    }
}
