using WangJian.Credit.Domain;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

/// <summary>
/// The change feed and its views on the stores they run on: a number assigned with nothing stored under it (the
/// hole a crash in the middle of a script left in a store of an earlier build) is passed over by readers instead
/// of stopping them, and nothing above the head is read.
/// </summary>
public abstract class ChangeLogStoreTests : StoreTestBase
{
    private const string Op = "91330106673959654P";

    [Fact]
    public async Task Read_PassesOverAHoleBelowTheHead_AndReadsNothingAboveIt()
    {
        var views = new ChangeViews(Redis);
        var log = new RedisChangeLog(Redis, views);
        await views.EnsureAsync("w:hook", new ViewSpec("platform-a", SellersOnly: false, Events: []));
        await log.PublishAsync(Change(1));
        await log.PublishAsync(Change(2));

        // The hole: numbers taken, nothing stored (the feed's and the view's).
        var db = Redis.GetDatabase();
        await db.StringIncrementAsync("wj:changes:seq");
        await db.StringIncrementAsync("wj:view:w:hook:seq");
        await log.PublishAsync(Change(3));
        // Stored above the head: not yet a change of the feed.
        await db.HashSetAsync("wj:changes", "9", "{}");

        var read = await log.ReadAsync(0, 256);
        Assert.Equal([1L, 2L, 4L], read.Select(c => c.Sequence));
        Assert.Equal([1L, 2L, 3L], read.Select(c => c.Change.Number));
        Assert.Equal([4L], (await log.ReadAsync(2, 256)).Select(c => c.Sequence));
        Assert.Equal(4, await log.HeadAsync());

        var view = await views.ReadAsync("w:hook", 0, 256);
        Assert.Equal([(1L, 1L), (2L, 2L), (4L, 4L)], view);
        Assert.Empty(await views.ReadAsync("w:hook", 2, 1));

        // Publishing the same change again (an at-least-once republish) keeps its number.
        await log.PublishAsync(Change(3));
        Assert.Equal(4, await log.HeadAsync());
    }

    private static CreditChange Change(long number) => new(
        Op,
        number,
        new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(number),
        ChangeCause.Recorded,
        new CreditSummary(100 - number, Grade.A, false, null, null, []),
        new CreditSummary(99 - number, Grade.B, false, null, null, []));
}

[Trait("Category", "Scenario")]
public sealed class ChangeLogStoreOnGarnetTests : ChangeLogStoreTests
{
    protected override bool OnGarnet => true;
}

[Trait("Category", "Scenario")]
public sealed class ChangeLogStoreOnRedisTests : ChangeLogStoreTests
{
    protected override bool OnGarnet => false;
}
