using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace WangJian.Credit.Server;

/// <summary>
/// The shape of every outbound delivery pipeline (agency notices, webhooks): retry (exponential,
/// jittered) around a circuit breaker around a timeout per attempt. Each endpoint gets its own, so a dead
/// receiver never slows the others.
/// </summary>
public static class DeliveryPipeline
{
    public static ResiliencePipelineBuilder AddDeliveryStrategies(
        this ResiliencePipelineBuilder b, PredicateBuilder<object> transient, int retries, int retryDelayMs, int breakMs, int minimumThroughput, int attemptTimeoutMs) =>
        b.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = Math.Max(retries, 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(retryDelayMs),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = minimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromMilliseconds(Math.Max(breakMs, 500)),
            })
            .AddTimeout(TimeSpan.FromMilliseconds(attemptTimeoutMs));
}
