using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

/// <summary>
/// The check log's bucketed layout on the stores it runs on: pages newest first across days and months (all,
/// per agency, per operator, both), the count and ids the policy simulation replays, and the move of a log of
/// the layout before the buckets (one sorted set for all, one per operator and per agency).
/// </summary>
public abstract class CheckLogStoreTests : StoreTestBase
{
    private const string Hot = "91330106673959654P";
    private const string Other = "91110000100000000M";

    // Across a month's end and a midnight: three day buckets, two month buckets.
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 23, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Queries_AcrossDayAndMonthBuckets_AreNewestFirstInKeyedPages_AndEachBucketIsSmall()
    {
        var writer = new CheckLogWriter(Redis, NullLogger<CheckLogWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        var written = Checks(30);
        foreach (var check in written)
        {
            await writer.AppendAsync(check);
        }

        await writer.StopAsync(CancellationToken.None);
        var query = new CheckLogQuery(Redis);

        Assert.Equal(Newest(written), await AllAsync(query, null, null, pageSize: 7));
        Assert.Equal(Newest(written.Where(c => c.OperatorId == Hot)), await AllAsync(query, Hot, null, pageSize: 2));
        Assert.Equal(Newest(written.Where(c => c.Agency == "NDRC")), await AllAsync(query, null, "NDRC", pageSize: 3));
        Assert.Equal(Newest(written.Where(c => c.Agency == "NDRC" && c.OperatorId == Other)), await AllAsync(query, Other, "NDRC", pageSize: 1));
        Assert.Empty(await AllAsync(query, "91330100000000002F", null, pageSize: 5));

        var db = Redis.GetDatabase();
        Assert.Equal(["wj:checks:d:20261130", "wj:checks:d:20261201", "wj:checks:d:20261202"], (await db.SortedSetRangeByRankAsync(CheckLogKeys.All.Buckets)).Select(b => b.ToString()));
        Assert.Equal([$"wj:checks:op:{Hot}:m:202611", $"wj:checks:op:{Hot}:m:202612"], (await db.SortedSetRangeByRankAsync(CheckLogKeys.Operator(Hot).Buckets)).Select(b => b.ToString()));
        Assert.False(await db.KeyExistsAsync(CheckLogKeys.LegacyAllIndex));

        // What the policy simulation replays: a range inside the buckets, oldest first.
        var (from, to) = (Start.AddHours(2), Start.AddHours(20));
        var inRange = written.Where(c => c.CheckedAt >= from && c.CheckedAt <= to).Select(c => c.CheckId).ToList();
        Assert.Equal(inRange.Count, await CheckLogQuery.CountAsync(db, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()));
        var replayed = new List<string>();
        await foreach (var ids in CheckLogQuery.IdsOldestFirstAsync(db, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), page: 4))
        {
            replayed.AddRange(ids.Select(i => i.ToString()));
        }

        Assert.Equal(inRange, replayed);
    }

    [Fact]
    public async Task ALogOfTheLayoutBeforeTheBuckets_IsMovedIntoThem_AtTheStart()
    {
        var db = Redis.GetDatabase();
        var written = Checks(12);
        foreach (var c in written)
        {
            // As the writer of earlier builds stored them.
            var entry = new SortedSetEntry(c.CheckId, c.CheckedAt.ToUnixTimeMilliseconds());
            await db.StringSetAsync(CheckLogKeys.RecordPrefix + c.CheckId, JsonSerializer.Serialize(c, DomainSerialization.Options));
            await db.SortedSetAddAsync(CheckLogKeys.LegacyAllIndex, [entry]);
            await db.SortedSetAddAsync($"wj:checks:op:{c.OperatorId}", [entry]);
            await db.SortedSetAddAsync($"wj:checks:agency:{c.Agency}", [entry]);
        }

        var writer = new CheckLogWriter(Redis, NullLogger<CheckLogWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        var later = written[^1] with { CheckId = StoredCheck.NewId(Start.AddDays(3)), CheckedAt = Start.AddDays(3) };
        await writer.AppendAsync(later);
        await writer.StopAsync(CancellationToken.None);

        var query = new CheckLogQuery(Redis);
        Assert.Equal(Newest([.. written, later]), await AllAsync(query, null, null, pageSize: 5));
        Assert.Equal(Newest(written.Where(c => c.OperatorId == Hot)), await AllAsync(query, Hot, null, pageSize: 5));
        Assert.Equal(Newest([.. written.Where(c => c.Agency == "SAMR"), later]), await AllAsync(query, null, "SAMR", pageSize: 5));
        foreach (var legacy in new[] { CheckLogKeys.LegacyAllIndex, $"wj:checks:op:{Hot}", $"wj:checks:op:{Other}", "wj:checks:agency:SAMR", "wj:checks:agency:NDRC" })
        {
            Assert.False(await db.KeyExistsAsync(legacy), legacy);
        }

        Assert.Equal(CheckLogKeys.Layout, (string?)await db.StringGetAsync(CheckLogKeys.LayoutKey));
    }

    [Theory]
    [InlineData("wj:checks:op:91330106673959654P", true)]
    [InlineData("wj:checks:agency:SAMR", true)]
    [InlineData("wj:checks:op:91330106673959654P:m:202612", false)]
    [InlineData("wj:checks:op:91330106673959654P:months", false)]
    [InlineData("wj:checks:agency:SAMR:d:20261201", false)]
    [InlineData("wj:checks:days", false)]
    [InlineData("wj:checks:layout", false)]
    public void LegacyIndexes_AreTheUnbucketedPerOperatorAndPerAgencySets(string key, bool legacy) =>
        Assert.Equal(legacy, CheckLogWriter.IsLegacyIndex(key));

    /// <summary>Checks an hour and a half apart from <see cref="Start"/>, alternating operators and agencies.</summary>
    private static List<StoredCheck> Checks(int n) => Enumerable.Range(0, n).Select(i =>
    {
        var at = Start.AddMinutes(90 * i);
        return new StoredCheck(StoredCheck.NewId(at), i % 3 == 0 ? "NDRC" : "SAMR", "agency:test", i % 2 == 0 ? Hot : Other, "GOV_FUNDING",
            CheckDecision.Allow, [], 100m, Grade.A, false, "2019.1", at);
    }).ToList();

    private static List<string> Newest(IEnumerable<StoredCheck> checks) => checks.OrderByDescending(c => c.CheckedAt).Select(c => c.CheckId).ToList();

    private static async Task<List<string>> AllAsync(CheckLogQuery query, string? op, string? agency, int pageSize)
    {
        var all = new List<string>();
        IndexPosition? after = null;
        do
        {
            var (checks, next) = await query.QueryAsync(op, agency, after, pageSize);
            Assert.True(checks.Count <= pageSize);
            Assert.True(next is null || checks.Count == pageSize, "a page short of its size says there is no next one");
            all.AddRange(checks.Select(c => c.CheckId));
            after = next;
        }
        while (after is not null);

        return all;
    }
}

[Trait("Category", "Scenario")]
public sealed class CheckLogStoreOnGarnetTests : CheckLogStoreTests
{
    protected override bool OnGarnet => true;
}

[Trait("Category", "Scenario")]
public sealed class CheckLogStoreOnRedisTests : CheckLogStoreTests
{
    protected override bool OnGarnet => false;
}
