using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Audit;

/// <summary>
/// The access log's store layout on the stores it runs on: queries by operator and principal through the day
/// index across days, minutes and batches, keyed pages, no key per operator, and the move from the layout of
/// earlier builds (a sorted set per operator and per principal).
/// </summary>
public abstract class AccessLogStoreTests : StoreTestBase
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 23, 58, 30, TimeSpan.Zero);

    private readonly SteppedClock clock = new(Start);

    [Fact]
    public async Task OperatorAndPrincipalQueries_AcrossDaysAndBatches_NewestFirstInKeyedPages()
    {
        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        var hot = "91330100000000001C";
        var written = new List<(string Id, DateTimeOffset Time, string Principal, string[] Ops)>();
        // 3 minutes across midnight, 20 s apart, each step a batch of its own: every 3rd call names the hot
        // operator (some with others, as a batch read does), principals alternate.
        for (var i = 0; i < 12; i++)
        {
            string[] ops = i % 3 == 0 ? [hot, $"9133010000000{i:D4}X"] : [$"9133010000000{i:D4}X"];
            var principal = i % 2 == 0 ? "even" : "odd";
            written.Add((Append(log, principal, ops), clock.GetUtcNow(), principal, ops));
            await log.FlushAsync();
            clock.Advance(TimeSpan.FromSeconds(20));
        }

        var byHot = await AllAsync(log, new AccessQuery(null, hot, null, null, null, null), pageSize: 2);
        Assert.Equal(written.Where(w => w.Ops.Contains(hot)).Reverse().Select(w => w.Id), byHot.Select(e => e.RequestId));
        Assert.All(byHot, e => Assert.Contains(hot, e.OperatorIds));

        var byOdd = await AllAsync(log, new AccessQuery("odd", null, null, null, null, null), pageSize: 4);
        Assert.Equal(written.Where(w => w.Principal == "odd").Reverse().Select(w => w.Id), byOdd.Select(e => e.RequestId));

        // A time range inside the walk (the second day only) and both filters at once.
        var midnight = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var secondDay = await AllAsync(log, new AccessQuery("even", hot, null, null, midnight, null), pageSize: 1);
        Assert.Equal(
            written.Where(w => w.Ops.Contains(hot) && w.Principal == "even" && w.Time >= midnight).Reverse().Select(w => w.Id),
            secondDay.Select(e => e.RequestId));
        Assert.NotEmpty(secondDay);

        var all = await AllAsync(log, new AccessQuery(null, null, null, null, null, null), pageSize: 5);
        Assert.Equal(written.AsEnumerable().Reverse().Select(w => w.Id), all.Select(e => e.RequestId));
        Assert.Empty(await AllAsync(log, new AccessQuery(null, "91330100000000002F", null, null, null, null), pageSize: 5));
    }

    [Fact]
    public async Task BatchIndex_OneSetPerDay_NoSetOfAllBatches()
    {
        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        var ids = new List<string>();
        // Three days, two batches each.
        for (var i = 0; i < 6; i++)
        {
            ids.Add(Append(log, "screening", [$"9133010000000{i:D4}X"]));
            await log.FlushAsync();
            clock.Advance(TimeSpan.FromHours(12));
        }

        var db = Redis.GetDatabase();
        Assert.False(await db.KeyExistsAsync("wj:access"));
        var days = (await db.SortedSetRangeByRankAsync("wj:access:days")).Select(d => d.ToString()).ToArray();
        Assert.Equal(["wj:access:i:20261130", "wj:access:i:20261201", "wj:access:i:20261202", "wj:access:i:20261203"], days);
        Assert.Equal(6, (await Task.WhenAll(days.Select(d => db.SortedSetLengthAsync(d)))).Sum());
        Assert.All(days, d => Assert.NotNull(db.KeyTimeToLive(d)));

        // Every query walks the days newest first: all, a time range across midnight, by operator.
        var all = await AllAsync(log, new AccessQuery(null, null, null, null, null, null), pageSize: 4);
        Assert.Equal(ids.AsEnumerable().Reverse(), all.Select(e => e.RequestId));
        var range = await AllAsync(log, new AccessQuery(null, null, null, null, Start.AddHours(11), Start.AddHours(37)), pageSize: 1);
        Assert.Equal([ids[3], ids[2], ids[1]], range.Select(e => e.RequestId));
        var one = await AllAsync(log, new AccessQuery(null, "91330100000000004X", null, null, null, null), pageSize: 1);
        Assert.Equal([ids[4]], one.Select(e => e.RequestId));
    }

    [Fact]
    public async Task ManyOperators_NoKeyPerOperator()
    {
        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        for (var i = 0; i < 2000; i++)
        {
            Append(log, "screening", [$"91330100{i:D9}X"]);
        }

        await log.FlushAsync();
        var keys = await KeysAsync("wj:access*");
        Assert.DoesNotContain(keys, k => k.StartsWith("wj:access:op:", StringComparison.Ordinal) || k.StartsWith("wj:access:by:", StringComparison.Ordinal));
        // Besides the batches (one or a few: the writer may wake while they are appended): the day's index of
        // batches, the list of days, the layout mark and at most the 256 hashes of the day index.
        var batches = keys.Count(k => k.StartsWith("wj:access:b:", StringComparison.Ordinal));
        Assert.InRange(batches, 1, 5);
        Assert.True(keys.Count - batches <= 259, $"{keys.Count} keys: {string.Join(", ", keys.Take(10))}");
        var one = await AllAsync(log, new AccessQuery(null, "91330100000001234X", null, null, null, null), pageSize: 10);
        Assert.Single(one);
    }

    [Fact]
    public async Task OperatorsOfOneBucket_ToldApartByTheQuery()
    {
        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        // Two USCCs that share a day-index bucket (found by trying: 65,536 buckets).
        var byBucket = new Dictionary<string, string>();
        string first, second;
        for (var i = 0; ; i++)
        {
            var op = $"91330100{i:D9}X";
            if (byBucket.TryGetValue(AccessLog.OperatorField(op), out var other))
            {
                (first, second) = (other, op);
                break;
            }

            byBucket[AccessLog.OperatorField(op)] = op;
        }

        var a = Append(log, "screening", [first]);
        var b = Append(log, "screening", [second]);
        await log.FlushAsync();

        Assert.Equal([a], (await AllAsync(log, new AccessQuery(null, first, null, null, null, null), pageSize: 10)).Select(e => e.RequestId));
        Assert.Equal([b], (await AllAsync(log, new AccessQuery(null, second, null, null, null, null), pageSize: 10)).Select(e => e.RequestId));
    }

    [Fact]
    public async Task DayIndex_WrittenOnceAMinutePerName_NotOnceABatch()
    {
        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        var op = "91330100000000001C";
        var field = AccessLog.OperatorField(op);
        var key = AccessLog.DayKey(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), AccessLog.Shard(field));
        var db = Redis.GetDatabase();
        var first = Append(log, "screening", [op]);
        await log.FlushAsync();
        Assert.Equal("059e", (string?)await db.HashGetAsync(key, field)); // 23:58

        // A second batch in the same minute does not write the field again (removed here to tell).
        await db.HashDeleteAsync(key, field);
        clock.Advance(TimeSpan.FromSeconds(20));
        Append(log, "screening", [op]);
        await log.FlushAsync();
        Assert.False(await db.HashExistsAsync(key, field));

        // The next minute's batch does. By operator only its call is found now (23:58 was removed from the field
        // above: the index is all a query by operator walks); by principal, all three.
        clock.Advance(TimeSpan.FromSeconds(20));
        var third = Append(log, "screening", [op]);
        await log.FlushAsync();
        Assert.Equal("059f", (string?)await db.HashGetAsync(key, field));
        var found = await AllAsync(log, new AccessQuery(null, op, null, null, null, null), pageSize: 10);
        Assert.Equal([third], found.Select(e => e.RequestId));
        Assert.Equal(3, (await AllAsync(log, new AccessQuery("screening", null, null, null, null, null), pageSize: 10)).Count);
        Assert.NotEqual(first, third);
    }

    [Fact]
    public async Task DistinctOperatorsBeyondTheBuckets_KeepTheDayIndexBounded()
    {
        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        const int Operators = 70_000;
        for (var i = 0; i < Operators; i += 1000)
        {
            Append(log, "screening", Enumerable.Range(i, 1000).Select(n => $"91330100{n:D9}X").ToArray());
        }

        await log.FlushAsync();
        var db = Redis.GetDatabase();
        long fields = 0;
        foreach (var key in await KeysAsync("wj:access:d:*"))
        {
            fields += await db.HashLengthAsync(key);
        }

        // One field per bucket touched (70,000 random operators touch about 43,000 of the 65,536) and one for
        // the principal: never more than the buckets, whatever the number of operators read.
        Assert.InRange(fields, 1, 65_536 + 1);
        Assert.True(fields < Operators * 3 / 4, $"{fields} index fields for {Operators} operators");
        Assert.Single(await AllAsync(log, new AccessQuery(null, "91330100000069999X", null, null, null, null), pageSize: 10));
    }

    [Fact]
    public async Task DayIndexOfEarlierBuilds_OneFieldPerOperator_IsStillRead()
    {
        // A batch indexed as builds before the buckets did: the operator's own field in the day index.
        var db = Redis.GetDatabase();
        var op = "91330100000000001C";
        var line = $"fedcba9876543210fedcba9876543210\t{Start.UtcTicks}\tscreening\tplatform\twangjian.credit.v1.CreditService/GetCreditStatus\t{op}\t0\tOK\t127.0.0.1:5000\t3";
        await db.StringSetAsync("wj:access:b:legacy1", line);
        await db.SortedSetAddAsync("wj:access", "legacy1", Start.ToUnixTimeMilliseconds());
        await db.StringSetAsync("wj:access:layout", "2");
        var field = AccessLog.LegacyOperatorField(op);
        var day = new DateTimeOffset(Start.Year, Start.Month, Start.Day, 0, 0, 0, TimeSpan.Zero);
        await db.HashSetAsync(AccessLog.DayKey(day, AccessLog.Shard(field)), field, ((Start.Hour * 60) + Start.Minute).ToString("x4"));

        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);

        await log.StartAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(5));
        var id = Append(log, "screening", [op]);
        await log.FlushAsync();

        var found = await AllAsync(log, new AccessQuery(null, op, null, null, null, null), pageSize: 1);
        Assert.Equal([id, "fedcba9876543210fedcba9876543210"], found.Select(e => e.RequestId));

        // The one index of all batches of that layout was moved into the day's set and deleted.
        Assert.False(await db.KeyExistsAsync("wj:access"));
        Assert.Equal("3", (string?)await db.StringGetAsync("wj:access:layout"));
        Assert.NotNull(await db.SortedSetScoreAsync("wj:access:i:20261130", "legacy1"));
        Assert.Equal(2, (await AllAsync(log, new AccessQuery(null, null, null, null, null, null), pageSize: 1)).Count);
    }

    [Fact]
    public async Task EarlierLayout_MovedToTheDayIndex_OldIndexesDeleted()
    {
        // A batch as builds before the day index wrote it: plain lines, indexed per operator and principal.
        var db = Redis.GetDatabase();
        var time = Start.AddDays(-3);
        var line = $"0123456789abcdef0123456789abcdef\t{time.UtcTicks}\tscreening\tplatform\twangjian.credit.v1.CreditService/GetCreditStatus\t91330100000000001C\t0\tOK\t127.0.0.1:5000\t3";
        await db.StringSetAsync("wj:access:b:old1", line);
        await db.SortedSetAddAsync("wj:access", "old1", time.ToUnixTimeMilliseconds());
        await db.SortedSetAddAsync("wj:access:op:91330100000000001C", "old1", time.ToUnixTimeMilliseconds());
        await db.SortedSetAddAsync("wj:access:by:screening", "old1", time.ToUnixTimeMilliseconds());

        using var log = new AccessLog(Redis, clock, new AuditOptions(), NullLogger<AccessLog>.Instance);
        await log.StartAsync(CancellationToken.None);
        var id = Append(log, "screening", ["91330100000000001C"]);
        await log.FlushAsync();

        var found = await AllAsync(log, new AccessQuery(null, "91330100000000001C", null, null, null, null), pageSize: 1);
        Assert.Equal([id, "0123456789abcdef0123456789abcdef"], found.Select(e => e.RequestId));
        Assert.Equal(2, (await AllAsync(log, new AccessQuery("screening", null, null, null, null, null), pageSize: 10)).Count);
        Assert.False(await db.KeyExistsAsync("wj:access:op:91330100000000001C"));
        Assert.False(await db.KeyExistsAsync("wj:access:by:screening"));
    }

    private string Append(AccessLog log, string principal, string[] operators)
    {
        var id = Guid.NewGuid().ToString("N");
        var call = new AccessFeature(id, "/wangjian.credit.v1.CreditService/BatchGetCreditStatus", 0);
        foreach (var op in operators)
        {
            call.Concerns(op);
        }

        var context = new DefaultHttpContext
        {
            User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, principal), new Claim(ClaimTypes.Role, "platform")], "Bearer")),
        };
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Connection.RemotePort = 40000;
        context.Response.Headers["grpc-status"] = "0";
        call.End(context, clock);
        log.Append(call);
        return id;
    }

    private static async Task<List<AccessEntry>> AllAsync(AccessLog log, AccessQuery query, int pageSize)
    {
        var all = new List<AccessEntry>();
        IndexPosition? after = null;
        do
        {
            var (items, next) = await log.QueryAsync(query, after, pageSize);
            Assert.True(items.Count <= pageSize);
            all.AddRange(items);
            after = next;
        }
        while (after is not null);
        return all;
    }

    private async Task<List<string>> KeysAsync(string pattern)
    {
        var server = Redis.GetServers()[0];
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: pattern))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}

public sealed class AccessLogStoreOnGarnetTests : AccessLogStoreTests
{
    protected override bool OnGarnet => true;
}

public sealed class AccessLogStoreOnRedisTests : AccessLogStoreTests
{
    protected override bool OnGarnet => false;
}
