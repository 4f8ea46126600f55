using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class ListChecksTests(ServerFixture server)
{
    [Fact]
    public async Task ListChecks_TwoAgenciesTwoOperators_NewestFirstAndFiltered()
    {
        var op1 = TestUscc.Fresh();
        var op2 = TestUscc.Fresh();
        var made = new List<(string Id, string Agency, string Operator)>();
        foreach (var (agency, op) in new[] { ("NDRC", op1), ("GACC", op2), ("GACC", op1), ("NDRC", op2) })
        {
            made.Add((await CheckAsync(agency, op), agency, op));
        }

        made.Reverse();
        var newestFirst = made.Select(m => m.Id).ToArray();

        var all = await ListAllAsync(new ListChecksRequest { PageSize = 1000 });
        Assert.Equal(newestFirst, all.Where(c => c.OperatorId == op1 || c.OperatorId == op2).Select(c => c.CheckId));
        AssertNewestFirst(all);

        var byOp1 = await ListAllAsync(new ListChecksRequest { OperatorId = op1 });
        Assert.Equal(made.Where(m => m.Operator == op1).Select(m => m.Id), byOp1.Select(c => c.CheckId));

        var byNdrc = await ListAllAsync(new ListChecksRequest { AgencyCode = "NDRC" });
        Assert.All(byNdrc, c => Assert.Equal("NDRC", c.AgencyCode));
        Assert.Equal(made.Where(m => m.Agency == "NDRC").Select(m => m.Id), byNdrc.Where(c => c.OperatorId == op1 || c.OperatorId == op2).Select(c => c.CheckId));
        AssertNewestFirst(byNdrc);

        var both = await ListAllAsync(new ListChecksRequest { OperatorId = op2.ToLowerInvariant(), AgencyCode = "gacc" });
        var single = Assert.Single(both);
        Assert.Equal(made.Single(m => m.Operator == op2 && m.Agency == "GACC").Id, single.CheckId);
        Assert.Equal("dev-agency-gacc", single.CheckedBy);
        Assert.Equal("GOV_PROCUREMENT", single.Matter);
    }

    [Fact]
    public async Task ListChecks_OperatorAndAgency_PagedThroughEitherIndex()
    {
        // Both filters walk the smaller of the two indexes: the operator's (13) here for NDRC (at least 14),
        // the agency's for MOFCOM (few checks anywhere); either way a page holds only matching checks and
        // paging loses none.
        var op = TestUscc.Fresh();
        var other = TestUscc.Fresh();
        await CheckAsync("NDRC", other);
        await CheckAsync("NDRC", other);
        var ndrc = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ndrc.Add(await CheckAsync("NDRC", op));
        }

        var mofcom = await CheckAsync("MOFCOM", op);
        ndrc.Reverse();

        var pages = new List<int>();
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await server.Regulator.ListChecksAsync(new ListChecksRequest { OperatorId = op, AgencyCode = "NDRC", PageSize = 5, PageToken = token });
            pages.Add(page.Checks.Count);
            seen.AddRange(page.Checks.Select(c => c.CheckId));
            token = page.NextPageToken;
        }
        while (token != "");

        Assert.Equal([5, 5, 2], pages);
        Assert.Equal(ndrc, seen);
        var onlyMofcom = await ListAllAsync(new ListChecksRequest { OperatorId = op, AgencyCode = "MOFCOM", PageSize = 1 });
        Assert.Equal([mofcom], onlyMofcom.Select(c => c.CheckId));
    }

    [Fact]
    public async Task ListChecks_PageSizeOne_VisitsEachOnceWhileChecksAreAdded()
    {
        var op = TestUscc.Fresh();
        var before = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            before.Add(await CheckAsync(i % 2 == 0 ? "MIIT" : "CAC", op));
        }

        before.Reverse();
        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await server.Regulator.ListChecksAsync(new ListChecksRequest { OperatorId = op, PageSize = 1, PageToken = token });
            seen.AddRange(page.Checks.Select(c => c.CheckId));
            token = page.NextPageToken;
            if (pages++ == 1)
            {
                // Newer than every position already handed out: it must not shift what follows.
                await CheckAsync("SPB", op);
            }
        }
        while (token != "");

        Assert.Equal(before, seen);
        var now = await ListAllAsync(new ListChecksRequest { OperatorId = op });
        Assert.Equal(5, now.Count);
        Assert.Equal("SPB", now[0].AgencyCode);
    }

    [Fact]
    public async Task ListChecks_BeforeAndAfterListing_EachKeepsTheAnswerGivenThen()
    {
        var op = TestUscc.Fresh();
        var beforeId = await CheckAsync("NDRC", op);
        await server.Regulator.RecordViolationAsync(Requests.Violation(op, "FAKE_REVIEW_ORGANIZING", Severity.EspeciallySerious));
        var afterId = await CheckAsync("NDRC", op);

        var checks = await ListAllAsync(new ListChecksRequest { OperatorId = op });

        Assert.Equal([afterId, beforeId], checks.Select(c => c.CheckId));
        var after = checks[0];
        Assert.Equal(CheckDecision.Prohibit, after.Decision);
        Assert.True(after.Blacklisted);
        Assert.Equal(Grade.D, after.Grade);
        Assert.NotEmpty(after.MeasureCodes);
        Assert.True(after.Score < 100);
        var before = checks[1];
        Assert.Equal(CheckDecision.Allow, before.Decision);
        Assert.False(before.Blacklisted);
        Assert.Equal(Grade.A, before.Grade);
        Assert.Equal(100, before.Score);
        Assert.Empty(before.MeasureCodes);
        Assert.Equal("2019.1", before.PolicyVersion);
        Assert.True(before.CheckTime.ToDateTimeOffset() < after.CheckTime.ToDateTimeOffset());
        // The record version each answer was based on: none before the violation, one write after it.
        Assert.Equal(0, before.StatusVersion);
        Assert.True(after.StatusVersion > before.StatusVersion);
    }

    [Fact]
    public async Task ListChecks_OperatorWithoutChecks_EmptyWithoutToken()
    {
        var page = await server.Regulator.ListChecksAsync(new ListChecksRequest { OperatorId = TestUscc.Fresh() });
        Assert.Empty(page.Checks);
        Assert.Equal("", page.NextPageToken);
    }

    [Theory]
    [InlineData("operator_id", "91330106673959654Q", "", 0, "")]
    [InlineData("agency_code", "", "FBI", 0, "")]
    [InlineData("page_size", "", "", 1001, "")]
    [InlineData("page_size", "", "", -1, "")]
    [InlineData("page_token", "", "", 0, "not-a-token")]
    [InlineData("page_token", "", "", 0, "bzE6NQ==")] // a ListViolations token ("o1:5")
    public async Task ListChecks_InvalidField_InvalidArgumentNamingField(string field, string operatorId, string agency, int pageSize, string token)
    {
        var request = new ListChecksRequest { OperatorId = operatorId, AgencyCode = agency, PageSize = pageSize, PageToken = token };
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.ListChecksAsync(request).ResponseAsync);
        Assert.Equal([field], Requests.BadFields(e));
    }

    private async Task<string> CheckAsync(string agency, string op)
    {
        var response = await server.AgencyClient(agency).CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "GOV_PROCUREMENT" });
        // Check times have millisecond resolution; keep the checks of one test in distinct milliseconds
        // so "newest first" has one answer.
        await Task.Delay(3);
        return response.CheckId;
    }

    private async Task<List<CheckRecord>> ListAllAsync(ListChecksRequest request)
    {
        var all = new List<CheckRecord>();
        var token = "";
        do
        {
            var page = await server.Regulator.ListChecksAsync(new ListChecksRequest(request) { PageToken = token });
            all.AddRange(page.Checks);
            token = page.NextPageToken;
        }
        while (token != "");

        return all;
    }

    private static void AssertNewestFirst(IReadOnlyList<CheckRecord> checks)
    {
        for (var i = 1; i < checks.Count; i++)
        {
            Assert.True(checks[i - 1].CheckTime.ToDateTimeOffset() >= checks[i].CheckTime.ToDateTimeOffset(), $"check {i} is newer than check {i - 1}");
        }
    }
}
