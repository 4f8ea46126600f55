using System.Globalization;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Applications;

/// <summary>What happens at one step of the path to repair.</summary>
public enum RepairStepKind
{
    /// <summary>The status changes by itself: a deduction halves or ends, a listing ends.</summary>
    StatusChange = 1,

    /// <summary>A violation may be repaired from this instant.</summary>
    ViolationRepairable = 2,

    /// <summary>The listing may be repaired from this instant.</summary>
    ListingRepairable = 3,
}

/// <summary>One dated instant ahead, with the status from then on if nothing is recorded or repaired.</summary>
/// <remarks>MeasuresLifted: Agency measures that lift at this instant, as AGENCY:CODE.</remarks>
public sealed record RepairStep(
    DateTimeOffset At,
    RepairStepKind Kind,
    string? ViolationId,
    string Description,
    decimal Score,
    Grade Grade,
    bool Blacklisted,
    IReadOnlyList<string> MeasuresLifted);

/// <summary>
/// The path to repair: the instants ahead at which the status changes by itself, found by asking the same
/// pure scorer at each assessment's next change time (docs/policy.md §4.7) until nothing changes any more,
/// and the earliest date each active violation and the listing may be repaired. Each step shows the score
/// and grade from then on, so an operator sees what waiting does and what a repair would bring forward.
/// </summary>
public static class RepairPath
{
    /// <summary>Enough for every band of a 3-year history with a margin; the walk ends earlier when the record is quiet.</summary>
    private const int MaxAssessments = 200;

    public static IReadOnlyList<RepairStep> Compute(OperatorHistory history, PolicyTimeline versions, ICreditScorer scorer, DateTimeOffset now)
    {
        var steps = new List<RepairStep>();
        // Each instant under the version in force then: a published version ahead changes the path too.
        var current = scorer.Assess(history, versions, now);
        var policy = versions.PolicyOf(current);

        // The status from each instant on, to label the repairable dates with the status then.
        var timeline = new List<Assessment> { current };
        var previous = current;
        for (var i = 0; i < MaxAssessments && previous.NextChangeAt is { } next; i++)
        {
            var at = scorer.Assess(history, versions, next);
            timeline.Add(at);
            if (Differs(previous, at))
            {
                steps.Add(new RepairStep(
                    next, RepairStepKind.StatusChange, null, Describe(previous, at, versions.PolicyOf(at)), at.Score, at.Grade, at.Blacklisted,
                    previous.Listing is not null && at.Listing is null ? versions.PolicyOf(previous).Measures.Select(m => $"{m.Agency}:{m.Code}").ToArray() : []));
            }

            previous = at;
        }

        Assessment StatusAt(DateTimeOffset t) => timeline.Last(a => a.AsOf <= t || a == timeline[0]);

        foreach (var v in history.Violations.Where(v => v.IsActiveAt(now)).OrderBy(v => v, Comparer<Violation>.Create(Violation.CompareChronologically)))
        {
            if (!current.Deductions.Any(d => d.ViolationId == v.Id) && !IsBehind(v, current.Listing))
            {
                // Nothing to repair: it no longer deducts or lists.
                continue;
            }

            var check = RepairEligibility.CheckViolationRepair(v, policy, current.Listing, now);
            var from = check.Allowed ? now : check.EarliestAt;
            if (from is { } t)
            {
                var s = StatusAt(t);
                steps.Add(new RepairStep(
                    t, RepairStepKind.ViolationRepairable, v.Id,
                    $"{v.DecisionNumber} ({v.AuthorityCode}) may be repaired{(check.Allowed ? " now" : string.Empty)}: apply to {v.AuthorityName}",
                    s.Score, s.Grade, s.Blacklisted, []));
            }
        }

        if (current.Listing is { } listing)
        {
            var t = RepairEligibility.EarliestListingRepair(listing, policy);
            var when = t < now ? now : t;
            var s = StatusAt(when);
            steps.Add(new RepairStep(
                when, RepairStepKind.ListingRepairable, null,
                $"the listing since {Day(listing.ListedAt)} may be repaired{(t <= now ? " now" : string.Empty)} (it ends by itself at {Day(listing.ExpiresAt)})",
                s.Score, s.Grade, s.Blacklisted, []));
        }

        return steps.OrderBy(s => s.At).ThenBy(s => s.Kind).ToArray();
    }

    private static bool Differs(Assessment a, Assessment b) =>
        a.Score != b.Score || a.Grade != b.Grade || a.Blacklisted != b.Blacklisted
        || a.Deductions.Count != b.Deductions.Count
        || a.Deductions.Zip(b.Deductions).Any(p => p.First.ViolationId != p.Second.ViolationId || p.First.Points != p.Second.Points);

    private static string Describe(Assessment before, Assessment after, CreditPolicy policy)
    {
        var parts = new List<string>();
        if (before.Listing is not null && after.Listing is null)
        {
            parts.Add($"the listing since {Day(before.Listing.ListedAt)} ends; {policy.Measures.Count} agency measures lift");
        }

        var afterById = after.Deductions.ToDictionary(d => d.ViolationId, StringComparer.Ordinal);
        foreach (var d in before.Deductions)
        {
            if (!afterById.TryGetValue(d.ViolationId, out var now))
            {
                parts.Add($"{d.DecisionNumber} stops deducting ({Points(d.Points)} points)");
            }
            else if (now.AgeWeight < d.AgeWeight)
            {
                parts.Add($"{d.DecisionNumber} deducts at half weight ({Points(d.Points)} → {Points(now.Points)} points)");
            }
            else if (now.Points != d.Points)
            {
                parts.Add($"{d.DecisionNumber} deducts {Points(now.Points)} instead of {Points(d.Points)} points");
            }
        }

        parts.Add($"score {Points(before.Score)} → {Points(after.Score)}, grade {before.Grade} → {after.Grade}");
        return string.Join("; ", parts);
    }

    private static bool IsBehind(Violation v, Listing? listing) => listing?.Triggers.Any(t => t.ViolationIds.Contains(v.Id)) == true;

    private static string Points(decimal p) => p.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
