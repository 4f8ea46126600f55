namespace WangJian.Credit.Server.ReadModels;

/// <summary>The operators listed now, ordered by (listed_at, operator), kept with the change feed.</summary>
public interface IBlacklistIndex
{
    /// <summary>
    /// A page of the blacklist starting after the given key. Keyset paging: entries that appear or
    /// disappear elsewhere never shift this page.
    /// </summary>
    Task<(IReadOnlyList<BlacklistItem> Items, (long Score, string Member)? Next)> PageBlacklistAsync((long Score, string Member)? after, int size);
}
