using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;
using StackExchange.Redis;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Tests.Storage;

/// <summary>
/// The per-entry operator store and the move from the old whole-record layout, on the stores the server
/// runs on: the embedded Garnet and a real redis-server.
/// </summary>
public abstract class OperatorStoreTests : StoreTestBase
{
    private static readonly DateTimeOffset Decided = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Write_AppendsEntriesAtTheExpectedRevision_AndLoadReadsThemInOrder()
    {
        var store = new RedisOperatorStore(Redis);
        var op = TestUscc.Fresh();
        Assert.Null(await store.LoadAsync(op));

        var entries = Enumerable.Range(0, 12).Select(i => new HistoryEntry(Recorded: Violation(op, i))).ToArray();
        await store.WriteAsync(op, new OperatorWrite(0, Head(1), 0, entries, []));
        var change = new StatusChange(ViolationStatus.Revoked, Decided, "r", "overturned", Decided);
        await store.WriteAsync(op, new OperatorWrite(1, Head(2), 12, [new HistoryEntry(Status: new ViolationStatusChange(entries[3].Recorded!.Id, change))], []));

        var record = (await store.LoadAsync(op))!;
        Assert.Equal(2, record.Head.Revision);
        Assert.Equal(13, record.History.Count);
        Assert.Equal(entries.Select(e => e.Recorded!.DecisionNumber), record.History.Take(12).Select(e => e.Recorded!.DecisionNumber));
        Assert.Equal(entries[3].Recorded!.Id, record.History[12].Status!.ViolationId);
    }

    [Fact]
    public async Task Write_AtAnotherRevisionOrOverAnEntry_RefusedAndNothingWritten()
    {
        var store = new RedisOperatorStore(Redis);
        var op = TestUscc.Fresh();
        await store.WriteAsync(op, new OperatorWrite(0, Head(1), 0, [new HistoryEntry(Recorded: Violation(op, 0))], []));

        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            store.WriteAsync(op, new OperatorWrite(0, Head(1), 1, [new HistoryEntry(Recorded: Violation(op, 1))], [])));
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            store.WriteAsync(op, new OperatorWrite(1, Head(2), 0, [new HistoryEntry(Recorded: Violation(op, 2)), new HistoryEntry(Recorded: Violation(op, 3))], [])));

        var record = (await store.LoadAsync(op))!;
        Assert.Equal(1, record.Head.Revision);
        Assert.Equal("decision-0", Assert.Single(record.History).Recorded!.DecisionNumber);
    }

    [Fact]
    public async Task Migration_OldWholeRecord_MovesToEntries_DeletesTheOldKey_OnceOnly()
    {
        const string serviceId = "wj-migration-test";
        var op = TestUscc.Fresh();
        var violations = Enumerable.Range(0, 5).Select(i => Violation(op, i)).ToList();
        var changeAt = Decided.AddMonths(7);
        violations[2] = violations[2] with { Changes = [new StatusChange(ViolationStatus.Repaired, changeAt, "r", "repaired", changeAt)] };
        var summary = new CreditSummary(85, Grade.B, false, null, null, []);
        var legacyCase = new PunishmentCase("case-1", op, Decided, Decided.AddMonths(36), Decided, "system", "listed", Decided.AddMonths(2), "revoked", []);
        var old = new
        {
            violations,
            listingRepairs = new[] { new ListingRepair(changeAt, "r", "listing repaired", changeAt) },
            nextWakeUp = Decided.AddMonths(12),
            last = summary,
            changeCount = 3L,
            outbox = Array.Empty<CreditChange>(),
            cases = new[] { legacyCase },
            noticeOutbox = Array.Empty<Notice>(),
            revision = 9L,
            reminderAt = Decided.AddMonths(1),
        };
        // As Orleans' Redis grain storage names it: grain type, key, state name.
        var legacyKey = $"{serviceId}/state/operator/{op}/operator";
        await Redis.GetDatabase().HashSetAsync(legacyKey, [new("etag", "e1"), new("data", JsonSerializer.Serialize(old, DomainSerialization.Options))]);

        Assert.Equal(1, await OperatorLayoutMigration.RunAsync(Redis, serviceId, NullLogger.Instance));

        var record = (await new RedisOperatorStore(Redis).LoadAsync(op))!;
        Assert.False(await Redis.GetDatabase().KeyExistsAsync(legacyKey));
        Assert.Equal(9, record.Head.Revision);
        Assert.Equal(3, record.Head.ChangeCount);
        Assert.Equal(summary.Grade, record.Head.Last!.Grade);
        Assert.Equal(Decided.AddMonths(1), record.Head.ReminderAt);
        Assert.Equal(violations.Select(v => (v.Id, v.Status)), record.History.Where(e => e.Recorded is not null).Select(e => (e.Recorded!.Id, e.Recorded.Status)));
        Assert.Equal(changeAt, record.History[^1].ListingRepair!.At);
        Assert.Equal("case-1", Assert.Single(record.Cases).CaseId);

        // Done once: the marker stops a second scan, and a key of the old layout left behind is not read.
        await Redis.GetDatabase().HashSetAsync(legacyKey, [new("etag", "e2"), new("data", JsonSerializer.Serialize(old, DomainSerialization.Options))]);
        Assert.Equal(0, await OperatorLayoutMigration.RunAsync(Redis, serviceId, NullLogger.Instance));
        Assert.Equal(9, (await new RedisOperatorStore(Redis).LoadAsync(op))!.Head.Revision);
    }

    private static OperatorState Head(long revision) => new() { Revision = revision };

    private static Violation Violation(string op, int i) => new(
        Domain.Violation.IdFor("330100-SAMR", $"decision-{i}"),
        op,
        "FAKE_REVIEW_ORGANIZING",
        Severity.General,
        [PenaltyKind.Fine],
        5_000_000,
        0,
        false,
        $"decision-{i}",
        "330100-SAMR",
        "杭州市市场监督管理局",
        Decided.AddDays(i),
        "组织虚假交易",
        "tester",
        Decided.AddDays(i),
        []);
}

