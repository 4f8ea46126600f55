using System.Collections.Immutable;
namespace WangJian.Credit.Domain;

/// <summary>
/// One operator's history held for assessment: violations in recording order (what the history pages
/// show), in decision order (what the rules read), and the repaired ones by repair time, so that an
/// assessment at T is given only what can still matter at T instead of the whole history.
/// </summary>
/// <remarks>
/// <para>
/// What can matter at T, under any policy (every number comes from it, see <see cref="HorizonMonths"/>):
/// a violation decided within the policy's horizon before T (in force, in a repeat or repair window, or a
/// listing trigger whose listing may still run at T); one active at T whose repair takes effect after T
/// (the assessment changes then); the earliest decision dated after T (the same); and every violation
/// behind the listing run at T, however old — a run of chained listings can reach back without limit.
/// </para>
/// <para>
/// The last one is found by evaluating the recent slice and checking that its answer cannot depend on
/// what lies before it (<see cref="IsExact"/>); when it could, the slice reaches further back and is
/// evaluated again, at worst over the whole history. Listing repairs are few and always all included.
/// The property test <c>RelevanceFilterTests</c> proves the result identical to the full evaluation.
/// </para>
/// </remarks>
public sealed class HistoryIndex
{
    // Persistent collections: a change returns a new index sharing all but O(log n) of the old one, so an
    // index handed out (a grain's state before a failed write, a read in flight) never changes under it.
    private readonly ImmutableList<Violation> recorded;
    private readonly ImmutableDictionary<string, int> positions;
    private readonly ImmutableList<Violation> chronological;
    private readonly ImmutableList<Violation> repaired;
    private readonly ImmutableList<ListingRepair> listingRepairs;

    public HistoryIndex(string operatorId)
        : this(operatorId, [], ImmutableDictionary.Create<string, int>(StringComparer.Ordinal), [], [], [])
    {
    }

    private HistoryIndex(
        string operatorId,
        ImmutableList<Violation> recorded,
        ImmutableDictionary<string, int> positions,
        ImmutableList<Violation> chronological,
        ImmutableList<Violation> repaired,
        ImmutableList<ListingRepair> listingRepairs)
    {
        OperatorId = operatorId;
        this.recorded = recorded;
        this.positions = positions;
        this.chronological = chronological;
        this.repaired = repaired;
        this.listingRepairs = listingRepairs;
    }

    public string OperatorId { get; }

    /// <summary>Violations in the order they were recorded.</summary>
    public IReadOnlyList<Violation> Violations => recorded;

    public IReadOnlyList<ListingRepair> ListingRepairs => listingRepairs;

    public bool IsEmpty => recorded.Count == 0 && listingRepairs.Count == 0;

    public static HistoryIndex From(OperatorHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var index = new HistoryIndex(history.OperatorId);
        foreach (var v in history.Violations)
        {
            index = index.With(v);
        }

        foreach (var r in history.ListingRepairs)
        {
            index = index.WithListingRepair(r);
        }

        return index;
    }

    /// <summary>
    /// The policy's longest reach back from T: age bands, the repeat window, repair waits, and a listing's
    /// duration after a rule-2 window (a trigger is at most that far after the first violation it counts).
    /// </summary>
    public static int HorizonMonths(CreditPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var age = policy.Age;
        var months = Math.Max(Math.Max(age.MinorMonths, age.FullWeightMonths), age.HalfWeightUntilMonths);
        months = Math.Max(months, policy.Repeat.WindowMonths);
        months = Math.Max(months, policy.Repair.DefaultMonths);
        foreach (var m in policy.Repair.FamilyMonths.Values)
        {
            months = Math.Max(months, m);
        }

        return Math.Max(months, policy.Listing.DurationMonths + policy.Listing.RepeatWindowMonths);
    }

    public Violation? Find(string violationId) => positions.TryGetValue(violationId, out var i) ? recorded[i] : null;

    /// <summary>This history with <paramref name="violation"/> recorded last.</summary>
    public HistoryIndex With(Violation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        if (positions.ContainsKey(violation.Id))
        {
            throw new InvalidOperationException($"violation {violation.Id} is already in the history of {OperatorId}");
        }

        return new HistoryIndex(
            OperatorId,
            recorded.Add(violation),
            positions.Add(violation.Id, recorded.Count),
            chronological.Insert(~chronological.BinarySearch(violation, Chronological.Instance), violation),
            violation.RepairedAt is null ? repaired : InsertRepaired(repaired, violation),
            listingRepairs);
    }

    /// <summary>This history with the same violation in a changed status (its decision, hence its place in time, is unchanged).</summary>
    public HistoryIndex WithChanged(Violation violation)
    {
        ArgumentNullException.ThrowIfNull(violation);
        var previous = Find(violation.Id) ?? throw new InvalidOperationException($"no violation {violation.Id} in the history of {OperatorId}");
        var withoutPrevious = previous.RepairedAt is null ? repaired : repaired.Remove(previous, ReferenceEqualityComparer.Instance);
        return new HistoryIndex(
            OperatorId,
            recorded.SetItem(positions[violation.Id], violation),
            positions,
            chronological.SetItem(chronological.BinarySearch(previous, Chronological.Instance), violation),
            violation.RepairedAt is null ? withoutPrevious : InsertRepaired(withoutPrevious, violation),
            listingRepairs);
    }

