using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

/// <summary>
/// The check log's batched layout on the stores it runs on: pages newest first across days and months (all,
/// per agency, per operator, both), also when batches overlap in time and straddle a midnight; what the policy
/// simulation replays; and the move of a log of the layouts before (one sorted set for all and one per operator
/// and per agency; then an entry per check in day and month buckets).
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
        Assert.Equal(["wj:checkb:d:20261130", "wj:checkb:d:20261201", "wj:checkb:d:20261202"], (await db.SortedSetRangeByRankAsync(CheckLogKeys.All.Buckets)).Select(b => b.ToString()));
        Assert.Equal([$"wj:checkb:op:{Hot}:m:202611", $"wj:checkb:op:{Hot}:m:202612"], (await db.SortedSetRangeByRankAsync(CheckLogKeys.Operator(Hot).Buckets)).Select(b => b.ToString()));
        Assert.False(await db.KeyExistsAsync(CheckLogKeys.OldAllIndex));

        // What the policy simulation replays: a range inside the buckets, oldest first.
        var (from, to) = (Start.AddHours(2), Start.AddHours(20));
        var inRange = written.Where(c => c.CheckedAt >= from && c.CheckedAt <= to).Select(c => c.CheckId).ToList();
        Assert.Equal(inRange.Count, await CheckLogQuery.EstimateCountAsync(db, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()));
        Assert.Equal(inRange, await ReplayedAsync(db, from, to));
    }

    [Fact]
    public async Task ChecksArrivingTogether_AreStoredAsFewBatches_AndPagedInExactOrder_AcrossOverlapsAndAMidnight()
    {
        // 900 checks within 2.5 s around a midnight, queued at once in no order of time: the writer batches what
        // waits (at most 256, never spanning a second), so batches overlap in time and some straddle the midnight.
        var random = new Random(7);
        var midnight = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var written = Enumerable.Range(0, 900).Select(i =>
        {
            var at = midnight.AddMilliseconds(random.Next(-1500, 1000));
            return new StoredCheck(StoredCheck.NewId(at), i % 3 == 0 ? "NDRC" : "SAMR", "agency:test", i % 4 == 0 ? Hot : Other, "GOV_FUNDING",
                CheckDecision.Allow, [], 100m, Grade.A, false, "2019.1", at);
        }).ToList();

        var writer = new CheckLogWriter(Redis, NullLogger<CheckLogWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        await Task.WhenAll(written.Select(writer.AppendAsync).ToArray());
        await writer.StopAsync(CancellationToken.None);

        var db = Redis.GetDatabase();
        var entries = 0L;
        foreach (var bucket in await db.SortedSetRangeByRankAsync(CheckLogKeys.All.Buckets))
        {
            entries += await db.SortedSetLengthAsync(bucket.ToString());
        }

        Assert.InRange(entries, 2, 60);

        var query = new CheckLogQuery(Redis);
        Assert.Equal(Newest(written), await AllAsync(query, null, null, pageSize: 37));
        Assert.Equal(Newest(written.Where(c => c.OperatorId == Hot)), await AllAsync(query, Hot, null, pageSize: 10));
        Assert.Equal(Newest(written.Where(c => c.Agency == "NDRC")), await AllAsync(query, null, "NDRC", pageSize: 64));
        Assert.Equal(Newest(written.Where(c => c.Agency == "SAMR" && c.OperatorId == Hot)), await AllAsync(query, Hot, "SAMR", pageSize: 1));

        var (from, to) = (midnight.AddMilliseconds(-700), midnight.AddMilliseconds(300));
        var inRange = written.Where(c => c.CheckedAt >= from && c.CheckedAt <= to).Select(c => c.CheckId).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(inRange, (await ReplayedAsync(db, from, to)).Order(StringComparer.Ordinal));
        Assert.InRange(await CheckLogQuery.EstimateCountAsync(db, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()), inRange.Count, written.Count * 2);
    }

    [Fact]
    public async Task ManyBatchesOfTheSameMillisecond_ArePagedEachOnce()
    {
        // Forty batches with one score: the reads inside a bucket go by score, asking again for the members at the
        // lowest score read, so none is read twice or left out.
        var at = Start.AddHours(5);
        var written = Enumerable.Range(0, 40).Select(i => new StoredCheck(StoredCheck.NewId(at), "NDRC", "agency:test", i % 2 == 0 ? Hot : Other, "GOV_FUNDING",
            CheckDecision.Allow, [], 100m, Grade.A, false, "2019.1", at)).ToList();
        var writer = new CheckLogWriter(Redis, NullLogger<CheckLogWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        foreach (var check in written)
        {
            await writer.AppendAsync(check);
        }

        await writer.StopAsync(CancellationToken.None);
        Assert.Equal(40, await Redis.GetDatabase().SortedSetLengthAsync(CheckLogKeys.All.Bucket(at)));

        var query = new CheckLogQuery(Redis);
        Assert.Equal(Newest(written), await AllAsync(query, null, null, pageSize: 3));
        Assert.Equal(Newest(written), await AllAsync(query, null, null, pageSize: 100));
        Assert.Equal(Newest(written.Where(c => c.OperatorId == Other)), await AllAsync(query, Other, null, pageSize: 7));
    }

    [Fact]
    public async Task ALogOfTheFirstLayout_IsMovedIntoBatches_AtTheStart()
    {
        var db = Redis.GetDatabase();
        var written = Checks(12);
        foreach (var c in written)
        {
            // As the writer of the first layout stored them.
            var entry = new SortedSetEntry(c.CheckId, c.CheckedAt.ToUnixTimeMilliseconds());
            await db.StringSetAsync(CheckLogKeys.OldRecordPrefix + c.CheckId, JsonSerializer.Serialize(c, DomainSerialization.Options));
            await db.SortedSetAddAsync(CheckLogKeys.OldAllIndex, [entry]);
            await db.SortedSetAddAsync($"wj:checks:op:{c.OperatorId}", [entry]);
            await db.SortedSetAddAsync($"wj:checks:agency:{c.Agency}", [entry]);
        }

        await AssertMovedAsync(written, [CheckLogKeys.OldAllIndex, $"wj:checks:op:{Hot}", $"wj:checks:op:{Other}", "wj:checks:agency:SAMR", "wj:checks:agency:NDRC"]);
    }

    [Fact]
    public async Task ALogOfTheBucketedLayout_IsMovedIntoBatches_AndAStartStoppedWhileRemovingTheOldKeys_FinishesWithoutCopies()
    {
        var db = Redis.GetDatabase();
        var written = Checks(12);
        foreach (var c in written)
        {
            // As the writer of layout 2 stored them: an entry per check in day and month buckets, each family listing its buckets.
            await db.StringSetAsync(CheckLogKeys.OldRecordPrefix + c.CheckId, JsonSerializer.Serialize(c, DomainSerialization.Options));
            var day = c.CheckedAt.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
            var month = day[..6];
            var start = new DateTimeOffset(c.CheckedAt.UtcDateTime.Date, TimeSpan.Zero).ToUnixTimeMilliseconds();
            foreach (var (bucket, list) in new[] { ($"wj:checks:d:{day}", "wj:checks:days"), ($"wj:checks:agency:{c.Agency}:d:{day}", $"wj:checks:agency:{c.Agency}:days"), ($"wj:checks:op:{c.OperatorId}:m:{month}", $"wj:checks:op:{c.OperatorId}:months") })
            {
                await db.SortedSetAddAsync(bucket, c.CheckId, c.CheckedAt.ToUnixTimeMilliseconds());
                await db.SortedSetAddAsync(list, bucket, start);
            }
        }

        await db.StringSetAsync(CheckLogKeys.LayoutKey, "2");
        string[] old = ["wj:checks:days", "wj:checks:d:20261130", "wj:checks:d:20261201", $"wj:checks:op:{Hot}:months", $"wj:checks:op:{Hot}:m:202611", "wj:checks:agency:SAMR:days", CheckLogKeys.OldRecordPrefix + written[0].CheckId];
        await AssertMovedAsync(written, old);

        // A start stopped after the batches were written, while it removed the old keys: the next start removes the rest and writes nothing again.
        await db.StringSetAsync(CheckLogKeys.OldRecordPrefix + written[3].CheckId, JsonSerializer.Serialize(written[3], DomainSerialization.Options));
        await db.SortedSetAddAsync("wj:checks:d:20261130", written[3].CheckId, written[3].CheckedAt.ToUnixTimeMilliseconds());
        await db.StringSetAsync(CheckLogKeys.LayoutKey, CheckLogKeys.LayoutMoved);
        await AssertMovedAsync(written, old, later: false);
    }

    /// <summary>A writer started on the old keys moves them: every query answers what was written (and one check after), the old keys are gone.</summary>
    private async Task AssertMovedAsync(List<StoredCheck> written, string[] oldKeys, bool later = true)
    {
        var writer = new CheckLogWriter(Redis, NullLogger<CheckLogWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        List<StoredCheck> all = [.. written];
        if (later)
        {
            var check = written[^1] with { CheckId = StoredCheck.NewId(Start.AddDays(3)), CheckedAt = Start.AddDays(3) };
            await writer.AppendAsync(check);
            written.Add(check);
            all.Add(check);
        }

        await writer.StopAsync(CancellationToken.None);

        var query = new CheckLogQuery(Redis);
        Assert.Equal(Newest(all), await AllAsync(query, null, null, pageSize: 5));
        Assert.Equal(Newest(all.Where(c => c.OperatorId == Hot)), await AllAsync(query, Hot, null, pageSize: 5));
        Assert.Equal(Newest(all.Where(c => c.Agency == "SAMR")), await AllAsync(query, null, "SAMR", pageSize: 5));
        var db = Redis.GetDatabase();
        foreach (var key in oldKeys)
        {
            Assert.False(await db.KeyExistsAsync(key), key);
        }

        Assert.Equal(CheckLogKeys.Layout, (string?)await db.StringGetAsync(CheckLogKeys.LayoutKey));
    }

    [Theory]
    [InlineData("wj:checks", true)]
    [InlineData("wj:checks:op:91330106673959654P", true)]
    [InlineData("wj:checks:agency:SAMR", true)]
    [InlineData("wj:checks:op:91330106673959654P:m:202612", true)]
    [InlineData("wj:checks:op:91330106673959654P:months", true)]
    [InlineData("wj:checks:agency:SAMR:d:20261201", true)]
    [InlineData("wj:checks:days", true)]
    [InlineData("wj:check:chk_0193a1b2c3d4e5f6a7b8c9d0", true)]
    [InlineData("wj:checks:layout", false)]
    [InlineData("wj:checkb:d:20261201", false)]
    [InlineData("wj:checkb:r:chk_0193a1b2c3d4e5f6a7b8c9d0", false)]
    [InlineData("wj:checksum", false)]
    public void OldLayoutKeys_AreThoseOfTheLayoutsBeforeTheBatches_ButTheLayoutMark(string key, bool old) =>
        Assert.Equal(old, CheckLogKeys.IsOldLayout(key));

    /// <summary>Checks an hour and a half apart from <see cref="Start"/>, alternating operators and agencies.</summary>
    private static List<StoredCheck> Checks(int n) => Enumerable.Range(0, n).Select(i =>
    {
        var at = Start.AddMinutes(90 * i);
        return new StoredCheck(StoredCheck.NewId(at), i % 3 == 0 ? "NDRC" : "SAMR", "agency:test", i % 2 == 0 ? Hot : Other, "GOV_FUNDING",
            CheckDecision.Allow, [], 100m, Grade.A, false, "2019.1", at);
    }).ToList();

    private static List<string> Newest(IEnumerable<StoredCheck> checks) =>
        checks.OrderByDescending(c => c.CheckedAt.ToUnixTimeMilliseconds()).ThenByDescending(c => c.CheckId, StringComparer.Ordinal).Select(c => c.CheckId).ToList();

    private static async Task<List<string>> ReplayedAsync(IDatabase db, DateTimeOffset from, DateTimeOffset to)
    {
        var replayed = new List<string>();
        await foreach (var checks in CheckLogQuery.ChecksOldestFirstAsync(db, from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), page: 2))
        {
            replayed.AddRange(checks.Select(c => c.CheckId));
        }

        return replayed;
    }

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
