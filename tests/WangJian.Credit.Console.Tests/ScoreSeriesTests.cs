using WangJian.Credit.Domain;
using WangJian.Credit.Rules;
using WangJian.Credit.Server.UseCases;

namespace WangJian.Credit.Console.Tests;

/// <summary>
/// The chart's series (OperatorFiles.Series: one history, stretches walked in parallel, each point through
/// the relevance filter) against the plain full evaluation: at any instant of the ten years it covers, the
/// step it draws is the score and listing the scorer gives for that instant over the whole history.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ScoreSeriesTests
{
    private static readonly CreditPolicy Policy = PolicyFile.Load();
    private static readonly NRulesCreditScorer Scorer = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Series_AtRandomInstants_IsTheFullAssessment(int seed)
    {
        var random = new Random(seed);
        var now = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        var history = RandomHistory(random, now);
        var files = new OperatorFiles(null!, new WangJian.Credit.Grains.PolicyVersions(Policy), Scorer, TimeProvider.System, null!, null!);

        var series = files.Series(history, now);

        Assert.Equal(now - OperatorFiles.Span, series.Past[0].At);
        Assert.Equal(now, series.Forward[0].At);
        for (var i = 0; i < 150; i++)
        {
            var t = now - OperatorFiles.Span + TimeSpan.FromMinutes(random.NextInt64((long)(2 * OperatorFiles.Span.TotalMinutes)));
            var points = t <= now ? series.Past : series.Forward;
            var drawn = points.Last(p => p.At <= t);
            var full = Scorer.Assess(history, Policy, t);
            Assert.True(full.Score == drawn.Score && full.Blacklisted == drawn.Listed,
                $"seed {seed}, {history.Violations.Count} violations, at {t:O}: drawn {drawn.Score} (listed {drawn.Listed}) from {drawn.At:O}, scorer {full.Score} (listed {full.Blacklisted})");
        }

        // Listing periods are shaded where the points say listed.
        foreach (var (from, to) in series.Listed)
        {
            Assert.True(Scorer.Assess(history, Policy, from).Blacklisted);
            Assert.True(to <= now + OperatorFiles.Span);
        }
    }

    private static OperatorHistory RandomHistory(Random random, DateTimeOffset now)
    {
        const string op = "91330106673959654P";
        var codes = Policy.Offenses.Keys.ToArray();
        var violations = new List<Violation>();
        var count = random.Next(5, 60);
        for (var i = 0; i < count; i++)
        {
            var decided = now - TimeSpan.FromDays(random.Next(1, 6 * 365));
            var severity = (Severity)random.Next(1, 5);
            var code = codes[random.Next(codes.Length)];
            var number = $"测试〔{i}〕号";
            var changes = new List<StatusChange>();
            var roll = random.Next(10);
            if (roll == 0)
            {
                var at = decided + TimeSpan.FromDays(random.Next(1, 400));
                if (at < now)
                {
                    changes.Add(new StatusChange(ViolationStatus.Revoked, at, "r", "overturned", at));
                }
            }
            else if (roll == 1)
            {
                var at = decided + TimeSpan.FromDays(random.Next(180, 700));
                if (at < now)
                {
                    changes.Add(new StatusChange(ViolationStatus.Repaired, at, "r", "repaired", at));
                }
            }

            violations.Add(new Violation(
                Violation.IdFor("330100-SAMR", number), op, code, severity, [PenaltyKind.Fine], 100_000, 0, random.Next(8) == 0,
                number, "330100-SAMR", "杭州市市场监督管理局", decided, "test", "test", decided, changes));
        }

        return new OperatorHistory(op, violations, []);
    }
}
