using System.Security.Claims;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.UseCases;

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
public sealed record OperatorFile(
    string OperatorId,
    Assessment Assessment,
    OperatorHistory History,
    ScoreSeries Series,
    IReadOnlyList<(PunishmentCase Case, IReadOnlyList<NoticeView> Notices)> Cases,
    IReadOnlyList<StoredCheck> Checks);

/// <summary>A measure in force against the operator, from its open punishment case.</summary>
public sealed record MeasureInForce(string Agency, string MeasureCode, string Description, string CaseId, DateTimeOffset? LiftsAt);

/// <summary>An operator's own credit file (OperatorService.GetCreditFile).</summary>
public sealed record CreditFile(
    Assessment Status,
    OperatorHistory History,
    IReadOnlyList<string> OpenCaseIds,
    IReadOnlyList<MeasureInForce> Measures,
    IReadOnlyList<RepairStep> Path,
    IReadOnlyList<StoredApplication> OpenApplications);

/// <summary>
/// An operator's credit file, the one use case behind the console's file page and OperatorService.GetCreditFile:
/// the staff's file (<see cref="GetAsync"/>: status, deductions, chart, cases, checks) and the operator's own
/// view of itself (<see cref="GetOwnAsync"/>: status, cases and measures, the path to repair, open
/// applications), both from one read of the history. The chart's series are computed here from that read
/// (the scorer is a pure function of history, policy and instant), not by one grain call per point.
/// </summary>
public sealed class OperatorFiles(IGrainFactory grains, PolicyVersions versions, ICreditScorer scorer, TimeProvider time, ICheckLogQuery checks, ApplicationService applications)
{
    /// <summary>How far back the chart reaches, and how far forward the path to repair.</summary>
    public static readonly TimeSpan Span = TimeSpan.FromDays(5 * 365 + 1);

    /// <summary>At most this many points each way: a bound on the work of one page.</summary>
    private const int MaxPoints = 2000;

    /// <summary>The file as the user may see it (an operator principal only its own).</summary>
    public async Task<OperatorFile> GetAsync(string op, ClaimsPrincipal user, bool withChecks)
    {
        Caller.RequireOwnOperator(user, [op]);
        var grain = grains.Operator(op);
        var historyTask = grain.GetHistoryAsync();
        var casesTask = grain.GetPunishmentCasesAsync();
        var checksTask = withChecks ? checks.QueryAsync(op, null, null, 20) : Task.FromResult<(IReadOnlyList<StoredCheck>, IndexPosition?)>(([], null));
        var history = await historyTask;
        var now = time.GetUtcNow();
        var index = HistoryIndex.From(history);
        var assessment = index.Assess(scorer, versions.Timeline, now);
        var series = Series(history, index, now);
        var cases = await casesTask;
        var states = await NoticeStatesAsync(cases);
        var (recent, _) = await checksTask;
        return new OperatorFile(
            op,
            assessment,
            history,
            series,
            cases.Select(c => (c, (IReadOnlyList<NoticeView>)c.Notices.Select(n => new NoticeView(n, states.GetValueOrDefault(n.NoticeId)?.Status)).ToArray())).ToArray(),
            recent);
    }

    /// <summary>The operator's view of itself: status as its grain gives it, measures in force, the path to repair, open applications.</summary>
    public async Task<CreditFile> GetOwnAsync(string operatorId)
    {
        var grain = grains.Operator(operatorId);
        var historyTask = grain.GetHistoryAsync();
        var casesTask = grain.GetPunishmentCasesAsync();
        var status = await grain.GetAssessmentAsync(null);
        var history = await historyTask;
        var cases = await casesTask;

        // The walk starts at the grain's own as-of instant, so the first step follows the status shown.
        var path = RepairPath.Compute(history, versions.Timeline, scorer, status.AsOf);
        var open = cases.Where(c => c.IsOpen).ToArray();
        var measures = open
            .SelectMany(c => c.Notices.Where(n => n.Kind == NoticeKind.Impose).Select(n => new MeasureInForce(n.Agency, n.MeasureCode, n.Description, c.CaseId, status.Listing?.ExpiresAt ?? n.ExpiresAt)))
            .ToArray();
        var (mine, _) = await applications.ListMineAsync(operatorId, null, 100);
        return new CreditFile(status, history, open.Select(c => c.CaseId).ToArray(), measures, path, mine.Where(a => a.IsOpen).ToArray());
    }

