using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class AuthTests(ServerFixture server)
{
    [Fact]
    public async Task GetCreditStatus_NoToken_Unauthenticated()
    {
        var client = new CreditService.CreditServiceClient(server.As(null));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Huawei }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("Bearer", e.Status.Detail);
    }

    [Fact]
    public async Task GetCreditStatus_WrongToken_Unauthenticated()
    {
        var client = new CreditService.CreditServiceClient(server.As(null, rawToken: "not-a-token"));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Huawei }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Theory]
    [InlineData("platform")]
    [InlineData("agency:SAMR")]
    public async Task RecordViolation_NotARegulator_PermissionDenied(string role)
    {
        var client = new RegulatorService.RegulatorServiceClient(server.As(role));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.RecordViolationAsync(Requests.Violation(TestUscc.Fresh())).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("may not call", e.Status.Detail);
    }

    [Theory]
    [InlineData("platform")]
    [InlineData("regulator")]
    [InlineData("admin")]
    public async Task CheckOperator_NotAnAgency_PermissionDenied(string role)
    {
        var client = new AgencyService.AgencyServiceClient(server.As(role));
        var e = await Assert.ThrowsAsync<RpcException>(() => client.CheckOperatorAsync(new CheckOperatorRequest { OperatorId = TestUscc.Huawei, Matter = "HONORS" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Theory]
    [InlineData("platform")]
    [InlineData("regulator")]
    [InlineData("admin")]
    [InlineData("agency:GACC")]
    public async Task GetCreditStatus_EveryRole_Allowed(string role)
    {
        var client = new CreditService.CreditServiceClient(server.As(role));
        var response = await client.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Huawei });
        Assert.Equal(Grade.A, response.Status.Grade);
    }

    [Fact]
    public void DevTokens_File_IsOwnerOnly()
    {
        var mode = File.GetUnixFileMode(Path.Combine(server.DataDir, "dev-tokens.json"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }
}
