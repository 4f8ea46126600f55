namespace WangJian.Credit.Server.Webhooks;

/// <summary>Webhook delivery. Section <c>Webhooks</c>.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>A webhook whose next event has failed for this long is disabled (with the reason shown). Default 3 days.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Allows http:// and loopback receivers (tests, on-prem); private and link-local addresses stay refused.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>One POST may take this long.</summary>
    public int AttemptTimeoutMs { get; set; } = 10_000;

    /// <summary><c>AttemptTimeoutMs</c> as a duration.</summary>
    public TimeSpan AttemptTimeout => TimeSpan.FromMilliseconds(AttemptTimeoutMs);

    /// <summary>Retries of an event within one round (exponential, jittered, from RetryDelayMs).</summary>
    public int Retries { get; set; } = 2;

    public int RetryDelayMs { get; set; } = 500;

    /// <summary><c>RetryDelayMs</c> as a duration.</summary>
    public TimeSpan RetryDelay => TimeSpan.FromMilliseconds(RetryDelayMs);

    /// <summary>How long the circuit breaker of an endpoint stays open.</summary>
    public int BreakMs { get; set; } = 15_000;

    /// <summary><c>BreakMs</c> as a duration.</summary>
    public TimeSpan Break => TimeSpan.FromMilliseconds(BreakMs);

    /// <summary>Pause between failed rounds, doubling up to MaxBackoffMs.</summary>
    public int FirstBackoffMs { get; set; } = 1_000;

    /// <summary><c>FirstBackoffMs</c> as a duration.</summary>
    public TimeSpan FirstBackoff => TimeSpan.FromMilliseconds(FirstBackoffMs);

    public int MaxBackoffMs { get; set; } = 300_000;

    /// <summary><c>MaxBackoffMs</c> as a duration.</summary>
    public TimeSpan MaxBackoff => TimeSpan.FromMilliseconds(MaxBackoffMs);

    /// <summary>At most this many webhooks per platform principal.</summary>
    public int MaxPerPlatform { get; set; } = 20;
}
