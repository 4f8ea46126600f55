using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class CreditAndAgencyApiTests(ServerFixture server)
{
    [Fact]
    public async Task GetCreditStatus_OperatorWithNoRecord_IsA100()
    {
        var response = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Huawei });
        Assert.Equal(100, response.Status.Score);
        Assert.Equal(Grade.A, response.Status.Grade);
        Assert.False(response.Status.Blacklisted);
        Assert.Empty(response.Status.Deductions);
    }

    [Fact]
    public async Task GetCreditStatus_AsOfBeforeTheViolation_IsA100()
    {
        var op = TestUscc.Fresh();
        var decided = DateTimeOffset.UtcNow.AddDays(-30);
        await server.Regulator.RecordViolationAsync(Requests.Violation(op, decidedAt: decided));

        var before = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op, AsOf = Timestamp.FromDateTimeOffset(decided.AddSeconds(-1)) });
        var after = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op, AsOf = Timestamp.FromDateTimeOffset(decided) });

        Assert.Equal(100, before.Status.Score);
        Assert.Equal(85, after.Status.Score);
    }

    [Fact]
    public async Task GetCreditStatus_AsOfInTheFuture_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest
        {
            OperatorId = TestUscc.Huawei,
            AsOf = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
        }).ResponseAsync);
        Assert.Contains("as_of", Requests.BadFields(e));
    }

    [Fact]
    public async Task BatchGetCreditStatus_MixedOperators_AnswersInRequestOrder()
    {
        var listed = TestUscc.Fresh();
        await server.Regulator.RecordViolationAsync(Requests.Violation(listed, severity: Severity.EspeciallySerious));
        var request = new BatchGetCreditStatusRequest { OperatorIds = { TestUscc.JdTech, listed, TestUscc.Alibaba } };

        var response = await server.Credit.BatchGetCreditStatusAsync(request);

        Assert.Equal([TestUscc.JdTech, listed, TestUscc.Alibaba], response.Statuses.Select(s => s.OperatorId));
        Assert.True(response.Statuses[1].Blacklisted);
        Assert.Equal(Grade.D, response.Statuses[1].Grade);
    }

    [Fact]
    public async Task BatchGetCreditStatus_MoreThan1000_InvalidArgument()
    {
        var request = new BatchGetCreditStatusRequest();
        request.OperatorIds.AddRange(Enumerable.Repeat(TestUscc.Huawei, 1001));
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Credit.BatchGetCreditStatusAsync(request).ResponseAsync);
        Assert.Contains("operator_ids", Requests.BadFields(e));
    }

    [Fact]
    public async Task CheckOperator_NoRecord_AllowWithCheckId()
    {
        var response = await server.AgencyClient("NDRC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = TestUscc.AlibabaCloud, Matter = "GOV_FUNDING" });
        Assert.Equal(CheckDecision.Allow, response.Decision);
        Assert.Empty(response.Measures);
        Assert.StartsWith("chk_", response.CheckId);
    }

    [Fact]
    public async Task CheckOperator_ListedOperator_AnswersFromTheAgencysMeasures()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        Assert.True(recorded.Status.Blacklisted);

        var funding = await server.AgencyClient("NDRC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "GOV_FUNDING" });
        var bonds = await server.AgencyClient("NDRC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "BOND_ISSUANCE" });
        var telecomAtNdrc = await server.AgencyClient("NDRC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "TELECOM_LICENSE" });
        var procurement = await server.AgencyClient("CAC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "gov_procurement" });

        Assert.Equal(CheckDecision.Prohibit, funding.Decision);
        Assert.Equal("NO_GOV_FUNDING", Assert.Single(funding.Measures).MeasureCode);
        Assert.NotEmpty(funding.Measures[0].LegalBasis);
        Assert.Equal(CheckDecision.EnhancedReview, bonds.Decision);
        Assert.Equal(CheckDecision.Allow, telecomAtNdrc.Decision);
        Assert.Equal(CheckDecision.Prohibit, procurement.Decision);
        Assert.Equal("CAC", procurement.Measures[0].AgencyCode);
    }

    [Fact]
    public async Task CheckOperator_UnknownMatter_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => server.AgencyClient("MIIT").CheckOperatorAsync(new CheckOperatorRequest
        {
            OperatorId = TestUscc.AlibabaCloud,
            Matter = "FISHING_LICENCE",
        }).ResponseAsync);
        Assert.Contains("matter", Requests.BadFields(e));
    }

    [Fact]
    public async Task Health_Overall_Serving()
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(server.Channel);
        var response = await health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }
}
