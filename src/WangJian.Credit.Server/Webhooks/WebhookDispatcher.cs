using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;
using StackExchange.Redis;
using WangJian.Credit.Server.Delivery;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Webhooks;

/// <summary>
/// Delivers each webhook's queue in order, one event at a time, at least once: an event counts as
/// delivered only after a 2xx, and the mark is stored, so a restart or kill -9 resumes at the first event
/// not acknowledged (a receiver dedupes by <c>webhook-id</c>). Each webhook has its own loop and its own
/// Polly pipeline (retry with jittered exponential backoff, circuit breaker, timeout per attempt); between
/// failed rounds the loop backs off up to Webhooks:MaxBackoffMs; failing for Webhooks:DisableAfter
/// disables the webhook with the reason.
/// </summary>
/// <remarks>
/// No wake-up is lost: a loop takes the change signal before it reads its queue's head, so an event
/// queued after that read completes the signal already held and the loop reads again; the signal also
/// times out every second, so even a lost pub/sub message only delays. With several servers, a lease per
/// webhook in the store (<c>wj:wh:&lt;id&gt;:lease</c>) lets one deliver at a time, which keeps the order.
/// </remarks>
public sealed class WebhookDispatcher(
    WebhookStore store,
    ChangeViews views,
    IChangeFeed changes,
    IChangeSignal notifier,
    WebhookSender sender,
    IConnectionMultiplexer redis,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private const string LeaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        return 0
        """;

    private readonly string instance = Guid.NewGuid().ToString("N");
    private readonly ResiliencePipelineRegistry<string> pipelines = new();
    private readonly Dictionary<string, Task> loops = new(StringComparer.Ordinal);

    private WebhookOptions O => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var hook in await store.AllAsync())
                {
                    if (!loops.TryGetValue(hook.Id, out var loop) || loop.IsCompleted)
                    {
                        loops[hook.Id] = RunAsync(hook.Id, stoppingToken);
                    }
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning("Webhooks: the store does not answer ({Error}); retrying", e.Message);
            }

            // New webhooks start within a poll; each loop wakes on changes itself.
            await Task.Delay(Poll, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.WhenAll(loops.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>One webhook's loop; ends when the webhook is deleted or the server stops.</summary>
    private async Task RunAsync(string id, CancellationToken ct)
    {
        var backoff = O.FirstBackoff;
        while (!ct.IsCancellationRequested)
        {
            var wake = notifier.WaitAsync(Poll, ct);
            try
            {
                var hook = await store.GetAsync(id);
                if (hook is null)
                {
                    return;
                }

                var state = await store.StateAsync(id);
                var view = ChangeViews.WebhookView(id);
                if (!hook.Enabled || state.Delivered >= await views.HeadAsync(view) || !await TakeLeaseAsync(id))
                {
                    await wake;
                    continue;
                }

                var next = await views.ReadAsync(view, state.Delivered, 1);
                if (next.Count == 0)
                {
                    // Below the head and empty: a hole a crash left in an earlier build's store; nothing to send.
                    await store.AdvanceAsync(id, state.Delivered + 1);
                    continue;
                }

                var (sequence, global) = next[0];
                var change = (await changes.GetAsync([global])).FirstOrDefault();
                if (change is null)
                {
                    await store.AdvanceAsync(id, sequence);
                    continue;
                }

                var eventId = "evt_" + global.ToString(CultureInfo.InvariantCulture);
                var body = Body(sequence, change);
                var (error, attempts) = await DeliverAsync(hook, eventId, sequence, body, state, ct);
                if (error is not null)
                {
                    await FailAsync(hook, error, attempts);
                    await Task.Delay(backoff, time, ct);
                    backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, O.MaxBackoff.TotalMilliseconds));
                    continue;
                }

                await store.AdvanceAsync(id, sequence);
                backoff = O.FirstBackoff;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (ErrorInterceptor.Unavailability(e) is not null)
            {
                logger.LogWarning("Webhook {Id}: the store does not answer ({Error}); retrying", id, e.Message);
                await Task.Delay(backoff, time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>The event as POSTed: type, timestamp and the change (the watch's message, cursor of this queue).</summary>
    public static string Body(long sequence, SequencedChange change)
    {
        var data = CreditGrpcService.ToProto("w1." + sequence.ToString(CultureInfo.InvariantCulture), change.Change);
        var type = ChangeViews.EventType(change.Change);
        var at = change.Change.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        return $"{{\"type\":\"{type}\",\"timestamp\":\"{at}\",\"data\":{Json.Format(data)}}}";
    }

    /// <summary>One round through the webhook's pipeline; null when delivered, else the last error.</summary>
    private async Task<(string? Error, int Attempts)> DeliverAsync(WebhookRecord hook, string eventId, long sequence, string body, DeliveryState before, CancellationToken ct)
    {
        var attempt = before.Attempts;
        var pipeline = pipelines.GetOrAddPipeline(hook.Id, b => Build(b));
        // An open circuit makes no attempt: the reason shown stays the receiver's last answer.
        string? lastError = before.LastError.Length > 0 ? before.LastError : null;
        try
        {
            await pipeline.ExecuteAsync(
                async token =>
                {
                    attempt++;
                    var watch = Stopwatch.StartNew();
                    SendResult result;
                    try
                    {
                        result = await sender.SendAsync(hook.Url, hook.Secret, eventId, body, token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        result = new SendResult(false, 0, $"no answer within {O.AttemptTimeoutMs} ms");
                    }
                    catch (HttpRequestException e)
                    {
                        result = new SendResult(false, 0, e.InnerException?.Message ?? e.Message);
                    }

                    await store.AddAttemptAsync(hook.Id, new AttemptRecord(eventId, sequence, attempt, time.GetUtcNow(), result.HttpStatus, result.Error, result.Succeeded, watch.ElapsedMilliseconds));
                    if (!result.Succeeded)
                    {
                        lastError = result.Error;
                        throw new WebhookFailedException(result.Error);
                    }
                },
                ct);
            return (null, attempt);
        }
        catch (BrokenCircuitException)
        {
            return (lastError is null ? "circuit open after repeated failures" : lastError, attempt);
        }
        catch (Exception e) when (e is WebhookFailedException or TimeoutRejectedException)
        {
            return (lastError ?? e.Message, attempt);
        }
    }

    private async Task FailAsync(WebhookRecord hook, string error, int attempts)
    {
        var now = time.GetUtcNow();
        var before = await store.StateAsync(hook.Id);
        await store.FailAsync(hook.Id, error, attempts, now);
        var since = before.FailingSince ?? now;
        if (now - since >= O.DisableAfter)
        {
            var reason = $"disabled at {now:yyyy-MM-dd'T'HH:mm:ss'Z'}: every delivery failed since {since:yyyy-MM-dd'T'HH:mm:ss'Z'} " +
                $"(Webhooks:DisableAfter {O.DisableAfter}); last error: {error}";
            await store.SaveAsync(hook with { Enabled = false, DisabledReason = reason });
            logger.LogWarning("Webhook {Id} of {Platform}: {Reason}", hook.Id, hook.Platform, reason);
        }
    }

    private async Task<bool> TakeLeaseAsync(string id) =>
        (long)(await redis.GetDatabase().ScriptEvaluateAsync(LeaseScript, [$"wj:wh:{id}:lease"], [instance, (long)Lease.TotalMilliseconds])) == 1;

    private void Build(ResiliencePipelineBuilder b)
    {
        var transient = new PredicateBuilder()
            .Handle<WebhookFailedException>()
            .Handle<TimeoutRejectedException>()
            .Handle<HttpRequestException>();
        // One event at a time per webhook: six failed attempts in 30 s open the circuit.
        b.AddDeliveryStrategies(transient, O.Retries, O.RetryDelay, O.Break, minimumThroughput: 6, O.AttemptTimeout);
    }
}

/// <summary>A receiver's non-2xx answer or a failed connection, for the pipeline to retry.</summary>
public sealed class WebhookFailedException(string message) : Exception(message);