    public HistoryIndex WithListingRepair(ListingRepair repair) =>
        new(OperatorId, recorded, positions, chronological, repaired, listingRepairs.Add(repair));

    /// <summary>The whole history (a copy), in recording order.</summary>
    public OperatorHistory ToHistory() => new(OperatorId, [.. recorded], [.. listingRepairs]);

    /// <summary>
    /// The assessment at <paramref name="asOf"/> under the version in force then, with its next change
    /// instant capped at the next effective_from (<see cref="VersionedScoring"/>).
    /// </summary>
    public Assessment Assess(ICreditScorer scorer, PolicyTimeline timeline, DateTimeOffset asOf) =>
        VersionedScoring.Bound(Assess(scorer, timeline.At(asOf).Policy, asOf), timeline);

    /// <summary>The assessment at <paramref name="asOf"/>, identical to <c>scorer.Assess(ToHistory(), policy, asOf)</c>.</summary>
    public Assessment Assess(ICreditScorer scorer, CreditPolicy policy, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(policy);
        var t = asOf.ToUniversalTime();
        var horizon = HorizonMonths(policy);
        var span = horizon;
        while (true)
        {
            var cutoff = Months.Add(t, -span);
            var whole = chronological.Count == 0 || cutoff <= chronological[0].DecidedAt;
            var assessment = scorer.Assess(new OperatorHistory(OperatorId, Relevant(t, whole ? DateTimeOffset.MinValue : cutoff), listingRepairs), policy, asOf);
            if (whole || IsExact(assessment, policy, cutoff, t))
            {
                return assessment;
            }

            // The listing may continue a run that began before the slice: reach a horizon back past its
            // start, where an earlier trigger chaining into it would be (always further than this slice).
            var listedAt = assessment.Listing!.ListedAt.ToUniversalTime();
            var back = ((t.Year - listedAt.Year) * 12) + t.Month - listedAt.Month + 1;
            span = Math.Max(span + 1, back + horizon + 1);
        }
    }

    /// <summary>
    /// Whether an assessment over the violations decided from <paramref name="cutoff"/> on is the one over
    /// the whole history. Every trigger from m(cutoff, repeat window) on is the same in both (a rule-2
    /// trigger there counts no violation before the cutoff), so: not listed is exact when no earlier
    /// trigger's listing can reach T; listed is exact when the run starts after any earlier trigger's
    /// listing has ended, so none can chain into it.
    /// </summary>
    private static bool IsExact(Assessment assessment, CreditPolicy policy, DateTimeOffset cutoff, DateTimeOffset t)
    {
        var safeFrom = Months.Add(cutoff, policy.Listing.RepeatWindowMonths);
        var earlierReach = Months.Add(safeFrom, policy.Listing.DurationMonths);
        return assessment.Listing is { } listing
            ? listing.ListedAt.ToUniversalTime() > earlierReach
            : earlierReach <= t;
    }

    /// <summary>Violations decided in [from, t], those active at t and repaired after it, and the earliest decision after t.</summary>
    private List<Violation> Relevant(DateTimeOffset t, DateTimeOffset from)
    {
        var first = LowerBound(from);
        var end = UpperBound(t);
        var result = new List<Violation>(end - first + 2);

        // Repaired after t but decided before the slice: active at t, so its repair is a change to come.
        for (var i = repaired.Count - 1; i >= 0 && repaired[i].RepairedAt!.Value > t; i--)
        {
            if (repaired[i].DecidedAt < from)
            {
                result.Add(repaired[i]);
            }
        }

        for (var i = first; i < end; i++)
        {
            result.Add(chronological[i]);
        }

        // Only the earliest decision after t that will count can change the assessment next.
        for (var i = end; i < chronological.Count; i++)
        {
            var v = chronological[i];
            if (v.IsActiveAt(v.DecidedAt))
            {
                result.Add(v);
                break;
            }
        }

        return result;
    }

    /// <summary>The first position whose decision is at or after <paramref name="at"/>.</summary>
    private int LowerBound(DateTimeOffset at)
    {
        int lo = 0, hi = chronological.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (chronological[mid].DecidedAt < at)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The first position whose decision is after <paramref name="at"/>.</summary>
    private int UpperBound(DateTimeOffset at)
    {
        int lo = 0, hi = chronological.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (chronological[mid].DecidedAt <= at)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private static ImmutableList<Violation> InsertRepaired(ImmutableList<Violation> repaired, Violation violation)
    {
        var at = violation.RepairedAt!.Value;
        var i = repaired.Count;
        while (i > 0 && repaired[i - 1].RepairedAt!.Value > at)
        {
            i--;
        }

        return repaired.Insert(i, violation);
    }

    private sealed class Chronological : IComparer<Violation>
    {
        public static readonly Chronological Instance = new();

        public int Compare(Violation? x, Violation? y) => Violation.CompareChronologically(x!, y!);
    }
}
