using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Delivery;

/// <summary>
/// The shape of every outbound delivery pipeline (agency notices, webhooks): retry (exponential,
/// jittered) around a circuit breaker around a timeout per attempt. Each endpoint gets its own, so a dead
/// receiver never slows the others.
/// </summary>
public static class DeliveryPipeline
{
    /// <summary>Polly refuses a circuit break shorter than this.</summary>
    public static readonly TimeSpan ShortestBreak = TimeSpan.FromMilliseconds(500);

    /// <summary>The bounds Polly sets on a pipeline's settings, checked at start under <paramref name="section"/>.</summary>
    public static void Check(OptionFailures f, string section, int retries, TimeSpan retryDelay, TimeSpan breakDuration)
    {
        if (retries is < 1 or > 100)
        {
            f.Add($"{retries} is not a number of retries from 1 to 100", $"{section}:Retries");
        }

        f.Positive(retryDelay, $"{section}:RetryDelayMs");
        if (breakDuration < ShortestBreak)
        {
            f.Add($"{breakDuration.TotalMilliseconds} ms is shorter than the shortest circuit break ({ShortestBreak.TotalMilliseconds} ms)", $"{section}:BreakMs");
        }
    }

    /// <summary>The strategies, with settings validated at start (<see cref="Check"/>): nothing is raised to a minimum here.</summary>
    public static ResiliencePipelineBuilder AddDeliveryStrategies(
        this ResiliencePipelineBuilder b, PredicateBuilder<object> transient, int retries, TimeSpan retryDelay, TimeSpan breakDuration, int minimumThroughput, TimeSpan attemptTimeout) =>
        b.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = transient,
                MaxRetryAttempts = retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retryDelay,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = transient,
                FailureRatio = 0.5,
                MinimumThroughput = minimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = breakDuration,
            })
            .AddTimeout(attemptTimeout);
}
