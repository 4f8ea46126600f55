using WangJian.Credit.Domain;

namespace WangJian.Credit.Benchmarks;

/// <summary>Deterministic, realistic histories: mostly in force, a few repeats, repairs and revocations.</summary>
internal static class SampleHistories
{
    public static readonly DateTimeOffset AsOf = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    public static OperatorHistory Create(CreditPolicy policy, int count, int seed = 2019)
    {
        var random = new Random(seed);
        var codes = policy.Offenses.Keys.Order(StringComparer.Ordinal).ToArray();

        // Larger histories span more years, as a long-lived operator's would.
        var spanDays = count <= 10 ? 3 * 365 : 5 * 365;
        var violations = new List<Violation>(count);
        for (var i = 0; i < count; i++)
        {
            var decided = AsOf.AddDays(-random.Next(1, spanDays)).AddSeconds(-random.Next(0, 86_400));
            var number = $"杭市监处罚〔{decided.Year}〕{i + 1}号";
            var changes = new List<StatusChange>();
            var roll = random.Next(100);
            if (roll < 5)
            {
                changes.Add(new StatusChange(ViolationStatus.Revoked, decided.AddDays(90), "court", "overturned", decided.AddDays(90)));
            }
            else if (roll < 15 && decided.AddMonths(12) < AsOf)
            {
                changes.Add(new StatusChange(ViolationStatus.Repaired, decided.AddMonths(12), "regulator", "repair approved", decided.AddMonths(12)));
            }

            var heavier = random.Next(100) < 10;
            violations.Add(new Violation(
                Violation.IdFor("SAMR", number),
                "91330106673959654P",
                codes[random.Next(codes.Length)],
                (Severity)random.Next(1, 5),
                [heavier ? PenaltyKind.Suspension : PenaltyKind.Fine],
                50_000,
                0,
                heavier,
                number,
                "SAMR",
                "杭州市市场监督管理局",
                decided,
                "benchmark record",
                "bench",
                decided,
                changes));
        }

        return new OperatorHistory("91330106673959654P", violations, []);
    }

    /// <summary>The 10 violations of <see cref="Create"/> and <paramref name="count"/> − 10 more decided 9 to 14 years before <see cref="AsOf"/>.</summary>
    public static OperatorHistory CreateLong(CreditPolicy policy, int count)
    {
        var recent = Create(policy, Math.Min(count, 10));
        if (count <= 10)
        {
            return recent;
        }

        var old = Create(policy, count - 10, seed: 7).Violations.Select(v => v with
        {
            Id = v.Id + "-old",
            DecisionNumber = "old-" + v.DecisionNumber,
            DecidedAt = v.DecidedAt.AddYears(-9),
            RecordedAt = v.RecordedAt.AddYears(-9),
            Changes = v.Changes.Select(c => c with { At = c.At.AddYears(-9), RecordedAt = c.RecordedAt.AddYears(-9) }).ToArray(),
        });
        return recent with { Violations = [.. old, .. recent.Violations] };
    }
}
