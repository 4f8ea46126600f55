using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>With four-eyes on, an approved objection or listing repair waits for a second regulator, and the operator sees the outcome.</summary>
[Trait("Category", "Scenario")]
public sealed class ApplicationFourEyesTests(FourEyesOperatorFixture server) : IClassFixture<FourEyesOperatorFixture>
{
    [Fact]
    public async Task ApprovedObjection_WaitsForTheSecondRegulator_ThenRevokes_AndTheOperatorSeesItApproved()
    {
        var op = server.OperatorA;
        var v = (await server.Regulator("zj").RecordViolationAsync(Requests.Violation(op, offense: "PRICE_FRAUD", decidedAt: server.Clock.GetUtcNow().AddDays(-3), decisionNumber: "杭市监价罚〔2026〕301号"))).Violation;
        var objection = (await server.Operator("op-a").SubmitObjectionAsync(new SubmitObjectionRequest { OperatorId = op, ViolationId = v.ViolationId, Grounds = "处罚决定已被法院撤销" })).Application;

        var decided = await server.Regulator("zj").DecideApplicationAsync(new DecideApplicationRequest { ApplicationId = objection.ApplicationId, Decision = ApprovalDecision.Approve, Reason = "异议成立" });

        Assert.Equal(ApplicationState.ApprovalPending, decided.Application.State);
        Assert.Equal(ApprovalAction.Revoke, decided.Approval.Action);
        Assert.Equal(decided.Approval.ApprovalId, decided.Application.ApprovalId);
        var before = await server.Regulator("zj").ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(ViolationStatus.Active, before.Violations.Single(x => x.ViolationId == v.ViolationId).Status);

        await server.Regulator("zj-2").DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = decided.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "复核同意" });

        var after = await server.Regulator("zj").ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        var revoked = after.Violations.Single(x => x.ViolationId == v.ViolationId);
        Assert.Equal(ViolationStatus.Revoked, revoked.Status);
        Assert.Equal("zj-2", revoked.Changes[^1].ApprovedBy);
        Assert.Contains(objection.ApplicationId, revoked.Changes[^1].Reason);
        var mine = await server.Operator("op-a").ListMyApplicationsAsync(new ListMyApplicationsRequest { OperatorId = op });
        Assert.Equal(ApplicationState.Approved, mine.Applications.Single(a => a.ApplicationId == objection.ApplicationId).State);
    }
}
