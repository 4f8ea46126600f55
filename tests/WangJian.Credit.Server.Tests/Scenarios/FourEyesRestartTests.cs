using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Approvals are kept in the store: a pending one survives kill -9, an undecided one expires.</summary>
[Trait("Category", "Scenario")]
public sealed class FourEyesRestartTests : IDisposable
{
    private readonly TempDir dataDir = new("four-eyes");

    public void Dispose() => dataDir.Dispose();

    [Fact]
    public async Task Revoke_KilledBetweenProposalAndApproval_ApprovalKeptAndAppliedAfterRestart()
    {
        string op, violationId, approvalId;
        await using (var server = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            op = TestUscc.Fresh();
            violationId = (await regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD"))).Violation.ViolationId;
            approvalId = (await regulator.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = violationId, Reason = "行政复议撤销" })).Approval.ApprovalId;
            await server.KillHardAsync();
        }

        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path))
        {
            var second = new RegulatorService.RegulatorServiceClient(restarted.As(Auth.DevTokens.SecondRegulator));
            var pending = await second.ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op });
            Assert.Equal(approvalId, Assert.Single(pending.Approvals).ApprovalId);
            Assert.Equal(ViolationStatus.Active, (await second.ListViolationsAsync(new ListViolationsRequest { OperatorId = op })).Violations[0].Status);

            var approved = await second.DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = approvalId, Decision = ApprovalDecision.Approve, Reason = "复核同意" });
            Assert.Equal(ViolationStatus.Revoked, approved.Violation.Status);
            Assert.Equal("dev-regulator-2", approved.Violation.Changes.Single().ApprovedBy);
            Assert.Equal(100, approved.Status.Score);
        }
    }

    [Fact]
    public async Task Revoke_NotDecidedInTime_ExpiresAndNothingChanges()
    {
        await using var server = await ServerProcess.StartAsync(dataDir.Path, "--Approvals:ExpireAfter", "00:00:01");
        var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
        var second = new RegulatorService.RegulatorServiceClient(server.As(Auth.DevTokens.SecondRegulator));
        var op = TestUscc.Fresh();
        var recorded = await regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD"));
        var proposed = await regulator.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = recorded.Violation.ViolationId, Reason = "行政复议撤销" });

        // Wait out the expiry the server announced, then a moment of clock granularity.
        var left = proposed.Approval.ExpireTime.ToDateTimeOffset() - DateTimeOffset.UtcNow;
        await Task.Delay(left > TimeSpan.Zero ? left + TimeSpan.FromMilliseconds(50) : TimeSpan.Zero);

        var e = await Assert.ThrowsAsync<RpcException>(() => second.DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "复核同意",
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Contains("expired", e.Status.Detail);

        var decided = await second.ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op, Decided = true });
        Assert.Equal(ApprovalState.Expired, Assert.Single(decided.Approvals).State);
        Assert.Empty((await second.ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op })).Approvals);
        var history = await second.ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(ViolationStatus.Active, history.Violations[0].Status);
        Assert.Equal(recorded.Status.Score, (await new CreditService.CreditServiceClient(server.As("platform")).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op })).Status.Score);

        // After the expiry the same change can be proposed again: a new approval.
        var anew = await regulator.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = recorded.Violation.ViolationId, Reason = "再次申请" });
        Assert.NotEqual(proposed.Approval.ApprovalId, anew.Approval.ApprovalId);
    }

    [Fact]
    public async Task SecondPersonForNone_RevokeAppliesAtOnce()
    {
        await using var server = await ServerProcess.StartAsync(dataDir.Path, "--Approvals:SecondPersonFor", "NONE");
        var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
        var op = TestUscc.Fresh();
        var recorded = await regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD"));
        var revoked = await regulator.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = recorded.Violation.ViolationId, Reason = "行政复议撤销" });
        Assert.Null(revoked.Approval);
        Assert.Equal(ViolationStatus.Revoked, revoked.Violation.Status);
        Assert.Equal(string.Empty, revoked.Violation.Changes.Single().ApprovedBy);
    }
}
