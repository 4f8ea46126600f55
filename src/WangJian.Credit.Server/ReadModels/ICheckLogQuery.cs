using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.ReadModels;

/// <summary>The audit log of checks as it is read.</summary>
public interface ICheckLogQuery
{
    /// <summary>
    /// Checks newest first, optionally of one operator and/or by one agency, from just after
    /// <paramref name="after"/> (a position returned by an earlier page; see <see cref="TimeIndex"/>).
    /// Returns at most <paramref name="limit"/> checks and the position to continue from, or null at the end.
    /// </summary>
    Task<(IReadOnlyList<StoredCheck> Checks, IndexPosition? Next)> QueryAsync(string? operatorId, string? agency, IndexPosition? after, int limit);
}