    /// <summary>The score at each change instant over <see cref="Span"/> before <paramref name="now"/>, and forward from it.</summary>
    public ScoreSeries Series(OperatorHistory history, DateTimeOffset now) => Series(history, HistoryIndex.From(history), now);

    /// <remarks>
    /// Each instant is assessed through the operator's <see cref="HistoryIndex"/>, as the grain does: the
    /// scorer is given only what can matter at that instant (proven the same answer by RelevanceFilterTests),
    /// so a long history costs little more per point than a short one.
    /// </remarks>
    private ScoreSeries Series(OperatorHistory history, HistoryIndex index, DateTimeOffset now)
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
        // Between two recorded facts only time changes the score, so each such stretch is walked on its
        // own, in parallel (the scorer is pure), and the forward path beside them.
        var starts = events.Prepend(from).Append(now).ToArray();
        var stretches = new List<ScorePoint>[starts.Length];
        var forwardTask = Task.Run(() => Walk(index, now, now + Span, withEnd: true));
        Parallel.For(0, starts.Length, i => stretches[i] = Walk(index, starts[i], i + 1 < starts.Length ? starts[i + 1] : starts[i], withEnd: false));
        var past = Dedupe(stretches.SelectMany(p => p));
        var forward = Dedupe(forwardTask.GetAwaiter().GetResult());
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

        return new ScoreSeries(past, forward, listed, versions.At(now).Grades);
    }

    /// <summary>
    /// The assessment at <paramref name="from"/> and at each time-driven change before <paramref name="to"/>
    /// (at most <see cref="MaxPoints"/>), and at <paramref name="to"/> itself when <paramref name="withEnd"/>.
    /// </summary>
    private List<ScorePoint> Walk(HistoryIndex history, DateTimeOffset from, DateTimeOffset to, bool withEnd)
    {
        // One timeline for the whole walk: a version published meanwhile applies to the next page view.
        var timeline = versions.Timeline;
        var points = new List<ScorePoint>();
        var t = from;
        while (points.Count < MaxPoints)
        {
            var a = history.Assess(scorer, timeline, t);
            points.Add(new ScorePoint(t, a.Score, a.Grade, a.Blacklisted));
            if (a.NextChangeAt is not { } next || next <= t || next >= to)
            {
                break;
            }

            t = next;
        }

        if (withEnd && points[^1].At < to)
        {
            var a = history.Assess(scorer, timeline, to);
            points.Add(new ScorePoint(to, a.Score, a.Grade, a.Blacklisted));
        }

        return points;
    }

    /// <summary>Only the points where the score or the listing changes, and the last one (where the line ends).</summary>
    private static List<ScorePoint> Dedupe(IEnumerable<ScorePoint> points)
    {
        var list = new List<ScorePoint>();
        ScorePoint? last = null;
        foreach (var p in points)
        {
            if (list.Count == 0 || list[^1].Score != p.Score || list[^1].Listed != p.Listed)
            {
                list.Add(p);
            }

            last = p;
        }

        if (last is { } end && list.Count > 0 && list[^1] != end)
        {
            list.Add(end);
        }

        return list;
    }

    private async Task<IReadOnlyDictionary<string, StoredNotice>> NoticeStatesAsync(IReadOnlyList<PunishmentCase> cases)
    {
        var byAgency = cases.SelectMany(c => c.Notices).GroupBy(n => n.Agency);
        var lookups = await Task.WhenAll(byAgency.Select(g => grains.GetGrain<IAgencyOutboxGrain>(g.Key).GetAsync(g.Select(n => n.NoticeId).ToArray())));
        return lookups.SelectMany(l => l).ToDictionary(s => s.Notice.NoticeId);
    }
}
