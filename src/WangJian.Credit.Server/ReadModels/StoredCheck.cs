using System.Security.Cryptography;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.ReadModels;

/// <summary>One answered pre-approval check, kept so an approval can be audited against what the agency was shown.</summary>
public sealed record StoredCheck(
    string CheckId,
    string Agency,
    string Principal,
    string OperatorId,
    string Matter,
    CheckDecision Decision,
    IReadOnlyList<string> MeasureCodes,
    decimal Score,
    Grade Grade,
    bool Blacklisted,
    string PolicyVersion,
    DateTimeOffset CheckedAt,
    long StatusVersion = 0)
{
    /// <summary>A new check id: its time first (ms, hex) so ids sort by time, then random bits so ids of one millisecond differ.</summary>
    public static string NewId(DateTimeOffset at) =>
        $"chk_{at.ToUnixTimeMilliseconds():x12}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";
}
