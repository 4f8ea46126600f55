using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Tests;

/// <summary>
/// docs/policy.md §4 read straight off the page in plain C#, with no rule engine, as the oracle the
/// NRules scorer is checked against and the baseline it is benchmarked against. It is written
/// from the text rather than from the rules, and it only depends on the Domain types, so the
/// benchmark project can compile this one file as a link.
/// </summary>
public sealed class ReferenceScorer : ICreditScorer
{
    private const decimal FullScore = 100m;

    public Assessment Assess(OperatorHistory history, CreditPolicy policy, DateTimeOffset asOf)
    {
        var t = asOf.ToUniversalTime();
        var records = history.Violations
            .Select(v => new Record(v, policy.Offenses[v.OffenseCode]))
            .ToList();

        // §4.2: ties on decided_at are broken by (authority_code, decision_number), ordinally.
        records.Sort((a, b) =>
        {
            var c = a.DecidedAt.CompareTo(b.DecidedAt);
            if (c == 0)
            {
                c = string.CompareOrdinal(a.Violation.AuthorityCode, b.Violation.AuthorityCode);
            }

            return c != 0 ? c : string.CompareOrdinal(a.Violation.DecisionNumber, b.Violation.DecisionNumber);
        });
        for (var i = 0; i < records.Count; i++)
        {
            records[i].Rank = i;
        }

        var deductions = Deductions(records, policy, t);
        var total = deductions.Sum(d => d.Points);
        var score = Math.Max(0m, FullScore - total);
        var listing = ListingAt(records, history.ListingRepairs, policy, t);
        var grade = listing is not null ? Grade.D
            : score >= policy.Grades.A ? Grade.A
            : score >= policy.Grades.B ? Grade.B
            : score >= policy.Grades.C ? Grade.C
            : Grade.D;

        return new Assessment(
            history.OperatorId,
            t,
            policy.Version,
            score,
            grade,
            deductions,
            listing,
            NextChange(records, history.ListingRepairs, listing, policy, t));
    }

    private static DateTimeOffset M(DateTimeOffset t, int months) => t.ToUniversalTime().AddMonths(months);

    private static bool Active(Record r, DateTimeOffset t) =>
        r.DecidedAt <= t && !r.Violation.IsRevoked && (r.RepairedAt is null || r.RepairedAt > t);

    private static decimal AgeWeight(Record r, AgePolicy age, DateTimeOffset t)
    {
        if (t < r.DecidedAt)
        {
            return 0m;
        }

        if (r.Violation.Severity == Severity.Minor)
        {
            return t < M(r.DecidedAt, age.MinorMonths) ? 1m : 0m;
        }

        if (t < M(r.DecidedAt, age.FullWeightMonths))
        {
            return 1m;
        }

        return t < M(r.DecidedAt, age.HalfWeightUntilMonths) ? age.HalfWeight : 0m;
    }

    private static bool InForce(Record r, AgePolicy age, DateTimeOffset t) => Active(r, t) && AgeWeight(r, age, t) > 0m;

    private static List<Deduction> Deductions(List<Record> records, CreditPolicy policy, DateTimeOffset t)
    {
        var windowOpensAfter = M(t, -policy.Repeat.WindowMonths);
        var ordinals = new Dictionary<Record, int>();
        foreach (var family in records.GroupBy(r => r.Offense.Family))
        {
            var n = 0;
            foreach (var r in family.Where(r => Active(r, t) && r.DecidedAt > windowOpensAfter).OrderBy(r => r.Rank))
            {
                ordinals[r] = ++n;
            }
        }

        var result = new List<Deduction>();
        foreach (var r in records.Where(r => InForce(r, policy.Age, t)))
        {
            var basePoints = r.Offense.Points[(int)r.Violation.Severity - 1];
            var heavier = r.Violation.HeavierPenalty ? policy.HeavierPenaltyPoints : 0m;
            var ordinal = ordinals.GetValueOrDefault(r);
            var repeat = ordinal == 0 ? 1m : policy.Repeat.Multipliers[Math.Min(ordinal, policy.Repeat.Multipliers.Count) - 1];
            var aggravated = policy.Health.AggravatedCodes.Contains(r.Offense.Code)
                && records.Any(o => !ReferenceEquals(o, r) && o.Offense.Code == policy.Health.TriggerCode && InForce(o, policy.Age, t));
            var health = aggravated ? policy.Health.Multiplier : 1m;
            var age = AgeWeight(r, policy.Age, t);
            var raw = (basePoints + heavier) * repeat * health * age;
            var points = Math.Round(raw * 2, MidpointRounding.AwayFromZero) / 2;
            result.Add(new Deduction(
                r.Violation.Id,
                r.Offense.Code,
                r.Offense.Family,
                r.Violation.Severity,
                r.Violation.DecisionNumber,
                r.Violation.AuthorityCode,
                r.DecidedAt,
                basePoints,
                heavier,
                ordinal,
                repeat,
                health,
                age,
                points,
                "REFERENCE",
                [],
                r.Offense.LegalBasis));
        }

        return result;
    }

