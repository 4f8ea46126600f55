using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Reads of operators with no record answer A / 100 and leave no operator activation behind (issue 11:
/// each one used to stay in memory for the 10-minute idle timeout). The large measurement is in benchmarks/.
/// </summary>
[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class UnknownOperatorReadTests(ServerFixture server)
{
    [Fact]
    public async Task Reads_ManyNeverSeenOperators_ActivationsReturnToBaseline()
    {
        var baseline = await OperatorActivationsAsync();

        for (var batch = 0; batch < 5; batch++)
        {
            var request = new BatchGetCreditStatusRequest();
            request.OperatorIds.AddRange(Enumerable.Range(0, 1000).Select(_ => TestUscc.Fresh()));
            var response = await server.Credit.BatchGetCreditStatusAsync(request);
            Assert.All(response.Statuses, s => Assert.Equal((100d, Grade.A), (s.Score, s.Grade)));
        }

        var single = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Fresh() });
        Assert.Equal(Grade.A, single.Status.Grade);
        var check = await server.AgencyClient("NDRC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = TestUscc.Fresh(), Matter = "GOV_FUNDING" });
        Assert.Equal(CheckDecision.Allow, check.Decision);

        // Each read lets its activation go once idle; give deactivation a moment to finish.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var now = await OperatorActivationsAsync();
        while (now > baseline && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            now = await OperatorActivationsAsync();
        }

        Assert.True(now <= baseline, $"{now} operator activations after reading 5,002 unknown operators, {baseline} before");
    }

    [Fact]
    public async Task MixedBatch_KeepsOrder_AndAFirstRecordIsReadBackAtOnce()
    {
        var (before, recorded, after) = (TestUscc.Fresh(), TestUscc.Fresh(), TestUscc.Fresh());
        var request = new BatchGetCreditStatusRequest { OperatorIds = { before, recorded, after } };
        var clean = await server.Credit.BatchGetCreditStatusAsync(request);
        Assert.All(clean.Statuses, s => Assert.Equal((100d, Grade.A), (s.Score, s.Grade)));
        Assert.Equal([before, recorded, after], clean.Statuses.Select(s => s.OperatorId));

        await server.Regulator.RecordViolationAsync(Requests.Violation(recorded, severity: Severity.EspeciallySerious));

        var mixed = await server.Credit.BatchGetCreditStatusAsync(request);
        Assert.Equal([before, recorded, after], mixed.Statuses.Select(s => s.OperatorId));
        Assert.Equal(100d, mixed.Statuses[0].Score);
        Assert.True(mixed.Statuses[1].Score < 100d, $"the recorded operator reads {mixed.Statuses[1].Score}");
        Assert.Equal(100d, mixed.Statuses[2].Score);
        var single = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = recorded });
        Assert.Equal(mixed.Statuses[1].Score, single.Status.Score);
    }

    [Fact]
    public async Task NeverSeenOperator_AsOfAPastInstant_IsAOneHundredAtThatInstant()
    {
        var op = TestUscc.Fresh();
        var asOf = DateTimeOffset.UtcNow.AddYears(-2);

        var status = (await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op, AsOf = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(asOf) })).Status;

        Assert.Equal((op, 100d, Grade.A, false), (status.OperatorId, status.Score, status.Grade, status.Blacklisted));
        Assert.Equal(asOf.ToUnixTimeSeconds(), status.AsOf.ToDateTimeOffset().ToUnixTimeSeconds());
    }

    private async Task<int> OperatorActivationsAsync()
    {
        var management = server.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var stats = await management.GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains("OperatorGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }
}
