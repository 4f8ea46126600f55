using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace WangJian.Credit.Server.Reports;

/// <summary>What is kept of every issued report: enough to verify it, and who asked for it when.</summary>
/// <remarks>Sha256: SHA-256 of the document as delivered (hex).</remarks>
public sealed record ReportRecord(
    string ReportNumber,
    string OperatorId,
    DateTimeOffset AsOf,
    DateTimeOffset IssuedAt,
    string Format,
    string Sha256,
    string KeyId,
    string Signature,
    string RequestedBy,
    string Grade,
    decimal Score,
    string PolicyVersion);

/// <summary>
/// Issued reports: <c>wj:report:&lt;number&gt;</c> (JSON) and the time index <c>wj:reports</c>, written in one
/// MULTI so the index never points at nothing.
/// </summary>
public sealed class ReportStore(IConnectionMultiplexer redis)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task AddAsync(ReportRecord record)
    {
        var tx = redis.GetDatabase().CreateTransaction();
        _ = tx.StringSetAsync("wj:report:" + record.ReportNumber, JsonSerializer.Serialize(record, Json));
        _ = tx.SortedSetAddAsync("wj:reports", record.ReportNumber, record.IssuedAt.ToUnixTimeMilliseconds());
        await tx.ExecuteAsync();
    }

    public async Task<ReportRecord?> GetAsync(string number)
    {
        var json = await redis.GetDatabase().StringGetAsync("wj:report:" + number);
        return json.IsNull ? null : JsonSerializer.Deserialize<ReportRecord>(json.ToString(), Json);
    }
}
