using CsCheck;
using WangJian.Credit.Domain;
using static WangJian.Credit.Rules.Tests.Histories;

namespace WangJian.Credit.Rules.Tests;

/// <summary>
/// The NRules scorer against the plain reference on random histories: any offense, severity, flag,
/// revocation, violation and listing repair, ties on decided_at, month ends, and as-of times on and
/// one tick before the policy's boundaries.
/// </summary>
[Trait("Category", "Unit")]
public class ScorerPropertyTests
{
    private const int Iterations = 4000;

    private static readonly DateTimeOffset Origin = At(2021, 1, 1);
    private static readonly string[] Codes = Policy.Offenses.Keys.Order(StringComparer.Ordinal).ToArray();
    private static readonly string[] Authorities = ["SAMR", "NDRC", "MOFCOM", "CAC"];
    private static readonly int[] BoundaryMonths = [3, 6, 12, 24, 36];

    private static readonly NRulesCreditScorer Rules = new();
    private static readonly ReferenceScorer Reference = new();

    private static readonly string[] FakeReviewCodes = Codes.Where(c => Policy.Offenses[c].Family == Policy.Listing.RepeatFamily).ToArray();
    private static readonly string[] HealthCodes = [.. Policy.Health.AggravatedCodes, Policy.Health.TriggerCode];

    // Histories packed into a few months as well as spread over five years, so that repeats,
    // health aggravation and rule-2 listings are common, not rare.
    private static readonly Gen<(int Start, int Span)> AnyPeriod = Gen.Select(Gen.Int[0, 1200], Gen.OneOf(120, 400, 800, 1900), (start, span) => (start, Math.Min(span, 1900 - start)));

    private static readonly Gen<DateTimeOffset> AnyInstant = InstantIn((0, 1900));

    private static readonly Gen<string> AnyCode = Gen.Frequency(
        (4, Gen.OneOf(Codes)),
        (2, Gen.OneOf(FakeReviewCodes)),
        (1, Gen.OneOf(HealthCodes)));

    internal static Gen<DateTimeOffset> InstantIn((int Start, int Span) period) => Gen.Frequency(
        (5, Gen.Select(Gen.Int[0, period.Span], Gen.Int[0, 86_399], (day, second) => Origin.AddDays(period.Start + day).AddSeconds(second))),
        // Month ends and midnights are where calendar-month arithmetic clamps.
        (3, Gen.Select(Gen.Int[0, (period.Span / 30) + 1], Gen.OneOf(0, 1, 2, 3), Gen.OneOf(0, 43_200, 86_399), (month, back, second) =>
            Origin.AddDays(period.Start).AddMonths(month + 1).AddDays(-1 - back).AddSeconds(second))),
        (1, Gen.Select(Gen.Int[0, (period.Span / 30) + 1], month => Origin.AddDays(period.Start).AddMonths(month))));

    private static readonly Gen<OperatorHistory> AnyHistory =
        Gen.Select(AnyPeriod, Gen.Int[0, 14], Gen.Int[0, 2])
            .SelectMany((period, count, repairs) => Gen.Select(
                InstantIn(period).Array[1, 3].SelectMany(pool => ViolationGen(InstantIn(period), pool).Array[count]),
                InstantIn(period).Array[repairs],
                (specs, listingRepairs) => History(specs.Select((s, i) => s(i)).ToList(), listingRepairs)));

    private static readonly Gen<(OperatorHistory History, DateTimeOffset AsOf)> AnyCase =
        AnyHistory.SelectMany(h => Gen.Frequency(
                (3, AnyInstant.Select(t => t.AddDays(-60))),
                (1, AnyInstant.Select(t => t.AddYears(1))),
                (4, BoundaryOf(h)))
            .Select(t => (h, t)));

