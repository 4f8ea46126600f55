using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class ChangeFeedTests(ServerFixture server)
{
    /// <summary>Reads the feed from a cursor until <paramref name="until"/> holds for a received change, then disconnects.</summary>
    internal static async Task<List<WatchCreditChangesResponse>> ReadUntil(
        CreditService.CreditServiceClient client, WatchCreditChangesRequest request, Func<WatchCreditChangesResponse, bool> until)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = client.WatchCreditChanges(request, cancellationToken: cts.Token);
        var received = new List<WatchCreditChangesResponse>();
        while (await call.ResponseStream.MoveNext(cts.Token))
        {
            received.Add(call.ResponseStream.Current);
            if (until(call.ResponseStream.Current))
            {
                break;
            }
        }

        return received;
    }

    internal static long Seq(string cursor) => long.Parse(cursor[3..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task WatchCreditChanges_ReconnectWithLastCursor_MissesNothingAndRepeatsNothing()
    {
        string op1 = TestUscc.Fresh(), op2 = TestUscc.Fresh(), op3 = TestUscc.Fresh();
        await server.Regulator.RecordViolationAsync(Requests.Violation(op1));
        var first = await ReadUntil(server.Credit, new WatchCreditChangesRequest { FromBeginning = true }, c => c.OperatorId == op1);
        var change1 = first[^1];
        Assert.Equal(Grade.A, change1.PreviousGrade);
        Assert.Equal(Grade.B, change1.Grade);
        Assert.Equal(ChangeCause.Recorded, change1.Cause);

        // While nobody watches: a listing, and a grade change.
        await server.Regulator.RecordViolationAsync(Requests.Violation(op2, severity: Severity.EspeciallySerious));
        await server.Regulator.RecordViolationAsync(Requests.Violation(op3, "FAKE_DRUG", Severity.Serious));

        var resumed = await ReadUntil(server.Credit, new WatchCreditChangesRequest { Cursor = change1.Cursor }, c => c.OperatorId == op3);

        Assert.DoesNotContain(resumed, c => c.OperatorId == op1);
        var listed = Assert.Single(resumed, c => c.OperatorId == op2);
        Assert.True(listed.Blacklisted);
        Assert.False(listed.WasBlacklisted);
        Assert.Equal(Grade.D, listed.Grade);
        Assert.Single(resumed, c => c.OperatorId == op3);
        // Cursors are consecutive: nothing in between was skipped, whoever produced it.
        var seqs = resumed.Select(c => Seq(c.Cursor)).ToArray();
        Assert.Equal(Enumerable.Range(0, seqs.Length).Select(i => Seq(change1.Cursor) + 1 + i), seqs);
    }

    [Fact]
    public async Task WatchCreditChanges_Live_DeliversChangesAsTheyHappen()
    {
        var op = TestUscc.Fresh();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = server.Credit.WatchCreditChanges(new WatchCreditChangesRequest(), cancellationToken: cts.Token);
        await Task.Delay(200, cts.Token);
        await server.Regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.Serious));

        WatchCreditChangesResponse? seen = null;
        while (seen is null && await call.ResponseStream.MoveNext(cts.Token))
        {
            if (call.ResponseStream.Current.OperatorId == op)
            {
                seen = call.ResponseStream.Current;
            }
        }

        Assert.NotNull(seen);
        Assert.Equal(70, seen.Score);
        Assert.Equal(Grade.B, seen.Grade);
    }

    [Fact]
    public async Task WatchCreditChanges_ForgedCursor_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => ReadUntil(server.Credit, new WatchCreditChangesRequest { Cursor = "c1.999999999" }, _ => true));
        Assert.Contains("cursor", Requests.BadFields(e));
    }

    [Fact]
    public async Task ListBlacklist_ListingsChangeWhilePaging_EachStableEntryExactlyOnce()
    {
        var baseTime = DateTimeOffset.UtcNow.AddDays(-200);
        var ops = Enumerable.Range(0, 6).Select(_ => TestUscc.Fresh()).ToArray();
        var violations = new Dictionary<string, string>();
        for (var i = 0; i < ops.Length; i++)
        {
            var r = await server.Regulator.RecordViolationAsync(Requests.Violation(ops[i], severity: Severity.EspeciallySerious, decidedAt: baseTime.AddMinutes(i)));
            violations[ops[i]] = r.Violation.ViolationId;
        }

        var seen = new List<string>();
        var token = "";
        var page = 0;
        do
        {
            var response = await server.Credit.ListBlacklistAsync(new ListBlacklistRequest { PageSize = 2, PageToken = token });
            seen.AddRange(response.Entries.Select(e => e.OperatorId));
            if (page == 1)
            {
                // Between pages: a new listing appears, and one already seen leaves the list.
                await server.Regulator.RecordViolationAsync(Requests.Violation(TestUscc.Fresh(), severity: Severity.EspeciallySerious, decidedAt: baseTime.AddMinutes(-5)));
                var gone = seen.First(ops.Contains);
                await server.Regulator.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = gone, ViolationId = violations[gone], Reason = "overturned" });
            }

            token = response.NextPageToken;
            page++;
        }
        while (token != "");

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.All(ops, op => Assert.Contains(op, seen));
    }

    [Fact]
    public async Task ListBlacklist_Entry_CarriesListingDatesAndRule()
    {
        var op = TestUscc.Fresh();
        var decided = DateTimeOffset.UtcNow.AddDays(-3);
        await server.Regulator.RecordViolationAsync(Requests.Violation(op, "UNSAFE_FOOD", Severity.General, decidedAt: decided, heavier: true));
        var all = new List<BlacklistEntry>();
        var token = "";
        do
        {
            var response = await server.Credit.ListBlacklistAsync(new ListBlacklistRequest { PageSize = 1000, PageToken = token });
            all.AddRange(response.Entries);
            token = response.NextPageToken;
        }
        while (token != "");

        var entry = Assert.Single(all, e => e.OperatorId == op);
        Assert.Equal(decided.AddMonths(36).ToUnixTimeSeconds(), entry.ExpiresAt.Seconds);
        Assert.NotEmpty(entry.Rules);
    }
}
