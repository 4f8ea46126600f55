using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Policies;

/// <summary>
/// Brings every operator with a record under a version when it comes into force: walks the operator index
/// in USCC order, re-assesses each operator in its grain (<see cref="IOperatorGrain.ApplyPolicyAsync"/>:
/// a grade or listing change is announced once, cause POLICY, with the notices it implies), a bounded
/// number at a time, and stores its cursor and counts after each page, so after a restart or kill -9 it
/// resumes after the last page known done. Re-assessing an operator twice (the page cut short by a kill)
/// announces nothing twice: the grain notes a change only against what it last noted.
/// </summary>
/// <remarks>
/// One silo of a cluster walks at a time (a lock renewed per page). The grain's own clock catches what the
/// walk has not reached yet: the version is in the timeline before its effective_from, so a status read
/// after that instant is already scored under it, and a record's cached assessment ends at it.
/// </remarks>
public sealed class PolicyRollout(
    PolicyStore store,
    PolicyCatalog catalog,
    OperatorIndex index,
    IGrainFactory grains,
    IConnectionMultiplexer redis,
    TimeProvider time,
    PolicyOptions options,
    IHostApplicationLifetime lifetime,
    ILogger<PolicyRollout> logger) : BackgroundService
{
    private const string LockKey = "wj:policy:rollout:lock";
    private static readonly TimeSpan LockFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);

    private readonly string owner = Guid.NewGuid().ToString("N");
    private readonly SemaphoreSlim wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stop);
        }

        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(PolicyStore.Notify, (_, _) => wake.Release());
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await index.BackfillAsync(stop);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Indexing operators with a record failed; retrying");
                await Task.Delay(Poll, time, stop);
            }
        }

        while (!stop.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await catalog.RefreshAsync();
                wait = await RunDueAsync(stop);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Policy rollout failed; retrying");
                wait = Poll;
            }

            // Woken early by a publication anywhere in the cluster.
            await wake.WaitAsync(wait, stop);
        }
    }

    /// <summary>Rolls out the version in force if it is due; answers how long to wait before looking again.</summary>
    private async Task<TimeSpan> RunDueAsync(CancellationToken stop)
    {
        var timeline = catalog.Timeline;
        var now = time.GetUtcNow();
        var current = timeline.At(now);
        foreach (var v in timeline.Versions.Skip(1))
        {
            if (v.EffectiveFrom > now)
            {
                break;
            }

            var progress = await store.RolloutAsync(v.Version) ?? RolloutProgress.Scheduled;
            if (progress.Stage is RolloutStage.Done or RolloutStage.Superseded or RolloutStage.NotNeeded)
            {
                continue;
            }

            if (!ReferenceEquals(v, current))
            {
                // A later version is in force: its rollout re-assesses everyone, under it.
                await store.SaveRolloutAsync(v.Version, progress with { Stage = RolloutStage.Superseded, FinishedAt = now });
                continue;
            }

            if (!await redis.GetDatabase().LockTakeAsync(LockKey, owner, LockFor))
            {
                return Poll;
            }

            try
            {
                await WalkAsync(v, progress, stop);
            }
            finally
            {
                await redis.GetDatabase().LockReleaseAsync(LockKey, owner);
            }
        }

        var next = timeline.NextAfter(now);
        return next is { } at && at - now < Poll ? (at - now < TimeSpan.Zero ? TimeSpan.Zero : at - now) : Poll;
    }

    private async Task WalkAsync(PolicyVersion version, RolloutProgress progress, CancellationToken stop)
    {
        var now = time.GetUtcNow();
        if (progress.Stage != RolloutStage.Running)
        {
            progress = new RolloutProgress(RolloutStage.Running, await index.CountAsync(), 0, 0, null, now, null);
            await store.SaveRolloutAsync(version.Version, progress);
            logger.LogInformation("Rollout of policy {Version}: {Total} operators with a record", version.Version, progress.Total);
        }
        else
        {
            logger.LogInformation("Rollout of policy {Version} resumes after {Cursor} ({Assessed} of {Total} done)", version.Version, progress.Cursor, progress.Assessed, progress.Total);
        }

        var concurrency = options.RolloutConcurrency;
        var rate = options.RolloutRatePerSecond;
        // With a rate limit, a page is about a second's worth, so the cursor is never far behind.
        var pageSize = rate > 0 ? (int)Math.Clamp(rate, 1, 512) : 512;
        var paced = System.Diagnostics.Stopwatch.StartNew();
        long walkedHere = 0;
        while (!stop.IsCancellationRequested)
        {
            if (!ReferenceEquals(catalog.Timeline.At(time.GetUtcNow()), version) && catalog.Timeline.At(time.GetUtcNow()).EffectiveFrom > version.EffectiveFrom)
            {
                await store.SaveRolloutAsync(version.Version, progress with { Stage = RolloutStage.Superseded, FinishedAt = time.GetUtcNow() });
                return;
            }

            var page = await index.PageAsync(progress.Cursor, pageSize);
            if (page.Count == 0)
            {
                break;
            }

            long changed = 0, assessed = 0;
            await Parallel.ForEachAsync(page, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = stop }, async (op, _) =>
            {
                var outcome = await grains.Operator(op).ApplyPolicyAsync();
                if (outcome.HasRecord)
                {
                    Interlocked.Increment(ref assessed);
                }

                if (outcome.Changed)
                {
                    Interlocked.Increment(ref changed);
                }
            });

            progress = progress with
            {
                Assessed = progress.Assessed + assessed,
                Changed = progress.Changed + changed,
                Cursor = page[^1],
                Total = Math.Max(progress.Total, progress.Assessed + assessed),
            };
            await store.SaveRolloutAsync(version.Version, progress);
            await redis.GetDatabase().LockExtendAsync(LockKey, owner, LockFor);
            walkedHere += page.Count;
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(walkedHere / rate) - paced.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, stop);
                }
            }
        }

        if (stop.IsCancellationRequested)
        {
            return;
        }

        progress = progress with { Stage = RolloutStage.Done, FinishedAt = time.GetUtcNow() };
        await store.SaveRolloutAsync(version.Version, progress);
        logger.LogInformation("Rollout of policy {Version} done: {Assessed} operators re-assessed, {Changed} changed", version.Version, progress.Assessed, progress.Changed);
    }
}
