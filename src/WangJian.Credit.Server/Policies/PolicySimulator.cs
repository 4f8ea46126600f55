using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Policies;

/// <summary>
/// A dry run of a candidate policy: every operator with a record (the operator index) assessed under the
/// version in force at as_of and under the candidate, then the stored agency checks of a range replayed
/// under the candidate. Reads the store directly, not through grains, so nothing is activated, cached or
/// written; records are read a page ahead of the assessment, which runs on every core.
/// </summary>
public sealed class PolicySimulator(
    OperatorIndex index,
    IOperatorStore operators,
    RedisOperatorStore records,
    ICreditScorer scorer,
    PolicyVersions versions,
    IConnectionMultiplexer redis,
    TimeProvider time)
{
    /// <summary>Most USCCs listed as newly listed (and as delisted); the counts are complete.</summary>
    public const int MaxListed = 1000;

    /// <summary>Most differing checks given as examples.</summary>
    public const int MaxExamples = 100;

    /// <summary>The default replay range: this long before as_of.</summary>
    public static readonly TimeSpan DefaultCheckWindow = TimeSpan.FromDays(90);

    private const int Page = 1024;

    /// <summary>Check-log batches replayed at a time (each holds up to CheckLogWriter.MaxBatch checks).</summary>
    private const int BatchesPerPage = 16;

    private static readonly decimal[] Edges = [-20m, -10m, -5m, 0m, 0.5m, 5m, 10m, 20m];

    /// <summary>
    /// Simulates a candidate document as PolicyService.SimulatePolicy and the console's simulation page do:
    /// the document's verdict (<see cref="PolicyCatalog.Validate"/>, one violation of <c>document</c> per
    /// entry), as_of in the past and checks_from no later than checks_to, all refused together as
    /// INVALID_ARGUMENT with <paramref name="errors"/> (what the caller found in its own fields).
    /// </summary>
    public Task<SimulationReport> SimulateAsync(
        PolicyValidation verdict,
        DateTimeOffset? asOf,
        DateTimeOffset? checksFrom,
        DateTimeOffset? checksTo,
        List<FieldViolation> errors,
        Func<SimulationProgress, Task> progress,
        CancellationToken cancel)
    {
        var now = time.GetUtcNow();
        errors.InsertRange(0, verdict.Errors.Select(e => new FieldViolation("document", e)));
        if (asOf is { } t && t > now)
        {
            errors.Add(new("as_of", $"as_of {t:O} is in the future (server time {now:O})"));
        }
        else if (asOf < ViolationDraft.EarliestDecision)
        {
            errors.Add(new("as_of", $"as_of {asOf:O} is before 2000-01-01"));
        }

        if (checksFrom is { } f && checksTo is { } e && f > e)
        {
            errors.Add(new("checks_from", $"checks_from {f:O} is after checks_to {e:O}"));
        }

        Grpc.RequestFields.ThrowIfAny(errors);
        return SimulateAsync(verdict.Policy!, asOf, checksFrom, checksTo, progress, cancel);
    }

    /// <summary>Runs the simulation; <paramref name="progress"/> is called between pages.</summary>
    public async Task<SimulationReport> SimulateAsync(
        CreditPolicy candidate,
        DateTimeOffset? asOf,
        DateTimeOffset? checksFrom,
        DateTimeOffset? checksTo,
        Func<SimulationProgress, Task> progress,
        CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var now = time.GetUtcNow();
        var at = asOf ?? now;
        var timeline = versions.Timeline;
        var baseline = timeline.At(at);

        // head.Last is the status now as its grain last noted it: good for "before" when asking about now,
        // unchanged since (no wake-up due yet) and noted under the version in force.
        var headIsBaseline = at >= now;
        var operatorCount = await index.CountAsync();
        var results = new Dictionary<(string, string), long>();
        var buckets = new long[Edges.Length + 1];
        long assessed = 0, changed = 0, scoresChanged = 0, listedCount = 0, delistedCount = 0;
        var listed = new List<string>();
        var delisted = new List<string>();

        string? after = null;
        var next = LoadPageAsync(null);
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var (ids, raw) = await next;
            if (ids.Count == 0)
            {
                break;
            }

            after = ids[^1];
            next = LoadPageAsync(after);
            var pairs = new (CreditSummary Before, CreditSummary After)?[ids.Count];
            Parallel.For(0, ids.Count, new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                if (raw[i].Head.IsNull)
                {
                    return;
                }

                var (head, entries) = RedisOperatorStore.Parse(raw[i].Head, raw[i].History);
                var history = Histories.From(ids[i], entries, null);
                var first = timeline.Versions[0].Version;
                var before = headIsBaseline && head.Last is { } last && (head.NextWakeUp is null || head.NextWakeUp > at) && (head.PolicyVersion ?? first) == baseline.Version
                    ? last
                    : CreditSummary.From(history.Assess(scorer, baseline.Policy, at));
                pairs[i] = (before, CreditSummary.From(history.Assess(scorer, candidate, at)));
            });

            for (var i = 0; i < ids.Count; i++)
            {
                if (pairs[i] is not { } p)
                {
                    continue;
                }

                assessed++;
                var key = (SimulationReport.StateOf(p.Before), SimulationReport.StateOf(p.After));
                results[key] = results.GetValueOrDefault(key) + 1;
                var delta = p.After.Score - p.Before.Score;
                buckets[Bucket(delta)]++;
                scoresChanged += delta != 0 ? 1 : 0;
                changed += p.After.DiffersInGradeOrListing(p.Before) ? 1 : 0;
                if (!p.Before.Blacklisted && p.After.Blacklisted && listedCount++ < MaxListed)
                {
                    listed.Add(ids[i]);
                }
                else if (p.Before.Blacklisted && !p.After.Blacklisted && delistedCount++ < MaxListed)
                {
                    delisted.Add(ids[i]);
                }
            }

            await progress(new SimulationProgress("operators", assessed, Math.Max(operatorCount, assessed)));
        }

        var notices = Agencies.All
            .Select(a => new AgencyNoticeCount(
                a,
                listedCount * candidate.Measures.Count(m => m.Agency == a),
                delistedCount * baseline.Policy.Measures.Count(m => m.Agency == a)))
            .Where(n => n.Impose > 0 || n.Lift > 0)
            .ToArray();
        var from = checksFrom ?? at - DefaultCheckWindow;
        var to = checksTo ?? at;
        var replay = await ReplayChecksAsync(candidate, from, to, progress, cancel);
        var transitions = SimulationReport.States
            .SelectMany(b => SimulationReport.States.Select(a => new GradeTransitionCount(b, a, results.GetValueOrDefault((b, a)))))
            .Where(t => t.Count > 0)
            .ToArray();
        return new SimulationReport(
            baseline.Version, candidate.Version, at, assessed, changed, scoresChanged, transitions, BucketList(buckets),
            listedCount, listed, delistedCount, delisted, notices, replay, clock.Elapsed);
    }

    private async Task<(IReadOnlyList<string> Ids, (RedisValue Head, HashEntry[] History)[] Raw)> LoadPageAsync(string? after)
    {
        var ids = await index.PageAsync(after, Page);
        return (ids, ids.Count == 0 ? [] : await records.LoadRawAsync(ids));
    }

    /// <summary>
    /// Each stored check of [from, to] asked again under the candidate: the same instant, the history as it was
    /// known then (entries recorded by the check's time), the candidate's measures.
    /// </summary>
    private async Task<CheckReplayReport> ReplayChecksAsync(CreditPolicy candidate, DateTimeOffset from, DateTimeOffset to, Func<SimulationProgress, Task> progress, CancellationToken cancel)
    {
        var db = redis.GetDatabase();
        var (lo, hi) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        var total = await CheckLogQuery.EstimateCountAsync(db, lo, hi);
        var flips = new Dictionary<(string, string, CheckDecision, CheckDecision), long>();
        var examples = new List<CheckFlipExample>();
        long replayed = 0, changedCount = 0;
        await foreach (var checks in CheckLogQuery.ChecksOldestFirstAsync(db, lo, hi, BatchesPerPage))
        {
            cancel.ThrowIfCancellationRequested();
            var records = new Dictionary<string, OperatorRecord?>(StringComparer.Ordinal);
            foreach (var op in checks.Select(c => c.OperatorId).Distinct())
            {
                records[op] = await operators.LoadAsync(op);
            }

            var answers = new CheckDecision[checks.Length];
            Parallel.For(0, checks.Length, new ParallelOptions { CancellationToken = cancel, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                var c = checks[i];
                var history = Histories.From(c.OperatorId, records[c.OperatorId]?.History ?? [], c.CheckedAt);
                answers[i] = PreApprovalCheck.Decide(history.Assess(scorer, candidate, c.CheckedAt), candidate, c.Agency, c.Matter).Decision;
            });

            for (var i = 0; i < checks.Length; i++)
            {
                var c = checks[i];
                replayed++;
                if (answers[i] == c.Decision)
                {
                    continue;
                }

                changedCount++;
                var key = (c.Agency, c.Matter, c.Decision, answers[i]);
                flips[key] = flips.GetValueOrDefault(key) + 1;
                if (examples.Count < MaxExamples)
                {
                    examples.Add(new CheckFlipExample(c.CheckId, c.OperatorId, c.Agency, c.Matter, c.CheckedAt, c.Decision, answers[i]));
                }
            }

            await progress(new SimulationProgress("checks", replayed, Math.Max(total, replayed)));
        }

        var flipList = flips
            .Select(f => new CheckFlipCount(f.Key.Item1, f.Key.Item2, f.Key.Item3, f.Key.Item4, f.Value))
            .OrderByDescending(f => f.Count).ThenBy(f => f.Agency, StringComparer.Ordinal).ThenBy(f => f.Matter, StringComparer.Ordinal)
            .ToArray();
        return new CheckReplayReport(from, to, replayed, changedCount, flipList, examples);
    }

    private static int Bucket(decimal delta)
    {
        if (delta == 0)
        {
            return 4;
        }

        var i = 0;
        while (i < Edges.Length && delta >= Edges[i])
        {
            i++;
        }

        // Below zero: [.., -20) is 0 … [-5, 0) is 3; above zero: [0.5, 5) is 5 … [20, ..) is 8.
        return i;
    }

    private static ScoreChangeBucket[] BucketList(long[] counts)
    {
        var bounds = new (decimal Min, decimal Max)[]
        {
            (-100m, -20m), (-20m, -10m), (-10m, -5m), (-5m, 0m), (0m, 0m), (0.5m, 5m), (5m, 10m), (10m, 20m), (20m, 100.5m),
        };
        return bounds.Select((b, i) => new ScoreChangeBucket(b.Min, b.Max, counts[i])).ToArray();
    }
}

/// <summary>An operator's stored history entries replayed into the index the scorer reads.</summary>
public static class Histories
{
    /// <summary>
    /// The history as the grain holds it; with <paramref name="knownAt"/>, only what had been recorded by then
    /// (violations, status changes and listing repairs recorded later are left out).
    /// </summary>
    public static HistoryIndex From(string operatorId, IEnumerable<HistoryEntry> entries, DateTimeOffset? knownAt)
    {
        var history = new HistoryIndex(operatorId);
        foreach (var entry in entries)
        {
            if (entry.Recorded is { } v)
            {
                if (knownAt is null || v.RecordedAt <= knownAt)
                {
                    history = history.With(v);
                }
            }
            else if (entry.Status is { } s)
            {
                if ((knownAt is null || s.Change.RecordedAt <= knownAt) && history.Find(s.ViolationId) is { } violation)
                {
                    history = history.WithChanged(violation with { Changes = [.. violation.Changes, s.Change] });
                }
            }
            else if (entry.ListingRepair is { } r && (knownAt is null || r.RecordedAt <= knownAt))
            {
                history = history.WithListingRepair(r);
            }
        }

        return history;
    }
}
