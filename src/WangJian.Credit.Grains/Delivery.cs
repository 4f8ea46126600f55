using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// Each agency's notice log in the store. Appending is idempotent on the notice id; delivery and
/// acknowledgement are kept apart so the delivery loop and an agency's acknowledgement never overwrite
/// each other.
/// </summary>
public interface INoticeStore
{
    /// <summary>Appends at the next sequence number, or returns the sequence the notice already has (Added false).</summary>
    Task<(long Sequence, bool Added)> AppendAsync(string agency, Notice notice);

    Task<IReadOnlyList<StoredNotice>> ReadAsync(string agency, long after, int max);

    Task<IReadOnlyList<StoredNotice>> GetAsync(string agency, IReadOnlyList<string> noticeIds);

    /// <summary>Delivery outcome: state, attempts, last error, next attempt, delivered at.</summary>
    Task SetDeliveryAsync(string agency, long sequence, NoticeStatus delivery);

    /// <summary>Acknowledgement: at, by, action.</summary>
    Task SetAcknowledgementAsync(string agency, long sequence, DateTimeOffset at, string by, string action);

    /// <summary>
    /// Operators that held notices not yet handed to their agencies, as versions before the one outbox
    /// marked them (they handed notices over after answering). Nothing adds to the set any more: at start
    /// each is woken, which publishes its outbox, and cleared.
    /// </summary>
    Task ClearPendingAsync(string operatorId);

    Task<IReadOnlyList<string>> PendingOperatorsAsync();
}

/// <summary>Pushes one notice to an agency's receiver; throws when the receiver did not accept it.</summary>
public interface INoticePusher
{
    /// <summary>Whether the agency has a receiver endpoint (push) or pulls its notices.</summary>
    bool HasEndpoint(string agency);

    /// <summary>Throws when not accepted; <see cref="NoticeDeferredException"/> when it was not even tried.</summary>
    Task PushAsync(string agency, StoredNotice notice, CancellationToken cancellationToken);
}

/// <summary>
/// The pusher did not try (the agency's circuit is open) and can try again after <see cref="RetryAfter"/>.
/// The outbox waits no longer than that, so a receiver that is back gets its notices once the circuit
/// lets a trial through, not a whole backoff later.
/// </summary>
public sealed class NoticeDeferredException(TimeSpan retryAfter, string message, Exception? inner = null) : Exception(message, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// The outbox's wait after a failed round: FirstBackoffMs doubling per attempt, jittered by ±20 %, never
/// more than MaxBackoffMs. The randomness is injected so that tests know the waits.
/// </summary>
public sealed class DeliveryBackoff(DeliveryOptions options, Random random)
{
    public TimeSpan First => TimeSpan.FromMilliseconds(options.FirstBackoffMs);

    public TimeSpan Max => TimeSpan.FromMilliseconds(options.MaxBackoffMs);

    public TimeSpan After(int attempts)
    {
        var exponential = options.FirstBackoffMs * Math.Pow(2, Math.Min(attempts - 1, 20));
        var jittered = exponential * (0.8 + (random.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(options.MaxBackoffMs, jittered));
    }
}

/// <summary>How the outbox retries a notice whose push failed (after the Polly pipeline's own retries).</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Delivery";

    /// <summary>Wait before the second attempt of a failing notice; doubles each time (with jitter).</summary>
    public int FirstBackoffMs { get; set; } = 1000;

    /// <summary><c>FirstBackoffMs</c> as a duration.</summary>
    public TimeSpan FirstBackoff => TimeSpan.FromMilliseconds(FirstBackoffMs);

    /// <summary>The longest wait between attempts.</summary>
    public int MaxBackoffMs { get; set; } = 60_000;

    /// <summary><c>MaxBackoffMs</c> as a duration.</summary>
    public TimeSpan MaxBackoff => TimeSpan.FromMilliseconds(MaxBackoffMs);

    /// <summary>Timeout of one push attempt.</summary>
    public int AttemptTimeoutMs { get; set; } = 5000;

    /// <summary><c>AttemptTimeoutMs</c> as a duration.</summary>
    public TimeSpan AttemptTimeout => TimeSpan.FromMilliseconds(AttemptTimeoutMs);

    /// <summary>Retries inside one delivery round (Polly, exponential with jitter).</summary>
    public int Retries { get; set; } = 2;

    /// <summary>First retry delay inside a round.</summary>
    public int RetryDelayMs { get; set; } = 200;

    /// <summary><c>RetryDelayMs</c> as a duration.</summary>
    public TimeSpan RetryDelay => TimeSpan.FromMilliseconds(RetryDelayMs);

    /// <summary>How long an agency's circuit stays open after repeated failures.</summary>
    public int BreakMs { get; set; } = 10_000;

    /// <summary><c>BreakMs</c> as a duration.</summary>
    public TimeSpan Break => TimeSpan.FromMilliseconds(BreakMs);
}