    /// <summary>
    /// Every number of the default policy changed, and the repeat listing moved to another family:
    /// a number hard-coded in either scorer instead of read from the policy makes them disagree.
    /// </summary>
    internal static readonly CreditPolicy OtherPolicy = Policy with
    {
        Version = "test.2",
        Offenses = Policy.Offenses.ToDictionary(
            o => o.Key,
            o => o.Value with { Points = o.Value.Points.Select(p => p + 1.5m).ToArray(), Listable = !o.Value.Listable }),
        HeavierPenaltyPoints = 7,
        Age = new AgePolicy(2, 7, 20, 0.25m),
        Repeat = new RepeatPolicy(13, [1m, 1.25m, 1.75m, 3m]),
        Health = new HealthPolicy(["UNSAFE_FOOD", "FAKE_DRUG", "FALSE_AD_HEALTH"], "FAKE_DRUG", 1.7m),
        Grades = new GradeBands(95, 75.5m, 50),
        Listing = new ListingPolicy(25, "PRICING", 2, 11, Severity.Serious, 5),
        Repair = new RepairPolicy(4, new Dictionary<string, int> { ["PRODUCT_SAFETY"] = 9, ["PRICING"] = 2 }),
    };

    [Fact]
    public void Assess_RandomHistories_NRulesAgreesWithReference()
    {
        ForEachCase(AnyCase, (history, asOf) => AssertAgree(history, Policy, asOf));
    }

    [Fact]
    public void Assess_RandomHistoriesUnderAnotherPolicy_NRulesAgreesWithReference()
    {
        ForEachCase(AnyCase, (history, asOf) => AssertAgree(history, OtherPolicy, asOf));
    }

    /// <summary>
    /// Two versions and an effective instant: the status at T is the reference's under the version in force
    /// at T (the first before the instant, the second from it on), and a status before the instant changes
    /// at the latest then. Checked through the timeline (what the API scores with) and through the grain's
    /// relevance-filtered history index, on both sides of the instant and on it.
    /// </summary>
    [Fact]
    public void Assess_TwoVersionsAndAnEffectiveInstant_NRulesAgreesWithReferenceUnderTheVersionInForce()
    {
        // As-of instants anywhere, on a record's boundaries, and on and around the effective instant.
        var twoVersions = AnyHistory.SelectMany(h => Gen.Select(
            AnyInstant,
            Gen.Frequency(
                (2, AnyInstant.Select(t => (DateTimeOffset?)t)),
                (2, BoundaryOf(h).Select(t => (DateTimeOffset?)t)),
                (3, Gen.Const((DateTimeOffset?)null))),
            Gen.OneOf(-1L, 0L, 1L, -TimeSpan.TicksPerDay * 40, TimeSpan.TicksPerDay * 40),
            (effective, instant, offset) => (h, (effective, instant ?? effective.AddTicks(offset)))));
        ForEachCase(twoVersions, (history, c) =>
        {
            var (effective, asOf) = c;
            var timeline = new PolicyTimeline(
            [
                new PolicyVersion(Policy, "{}", PolicyTimeline.InitialEffectiveFrom, "system", PolicyTimeline.InitialEffectiveFrom),
                new PolicyVersion(OtherPolicy, "{}", effective, "test", effective),
            ]);

            var expected = Reference.Assess(history, asOf < effective ? Policy : OtherPolicy, asOf);
            if (asOf < effective && (expected.NextChangeAt is null || expected.NextChangeAt > effective))
            {
                expected = expected with { NextChangeAt = effective };
            }

            var viaTimeline = Rules.Assess(history, timeline, asOf);
            var viaIndex = HistoryIndex.From(history).Assess(Rules, timeline, asOf);
            foreach (var (path, actual) in new[] { ("timeline", viaTimeline), ("history index", viaIndex) })
            {
                Assert.True(
                    Describe(expected) == Describe(actual) && expected.PolicyVersion == actual.PolicyVersion,
                    $"reference and NRules ({path}) differ with {OtherPolicy.Version} in force from {effective:o} for\n{Print(history, asOf)}\nreference ({expected.PolicyVersion}):\n{Describe(expected)}\nnrules ({actual.PolicyVersion}):\n{Describe(actual)}");
            }
        });
    }

