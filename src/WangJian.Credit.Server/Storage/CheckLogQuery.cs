using System.Text.Json;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Storage;

/// <summary>Pages the audit log of checks newest first by its time indexes (<see cref="CheckLogKeys"/>).</summary>
public sealed class CheckLogQuery(IConnectionMultiplexer redis) : ICheckLogQuery
{
    public async Task<(IReadOnlyList<StoredCheck> Checks, IndexPosition? Next)> QueryAsync(string? operatorId, string? agency, IndexPosition? after, int limit)
    {
        var db = redis.GetDatabase();

        // With both filters, walk the smaller index and filter on the record's other field.
        RedisKey key;
        Func<StoredCheck, bool> keep = _ => true;
        if (operatorId is not null && agency is not null)
        {
            var opKey = CheckLogKeys.OperatorIndex(operatorId);
            var agencyKey = CheckLogKeys.AgencyIndex(agency);
            var opCount = await db.SortedSetLengthAsync(opKey);
            var agencyCount = await db.SortedSetLengthAsync(agencyKey);
            if (opCount <= agencyCount)
            {
                key = opKey;
                keep = c => string.Equals(c.Agency, agency, StringComparison.Ordinal);
            }
            else
            {
                key = agencyKey;
                keep = c => string.Equals(c.OperatorId, operatorId, StringComparison.Ordinal);
            }
        }
        else
        {
            key = operatorId is not null ? CheckLogKeys.OperatorIndex(operatorId) : agency is not null ? CheckLogKeys.AgencyIndex(agency) : CheckLogKeys.AllIndex;
        }

        return await TimeIndex.PageAsync(db, key, after, limit, async positions =>
        {
            // The writer stores record and indexes in one MULTI; a missing record is skipped, not fatal.
            var records = await db.StringGetAsync(positions.Select(p => (RedisKey)(CheckLogKeys.RecordPrefix + p.Member)).ToArray());
            return records.Select(r => r.IsNullOrEmpty ? null : JsonSerializer.Deserialize<StoredCheck>(r.ToString(), DomainSerialization.Options)).ToArray();
        }, keep);
    }
}