public sealed class OperatorStoreOnGarnetTests : OperatorStoreTests
{
    protected override bool OnGarnet => true;

    /// <summary>Finding of issue 11: one status change on a long history appended the whole history to the log.</summary>
    [Fact]
    public async Task Write_OnALongHistory_AppendsOnlyTheChangeToTheLog()
    {
        var store = new RedisOperatorStore(Redis);
        var op = TestUscc.Fresh();
        var revision = 0L;
        var start = LogBytes();
        for (var batch = 0; batch < 20; batch++)
        {
            var entries = Enumerable.Range(batch * 100, 100).Select(i => new HistoryEntry(Recorded: new(
                Domain.Violation.IdFor("SAMR", $"n-{i}"), op, "PRICE_MARKING", Severity.Minor, [PenaltyKind.Warning], 0, 0, false,
                $"n-{i}", "SAMR", "SAMR", DateTimeOffset.UnixEpoch.AddDays(i), "a decision of some length to weigh like a real one", "t", DateTimeOffset.UnixEpoch, []))).ToArray();
            await store.WriteAsync(op, new OperatorWrite(revision, new OperatorState { Revision = revision + 1 }, batch * 100, entries, []));
            revision++;
        }

        await Garnet!.WaitForCommitAsync(CancellationToken.None);
        var before = LogBytes();
        Assert.True(before - start > 200 * 1024, $"2,000 entries appended only {before - start} bytes to the log: the measurement does not see writes");
        var change = new StatusChange(ViolationStatus.Revoked, DateTimeOffset.UnixEpoch, "r", "overturned", DateTimeOffset.UnixEpoch);
        await store.WriteAsync(op, new OperatorWrite(revision, new OperatorState { Revision = revision + 1 }, 2000, [new HistoryEntry(Status: new ViolationStatusChange(Domain.Violation.IdFor("SAMR", "n-5"), change))], []));
        await Garnet.WaitForCommitAsync(CancellationToken.None);

        // 2,000 entries are ~700 KB of JSON; the write of one change logs about a kilobyte.
        Assert.True(LogBytes() - before < 8 * 1024, $"one change appended {LogBytes() - before} bytes to the log");
    }

    private long LogBytes() =>
        new DirectoryInfo(Path.Combine(DataDir, "garnet")).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}

public sealed class OperatorStoreOnRedisTests : OperatorStoreTests
{
    protected override bool OnGarnet => false;
}
