using WangJian.Credit.Domain;

namespace WangJian.Credit.Abstractions;

/// <summary>
/// The durable, ordered notice outbox of one agency (key: agency code). Pushes each notice, in order, to
/// the agency's receiver when one is configured; otherwise the agency pulls and acknowledges.
/// </summary>
public interface IAgencyOutboxGrain : IGrainWithStringKey
{
    /// <summary>Adds a notice to the agency's log (a no-op for a notice id already there) and wakes delivery.</summary>
    [Writes]
    Task<long> EnqueueAsync(Notice notice);

    /// <summary>Up to <paramref name="max"/> notices after sequence <paramref name="after"/>, in order.</summary>
    Task<IReadOnlyList<StoredNotice>> ListAsync(long after, int max);

    /// <summary>The notices with these ids, those that exist.</summary>
    Task<IReadOnlyList<StoredNotice>> GetAsync(IReadOnlyList<string> noticeIds);

    /// <summary>Records the agency's confirmation and the action it took; idempotent for the same action.</summary>
    [Writes]
    Task<AcknowledgeOutcome> AcknowledgeAsync(string noticeId, string by, string actionTaken);

    /// <summary>Makes sure delivery is running (after a restart, or when a receiver is back).</summary>
    Task WakeAsync();
}

/// <summary>The result of an acknowledgement.</summary>
[GenerateSerializer, Immutable, Alias("wj.AcknowledgeOutcome")]
public sealed record AcknowledgeOutcome(
    [property: Id(0)] StoredNotice? Notice,
    [property: Id(1)] CommandError? Error);