    private static List<Trigger> Triggers(List<Record> records, CreditPolicy policy, DateTimeOffset t)
    {
        var triggers = new List<Trigger>();
        foreach (var r in records.Where(r => Active(r, t)))
        {
            if (r.Offense.Listable && (r.Violation.HeavierPenalty || r.Violation.Severity == Severity.EspeciallySerious))
            {
                triggers.Add(new Trigger(r.DecidedAt, "LISTABLE_HEAVIER_PENALTY", r.Rank, [r.Violation.Id]));
            }
        }

        var lp = policy.Listing;
        var counted = records
            .Where(r => r.Offense.Family == lp.RepeatFamily && r.Violation.Severity >= lp.RepeatMinSeverity && Active(r, t))
            .OrderBy(r => r.Rank)
            .ToList();
        for (var k = lp.RepeatCount - 1; k < counted.Count; k++)
        {
            var group = counted.GetRange(k - lp.RepeatCount + 1, lp.RepeatCount);
            if (counted[k].DecidedAt < M(group[0].DecidedAt, lp.RepeatWindowMonths))
            {
                triggers.Add(new Trigger(counted[k].DecidedAt, "REPEAT_FAKE_REVIEW", counted[k].Rank, group.Select(g => g.Violation.Id).ToList()));
            }
        }

        return triggers;
    }

    private static Listing? ListingAt(List<Record> records, IReadOnlyList<ListingRepair> repairs, CreditPolicy policy, DateTimeOffset t)
    {
        var duration = policy.Listing.DurationMonths;

        // A repair at R ≤ T voids every trigger at or before R.
        var live = Triggers(records, policy, t)
            .Where(tr => !repairs.Any(rp => rp.At.ToUniversalTime() <= t && tr.At <= rp.At.ToUniversalTime()))
            .ToList();

        var containing = live.Where(tr => tr.At <= t && t < M(tr.At, duration)).ToList();
        if (containing.Count == 0)
        {
            return null;
        }

        // Grow the run backwards while an earlier interval reaches (or touches) its start: the
        // operator has been on the list without a break since the earliest one.
        var start = containing.Min(tr => tr.At);
        bool grown;
        do
        {
            grown = false;
            foreach (var tr in live)
            {
                if (tr.At < start && M(tr.At, duration) >= start)
                {
                    start = tr.At;
                    grown = true;
                }
            }
        }
        while (grown);

        var run = live
            .Where(tr => tr.At >= start && tr.At <= t)
            .OrderBy(tr => tr.At)
            .ThenBy(tr => tr.Rank)
            .ThenBy(tr => tr.Rule, StringComparer.Ordinal)
            .ToList();
        var expires = run.Max(tr => M(tr.At, duration));
        return new Listing(start, expires, run.Select(tr => new ListingTrigger(tr.At, tr.Rule, tr.ViolationIds)).ToList());
    }

    private static DateTimeOffset? NextChange(
        List<Record> records,
        IReadOnlyList<ListingRepair> repairs,
        Listing? listing,
        CreditPolicy policy,
        DateTimeOffset t)
    {
        var candidates = new List<DateTimeOffset>();
        foreach (var r in records.Where(r => !r.Violation.IsRevoked))
        {
            var d = r.DecidedAt;
            if (d > t && Active(r, d))
            {
                candidates.Add(d);
            }

            if (!Active(r, t))
            {
                continue;
            }

            if (r.Violation.Severity == Severity.Minor)
            {
                candidates.Add(M(d, policy.Age.MinorMonths));
            }
            else
            {
                candidates.Add(M(d, policy.Age.FullWeightMonths));
                candidates.Add(M(d, policy.Age.HalfWeightUntilMonths));
            }

            candidates.Add(LeavesRepeatWindow(d, policy.Repeat.WindowMonths));
            candidates.Add(M(d, policy.Repair.FamilyMonths.TryGetValue(r.Offense.Family, out var m) ? m : policy.Repair.DefaultMonths));
            if (r.RepairedAt is { } repaired)
            {
                candidates.Add(repaired);
            }
        }

        candidates.AddRange(repairs.Select(rp => rp.At.ToUniversalTime()));
        if (listing is not null)
        {
            candidates.Add(listing.ExpiresAt);
            candidates.Add(M(listing.Triggers.Max(tr => tr.At), policy.Listing.RepairAfterMonths));
        }

        var future = candidates.Where(c => c > t).ToList();
        return future.Count == 0 ? null : future.Min();
    }

    /// <summary>The first T' with m(T', −n) ≥ d, which is later than m(d, n) when that sum was clamped to a month's end.</summary>
    private static DateTimeOffset LeavesRepeatWindow(DateTimeOffset d, int months)
    {
        var end = M(d, months);
        while (M(end, -months) < d)
        {
            // Clamped: every instant of that last day still looks back to before d; the next midnight does not.
            end = new DateTimeOffset(end.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        }

        return end;
    }

    private sealed class Record(Violation violation, OffenseDefinition offense)
    {
        public Violation Violation { get; } = violation;

        public OffenseDefinition Offense { get; } = offense;

        public DateTimeOffset DecidedAt { get; } = violation.DecidedAt.ToUniversalTime();

        public DateTimeOffset? RepairedAt { get; } = violation.RepairedAt?.ToUniversalTime();

        public int Rank { get; set; }
    }

    private sealed record Trigger(DateTimeOffset At, string Rule, int Rank, IReadOnlyList<string> ViolationIds);
}