    [Fact]
    public void Assess_BeforeNextChangeAt_AssessmentUnchanged()
    {
        var withLater = AnyCase.SelectMany(c => Gen.Int[1, 999].Select(k => (c.History, c.AsOf, k)));
        ForEachCase(withLater, (history, asOf, permille) =>
        {
            var now = Reference.Assess(history, Policy, asOf);
            var horizon = now.NextChangeAt ?? asOf.AddYears(10);
            var lastTick = horizon.AddTicks(-1);
            var between = asOf.AddTicks((horizon - asOf).Ticks / 1000 * permille);
            foreach (var later in new[] { between, lastTick })
            {
                if (later <= asOf)
                {
                    continue;
                }

                var then = Reference.Assess(history, Policy, later);
                Assert.True(
                    Content(now) == Content(then),
                    $"changed before next_change_at {horizon:o}, at {later:o}, for\n{Print(history, asOf)}\nat as-of:\n{Describe(now)}\nlater:\n{Describe(then)}");
            }
        });
    }

    private static void AssertAgree(OperatorHistory history, CreditPolicy policy, DateTimeOffset asOf)
    {
        var expected = Describe(Reference.Assess(history, policy, asOf));
        var actual = Describe(Rules.Assess(history, policy, asOf));
        Assert.True(expected == actual, $"reference and NRules differ under {policy.Version} for\n{Print(history, asOf)}\nreference:\n{expected}\nnrules:\n{actual}");
    }

    /// <summary>
    /// Each case from its own fixed PCG stream so that a run is reproducible; a failure names the
    /// seed, which <c>Check.Sample(gen, assert, seed: ...)</c> replays and shrinks.
    /// </summary>
    internal static void ForEachCase<T1, T2>(Gen<(T1, T2)> gen, Action<T1, T2> assert)
    {
        for (uint i = 0; i < Iterations; i++)
        {
            var pcg = new PCG(i, 0x5EED_2019UL);
            var seed = pcg.ToString();
            var (a, b) = gen.Generate(pcg, null, out _);
            try
            {
                assert(a, b);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"case {i} (seed \"{seed}\") failed: {e.Message}", e);
            }
        }
    }

    internal static void ForEachCase<T1, T2, T3>(Gen<(T1, T2, T3)> gen, Action<T1, T2, T3> assert) =>
        ForEachCase(gen.Select(x => (x, 0)), (x, _) => assert(x.Item1, x.Item2, x.Item3));

    internal static Gen<Func<int, Violation>> ViolationGen(Gen<DateTimeOffset> instant, DateTimeOffset[] pool) =>
        Gen.Select(
            AnyCode,
            Gen.Int[1, 4],
            Gen.Frequency((3, instant), (1, Gen.OneOf(pool))),
            Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true))),
            Gen.OneOf(Authorities),
            Gen.Int[1, 30],
            Gen.Frequency((12, Gen.Const(0)), (2, Gen.Const(1)), (4, Gen.Const(2))),
            Gen.Select(Gen.Int[1, 1500], Gen.Int[0, 86_399], Gen.Bool, (days, seconds, china) => (days, seconds, china)),
            (code, severity, decided, heavier, authority, number, status, extra) => new Func<int, Violation>(index =>
            {
                var (days, seconds, china) = extra;
                var changeAt = decided.AddDays(days).AddSeconds(seconds);

                // Same instants at +08:00 must score exactly as at UTC: every m(t, n) is on UTC months.
                var decidedAt = china ? decided.ToOffset(TimeSpan.FromHours(8)) : decided;
                return V(
                    code,
                    (Severity)severity,
                    decidedAt,
                    heavier,
                    authority,
                    $"{authority}〔{number:D3}〕{index}号",
                    repairedAt: status == 2 ? changeAt : null,
                    revokedAt: status == 1 ? changeAt : null);
            }));

    /// <summary>As-of times exactly on, and one tick before, a boundary of one of the history's records.</summary>
    internal static Gen<DateTimeOffset> BoundaryOf(OperatorHistory h)
    {
        var anchors = h.Violations.Select(v => v.DecidedAt.ToUniversalTime())
            .Concat(h.Violations.SelectMany(v => v.Changes.Select(c => c.At.ToUniversalTime())))
            .Concat(h.ListingRepairs.Select(r => r.At.ToUniversalTime()))
            .DefaultIfEmpty(Origin)
            .ToArray();
        return Gen.Select(
            Gen.OneOf(anchors),
            Gen.OneOf([0, .. BoundaryMonths, 48]),
            Gen.OneOf(0L, -1L, 1L, TimeSpan.TicksPerDay),
            (anchor, months, ticks) => anchor.AddMonths(months).AddTicks(ticks));
    }
}
