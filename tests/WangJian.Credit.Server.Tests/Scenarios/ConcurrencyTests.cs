using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class ConcurrencyTests(ServerFixture server)
{
    [Fact]
    public async Task RecordViolation_1000ConcurrentCallsOf500DecisionsEachTwice_Exactly500Records()
    {
        var op = TestUscc.Fresh();
        var requests = Enumerable.Range(0, 500)
            .Select(i => Requests.Violation(op, "PRICE_MARKING", Severity.Minor, decisionNumber: $"并发测试〔2026〕{i}号"))
            .ToArray();
        var regulator = server.Regulator;

        var responses = await Task.WhenAll(requests.Concat(requests).Select(r => regulator.RecordViolationAsync(r).ResponseAsync));

        Assert.Equal(500, responses.Count(r => r.Created));
        Assert.Equal(500, responses.Select(r => r.Violation.ViolationId).Distinct().Count());
        var list = await regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op, PageSize = 1000 });
        Assert.Equal(500, list.TotalSize);
    }
}
