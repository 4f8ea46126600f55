using System.Security.Cryptography;
using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Storage;

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
    DateTimeOffset CheckedAt);

/// <summary>
/// The audit log of checks, in the store: the record under its id, and its id in time-ordered sorted
/// sets (all, per operator, per agency) written in one MULTI so an index never points at nothing.
/// The check is stored before it is answered: an answer the agency saw is always on file.
/// </summary>
public sealed class CheckLog(IConnectionMultiplexer redis)
{
    private const string Prefix = "wj:check:";

    public static string NewId(DateTimeOffset at) =>
        $"chk_{at.ToUnixTimeMilliseconds():x12}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}";

    public async Task AppendAsync(StoredCheck record)
    {
        var db = redis.GetDatabase();
        var score = record.CheckedAt.ToUnixTimeMilliseconds();
        var tx = db.CreateTransaction();
        _ = tx.StringSetAsync(Prefix + record.CheckId, JsonSerializer.Serialize(record, DomainSerialization.Options));
        _ = tx.SortedSetAddAsync("wj:checks", record.CheckId, score);
        _ = tx.SortedSetAddAsync($"wj:checks:op:{record.OperatorId}", record.CheckId, score);
        _ = tx.SortedSetAddAsync($"wj:checks:agency:{record.Agency}", record.CheckId, score);
        if (!await tx.ExecuteAsync())
        {
            throw new RedisException("the check could not be stored");
        }
    }

    public async Task<StoredCheck?> GetAsync(string checkId)
    {
        var json = await redis.GetDatabase().StringGetAsync(Prefix + checkId);
        return json.IsNullOrEmpty ? null : JsonSerializer.Deserialize<StoredCheck>(json.ToString(), DomainSerialization.Options);
    }
}
