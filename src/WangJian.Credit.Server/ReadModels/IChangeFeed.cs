namespace WangJian.Credit.Server.ReadModels;

/// <summary>
/// The global change feed as readers see it: numbered without gaps, so a reader that sees number n has
/// already seen every number below it and a cursor is just a number.
/// </summary>
public interface IChangeFeed
{
    /// <summary>The changes of the given global numbers, in the order given (a number not stored is skipped).</summary>
    Task<IReadOnlyList<SequencedChange>> GetAsync(IReadOnlyList<long> sequences);

    /// <summary>The highest sequence number assigned so far (0 when none).</summary>
    Task<long> HeadAsync();

    /// <summary>Up to <paramref name="max"/> changes after <paramref name="after"/>, in order.</summary>
    Task<IReadOnlyList<SequencedChange>> ReadAsync(long after, int max);
}
