using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using StackExchange.Redis;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

/// <summary>
/// The bucketed reminder table against the stores it runs on in production: the embedded Garnet and a
/// real redis-server. Each test uses its own ServiceId, so they share one store per run.
/// </summary>
public abstract class BucketedReminderTableTests : StoreTestBase
{
    [Fact]
    public async Task Upsert_ReadRow_RemoveRow_FollowTheETag()
    {
        var table = await TableAsync();
        var grain = Operator(1);
        var first = await table.UpsertRow(Entry(grain, "next-change", TimeSpan.FromDays(1)));
        var second = await table.UpsertRow(Entry(grain, "next-change", TimeSpan.FromDays(2)));
        Assert.NotEqual(first, second);

        var row = await table.ReadRow(grain, "next-change");
        Assert.NotNull(row);
        Assert.Equal(second, row.ETag);
        Assert.Equal(TimeSpan.FromDays(2), row.Period);
        Assert.Equal(Start, row.StartAt);
        Assert.Equal(grain, row.GrainId);

        Assert.False(await table.RemoveRow(grain, "next-change", first!));
        Assert.NotNull(await table.ReadRow(grain, "next-change"));
        Assert.True(await table.RemoveRow(grain, "next-change", second!));
        Assert.Null(await table.ReadRow(grain, "next-change"));
        Assert.False(await table.RemoveRow(grain, "next-change", second!));
    }

    [Fact]
    public async Task ReadRowsOfGrain_ReturnsEveryReminderOfThatGrainOnly()
    {
        var table = await TableAsync();
        var grain = Operator(7);
        await table.UpsertRow(Entry(grain, "a", TimeSpan.FromMinutes(5)));
        await table.UpsertRow(Entry(grain, "b*[x]", TimeSpan.FromMinutes(5)));
        await table.UpsertRow(Entry(Operator(8), "a", TimeSpan.FromMinutes(5)));
        // Another grain whose id starts with this one's.
        await table.UpsertRow(Entry(GrainId.Create("operator", grain.Key.ToString() + "0"), "a", TimeSpan.FromMinutes(5)));

        var rows = await table.ReadRows(grain);
        Assert.Equal(["a", "b*[x]"], rows.Reminders.Select(r => r.ReminderName).Order(StringComparer.Ordinal));
        Assert.All(rows.Reminders, r => Assert.Equal(grain, r.GrainId));
    }

    [Fact]
    public async Task ReadRowsOfRange_ReturnsExactlyTheHashesInTheRange_AndRangesCoveringTheRingReturnEachOnce()
    {
        var table = await TableAsync();
        var grains = Enumerable.Range(0, 600).Select(Operator).ToArray();
        foreach (var g in grains)
        {
            await table.UpsertRow(Entry(g, "next-change", TimeSpan.FromDays(1)));
        }

        var hashes = grains.ToDictionary(g => g, g => g.GetUniformHashCode());
        var sorted = hashes.Values.Order().ToArray();
        var ranges = new (uint Begin, uint End)[]
        {
            (0, uint.MaxValue),
            (sorted[100], sorted[400]),             // bounds on real hashes: begin excluded, end included
            (sorted[500], sorted[50]),              // wraps past zero
            (sorted[300], sorted[300]),             // begin == end: the whole ring
            (sorted[10] - 1, sorted[10]),           // one hash
            (uint.MaxValue - 5, 3),                 // wraps across the edge buckets
        };
        foreach (var (begin, end) in ranges)
        {
            var expected = grains.Where(g => BucketedReminderTable.InRange(hashes[g], begin, end)).OrderBy(g => g.ToString()).ToArray();
            var rows = await table.ReadRows(begin, end);
            Assert.Equal(expected, rows.Reminders.Select(r => r.GrainId).OrderBy(g => g.ToString()).ToArray());
        }

        Assert.Equal(600, (await table.ReadRows(sorted[300], sorted[300])).Reminders.Count);

        // Eight ranges that split the ring, as the silos of a cluster own it: every reminder exactly once.
        var cuts = Enumerable.Range(0, 8).Select(i => (uint)(i * (1L << 29) + 12345)).ToArray();
        var all = new List<GrainId>();
        for (var i = 0; i < cuts.Length; i++)
        {
            all.AddRange((await table.ReadRows(cuts[i], cuts[(i + 1) % cuts.Length])).Reminders.Select(r => r.GrainId));
        }

        Assert.Equal(grains.OrderBy(g => g.ToString()), all.OrderBy(g => g.ToString()));
    }

    [Fact]
    public async Task Init_MovesTheEntriesOfOrleansSingleSortedSetTable_KeepingTheirETags()
    {
        var serviceId = "svc-" + Guid.NewGuid().ToString("N");
        var db = Redis.GetDatabase();
        var legacyKey = $"{serviceId}/reminders";
        var grains = Enumerable.Range(0, 20).Select(i => Operator(1000 + i)).ToArray();
        foreach (var g in grains)
        {
            // Orleans.Reminders.Redis members: "hash","grain","name","etag","start","period" (a JSON array without brackets).
            var member = System.Text.Json.JsonSerializer.Serialize(new[]
            {
                g.GetUniformHashCode().ToString("X8"), g.ToString(), "next-change", "etag-" + g.Key, Start.ToString("O"), TimeSpan.FromDays(1).ToString(),
            })[1..^1];
            await db.SortedSetAddAsync(legacyKey, member, 0);
        }

        var table = await TableAsync(serviceId);
        Assert.False(await db.KeyExistsAsync(legacyKey));
        foreach (var g in grains)
        {
            var row = await table.ReadRow(g, "next-change");
            Assert.NotNull(row);
            Assert.Equal("etag-" + g.Key, row.ETag);
            Assert.Equal(Start, row.StartAt);
            Assert.True(await table.RemoveRow(g, "next-change", "etag-" + g.Key));
        }
    }

    private static readonly DateTime Start = new(2026, 11, 29, 8, 30, 0, DateTimeKind.Utc);

    private static GrainId Operator(int i) => GrainId.Create("operator", $"9133010{i:D10}X");

    private static ReminderEntry Entry(GrainId grain, string name, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = name, StartAt = Start, Period = period };

    private async Task<BucketedReminderTable> TableAsync(string? serviceId = null)
    {
        var table = new BucketedReminderTable(
            Redis,
            Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ServiceId = serviceId ?? "svc-" + Guid.NewGuid().ToString("N") }),
            NullLogger<BucketedReminderTable>.Instance);
        await table.Init();
        return table;
    }
}

public sealed class BucketedReminderTableOnGarnetTests : BucketedReminderTableTests
{
    protected override bool OnGarnet => true;
}

public sealed class BucketedReminderTableOnRedisTests : BucketedReminderTableTests
{
    protected override bool OnGarnet => false;
}
