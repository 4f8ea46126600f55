namespace WangJian.Credit.Server.Storage;

/// <summary>
/// Where the check log lives in the store: the record under its id, and its id in time-ordered sorted
/// sets (all, per operator, per agency). Shared by the writer, the query and the policy simulation.
/// </summary>
public static class CheckLogKeys
{
    /// <summary>A check's record is under this prefix and its id (what the policy simulation replays).</summary>
    public const string RecordPrefix = "wj:check:";

    /// <summary>Every check by time (score: checked_at in ms).</summary>
    public const string AllIndex = "wj:checks";

    public static string OperatorIndex(string operatorId) => $"wj:checks:op:{operatorId}";

    public static string AgencyIndex(string agency) => $"wj:checks:agency:{agency}";
}
