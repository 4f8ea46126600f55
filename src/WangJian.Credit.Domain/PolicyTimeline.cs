namespace WangJian.Credit.Domain;

/// <summary>
/// One published policy version: the document as published (the loader's input, kept verbatim so a
/// version can be shown and diffed exactly as it was approved), its parsed policy, and from when it is in force.
/// </summary>
public sealed record PolicyVersion(
    CreditPolicy Policy,
    string Document,
    DateTimeOffset EffectiveFrom,
    string PublishedBy,
    DateTimeOffset PublishedAt,
    string? ApprovalId = null)
{
    public string Version => Policy.Version;
}

/// <summary>
/// Every published version ordered by <see cref="PolicyVersion.EffectiveFrom"/>: the status at T is computed
/// under the version in force at T, the latest whose effective_from is at or before T. Immutable: a
/// publication builds a new timeline, so a reader holding one sees a consistent set.
/// </summary>
public sealed class PolicyTimeline
{
    /// <summary>When the shipped file is in force from, as the initial version.</summary>
    public static readonly DateTimeOffset InitialEffectiveFrom = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly PolicyVersion[] versions;
    private readonly Dictionary<string, PolicyVersion> byVersion;

    public PolicyTimeline(IEnumerable<PolicyVersion> versions)
    {
        this.versions = versions.OrderBy(v => v.EffectiveFrom).ThenBy(v => v.PublishedAt).ToArray();
        if (this.versions.Length == 0)
        {
            throw new ArgumentException("a policy timeline needs at least one version", nameof(versions));
        }

        byVersion = this.versions.ToDictionary(v => v.Version, StringComparer.Ordinal);
    }

    /// <summary>A timeline of one version in force for all of time (tests, tools, a fresh store).</summary>
    public static PolicyTimeline Single(CreditPolicy policy, string document = "") =>
        new([new PolicyVersion(policy, document, InitialEffectiveFrom, "system", InitialEffectiveFrom)]);

    /// <summary>Oldest effective first.</summary>
    public IReadOnlyList<PolicyVersion> Versions => versions;

    /// <summary>The version with the latest effective_from.</summary>
    public PolicyVersion Latest => versions[^1];

    /// <summary>
    /// The version in force at <paramref name="t"/>. Before the first effective_from (no status is asked
    /// that early in practice: decisions start in 2000) the first version answers.
    /// </summary>
    public PolicyVersion At(DateTimeOffset t)
    {
        // Few versions, newest asked most: a scan from the end beats a binary search here.
        for (var i = versions.Length - 1; i > 0; i--)
        {
            if (versions[i].EffectiveFrom <= t)
            {
                return versions[i];
            }
        }

        return versions[0];
    }

    /// <summary>The first effective_from after <paramref name="t"/>: a status computed at t may change then.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset t)
    {
        for (var i = 0; i < versions.Length; i++)
        {
            if (versions[i].EffectiveFrom > t)
            {
                return versions[i].EffectiveFrom;
            }
        }

        return null;
    }

    /// <summary>Until when <paramref name="version"/> is in force (exclusive); null while no later version is published.</summary>
    public DateTimeOffset? InForceUntil(PolicyVersion version)
    {
        var i = Array.IndexOf(versions, version);
        return i >= 0 && i + 1 < versions.Length ? versions[i + 1].EffectiveFrom : null;
    }

    public PolicyVersion? Find(string version) => byVersion.GetValueOrDefault(version);

    /// <summary>The policy named by an assessment (its version), or the one in force at its instant.</summary>
    public CreditPolicy PolicyOf(Assessment assessment) =>
        Find(assessment.PolicyVersion)?.Policy ?? At(assessment.AsOf).Policy;

    /// <summary>A timeline with <paramref name="version"/> added.</summary>
    public PolicyTimeline With(PolicyVersion version) => new([.. versions, version]);
}

/// <summary>
/// Scoring under a timeline: the assessment at T uses the version in force at T, and an upcoming
/// effective_from is a change instant like any other (the next assessment may differ then).
/// </summary>
public static class VersionedScoring
{
    public static Assessment Assess(this ICreditScorer scorer, OperatorHistory history, PolicyTimeline timeline, DateTimeOffset asOf) =>
        Bound(scorer.Assess(history, timeline.At(asOf).Policy, asOf), timeline);

    /// <summary>Caps <see cref="Assessment.NextChangeAt"/> at the next effective_from after its instant.</summary>
    public static Assessment Bound(Assessment assessment, PolicyTimeline timeline)
    {
        if (timeline.NextAfter(assessment.AsOf) is not { } next || (assessment.NextChangeAt is { } at && at <= next))
        {
            return assessment;
        }

        return assessment with { NextChangeAt = next };
    }
}
