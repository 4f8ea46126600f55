using System.Security.Claims;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Application;

/// <summary>One point of the score chart: the assessment from this instant on, until the next point.</summary>
public sealed record ScorePoint(DateTimeOffset At, decimal Score, Grade Grade, bool Listed);

/// <summary>
/// The score over time: each instant at which it changes over the look-back, and on from now as the path to
/// repair if nothing new is recorded. Listing periods and the grade bands come with it for the chart.
/// </summary>
public sealed record ScoreSeries(
    IReadOnlyList<ScorePoint> Past,
    IReadOnlyList<ScorePoint> Forward,
    IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Listed,
    GradeBands Bands);

/// <summary>A notice of a case with where it stands at its agency.</summary>
public sealed record NoticeView(Notice Notice, NoticeStatus? Status);

/// <summary>Everything the credit file page shows of one operator, from one read of its history.</summary>
public sealed record CreditFile(
    string OperatorId,
    Assessment Assessment,
    OperatorHistory History,
    ScoreSeries Series,
    IReadOnlyList<(PunishmentCase Case, IReadOnlyList<NoticeView> Notices)> Cases,
    IReadOnlyList<StoredCheck> Checks);

/// <summary>
/// Reads an operator's credit file for the console. The chart's series are computed here from the one
/// history read (the scorer is a pure function of history, policy and instant), not by one grain call per point.
/// </summary>
public sealed class CreditFiles(IGrainFactory grains, CreditPolicy policy, ICreditScorer scorer, TimeProvider time, CheckLog checks)
{
    /// <summary>How far back the chart reaches, and how far forward the path to repair.</summary>
    public static readonly TimeSpan Span = TimeSpan.FromDays(5 * 365 + 1);

    /// <summary>At most this many points each way: a bound on the work of one page.</summary>
    private const int MaxPoints = 2000;

    /// <summary>The file as the user may see it (an operator principal only its own).</summary>
    public async Task<CreditFile> GetAsync(string op, ClaimsPrincipal user, bool withChecks)
    {
        Caller.RequireOwnOperator(user, [op]);
        var grain = grains.Operator(op);
        var historyTask = grain.GetHistoryAsync();
        var casesTask = grain.GetPunishmentCasesAsync();
        var checksTask = withChecks ? checks.QueryAsync(op, null, null, 20) : Task.FromResult<(IReadOnlyList<StoredCheck>, IndexPosition?)>(([], null));
        var history = await historyTask;
        var now = time.GetUtcNow();
        var assessment = scorer.Assess(history, policy, now);
        var series = Series(history, now);
        var cases = await casesTask;
        var states = await NoticeStatesAsync(cases);
        var (recent, _) = await checksTask;
        return new CreditFile(
            op,
            assessment,
            history,
            series,
            cases.Select(c => (c, (IReadOnlyList<NoticeView>)c.Notices.Select(n => new NoticeView(n, states.GetValueOrDefault(n.NoticeId)?.Status)).ToArray())).ToArray(),
            recent);
    }

    /// <summary>The score at each change instant over <see cref="Span"/> before <paramref name="now"/>, and forward from it.</summary>
    public ScoreSeries Series(OperatorHistory history, DateTimeOffset now)
    {
        var from = now - Span;
        // Recorded facts change the score at their own instants; time alone (ageing, a listing ending)
        // at the assessment's NextChangeAt. Both are walked, so no step is missed or drawn twice.
        var events = history.Violations
            .SelectMany(v => v.Changes.Select(c => c.At).Append(v.DecidedAt))
            .Concat(history.ListingRepairs.Select(r => r.At))
            .Where(t => t > from && t <= now)
            .Distinct()
            .Order()
            .ToArray();
        var past = Walk(history, from, now, events);
        var forward = Walk(history, now, now + Span, []);
        var listed = new List<(DateTimeOffset, DateTimeOffset)>();
        var all = past.Concat(forward.Skip(1)).ToArray();
        DateTimeOffset? start = null;
        for (var i = 0; i < all.Length; i++)
        {
            if (all[i].Listed && start is null)
            {
                start = all[i].At;
            }
            else if (!all[i].Listed && start is { } s)
            {
                listed.Add((s, all[i].At));
                start = null;
            }
        }

        if (start is { } open)
        {
            listed.Add((open, now + Span));
        }

        return new ScoreSeries(past, forward, listed, policy.Grades);
    }

    private List<ScorePoint> Walk(OperatorHistory history, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<DateTimeOffset> events)
    {
        var points = new List<ScorePoint>();
        var t = from;
        var e = 0;
        while (points.Count < MaxPoints)
        {
            var a = scorer.Assess(history, policy, t);
            var point = new ScorePoint(t, a.Score, a.Grade, a.Blacklisted);
            if (points.Count == 0 || points[^1].Score != point.Score || points[^1].Listed != point.Listed || t == to)
            {
                points.Add(point);
            }

            while (e < events.Count && events[e] <= t)
            {
                e++;
            }

            var next = a.NextChangeAt is { } n && n > t ? n : (DateTimeOffset?)null;
            if (e < events.Count && (next is null || events[e] < next))
            {
                next = events[e];
            }

            if (t == to)
            {
                break;
            }

            t = next is { } nt && nt < to ? nt : to;
        }

        return points;
    }

    private async Task<IReadOnlyDictionary<string, StoredNotice>> NoticeStatesAsync(IReadOnlyList<PunishmentCase> cases)
    {
        var byAgency = cases.SelectMany(c => c.Notices).GroupBy(n => n.Agency);
        var lookups = await Task.WhenAll(byAgency.Select(g => grains.GetGrain<IAgencyOutboxGrain>(g.Key).GetAsync(g.Select(n => n.NoticeId).ToArray())));
        return lookups.SelectMany(l => l).ToDictionary(s => s.Notice.NoticeId);
    }
}
