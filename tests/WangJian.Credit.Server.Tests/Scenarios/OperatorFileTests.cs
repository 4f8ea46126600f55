using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>The operator's own file and its path to repair, checked against the statuses at those instants by moving the credit clock.</summary>
[Trait("Category", "Scenario")]
public sealed class OperatorFileTests(OperatorFixture server) : IClassFixture<OperatorFixture>
{
    [Fact]
    public async Task Operator_ReadsItsOwnFile_AndIsDeniedAnothers()
    {
        var own = await server.Operator("op-a").GetCreditFileAsync(new GetCreditFileRequest { OperatorId = server.OperatorA });
        Assert.Equal(server.OperatorA, own.Status.OperatorId);

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Operator("op-a").GetCreditFileAsync(new GetCreditFileRequest { OperatorId = server.OperatorB }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        var anonymous = await Assert.ThrowsAsync<RpcException>(() => new OperatorService.OperatorServiceClient(server.As(null)).GetCreditFileAsync(new GetCreditFileRequest { OperatorId = server.OperatorA }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task PathToRepair_MatchesTheStatusAtEachFutureInstant_AndTheOverdueApplicationIsFlagged()
    {
        var op = server.Operators["op-c"];
        var now = server.Clock.GetUtcNow();
        // Listed 13 months ago (listable offense with a heavier penalty), plus a serious fake transaction 10 months ago.
        var listed = await server.Regulator().RecordViolationAsync(Requests.Violation(op, decidedAt: now.AddMonths(-13), heavier: true, decisionNumber: "杭市监处罚〔2025〕7001号"));
        var serious = await server.Regulator().RecordViolationAsync(Requests.Violation(op, offense: "FAKE_TRANSACTION", severity: Severity.Serious, decidedAt: now.AddMonths(-10), decisionNumber: "杭市监处罚〔2025〕7002号"));

        var file = await server.Operator("op-c").GetCreditFileAsync(new GetCreditFileRequest { OperatorId = op });

        Assert.True(file.Status.Blacklisted);
        Assert.Equal(2, file.Violations.Count);
        Assert.NotEmpty(file.OpenCaseIds);
        Assert.Equal(19, file.Measures.Count);
        var changes = file.Path.Where(s => s.Kind == RepairStepKind.StatusChange).ToArray();
        Assert.True(changes.Length >= 3, $"expected the half weights, the listing's end and the last deduction's end, got {changes.Length}");
        Assert.Equal(file.Path.OrderBy(s => s.StepTime.ToDateTimeOffset()).Select(s => s.StepTime), file.Path.Select(s => s.StepTime));
        var listingEnds = changes.Single(s => !s.Blacklisted && s.MeasuresLifted.Count > 0);
        Assert.Equal(file.Status.Listing.ExpiresAt, listingEnds.StepTime);
        Assert.Equal(19, listingEnds.MeasuresLifted.Count);
        Assert.Contains(file.Path, s => s.Kind == RepairStepKind.ListingRepairable);
        var seriousRepairable = file.Path.Single(s => s.Kind == RepairStepKind.ViolationRepairable && s.ViolationId == serious.Violation.ViolationId);
        Assert.Contains("7002", seriousRepairable.Description);

        // An application now, due in 10 working days: not yet overdue.
        var application = (await server.Operator("op-c").SubmitRepairApplicationAsync(new SubmitRepairApplicationRequest
        {
            OperatorId = op,
            Listing = true,
            Statement = "申请提前移出严重违法失信名单",
            CommitmentAccepted = true,
        })).Application;
        Assert.False(application.Overdue);
        Assert.DoesNotContain((await server.Regulator("zj").ListApplicationsAsync(new ListApplicationsRequest { OverdueOnly = true })).Applications, a => a.ApplicationId == application.ApplicationId);

        // Walk the credit clock to each instant of the path: the status then is the one the path said.
        var credit = server.Credit();
        var overdueChecked = false;
        foreach (var step in changes)
        {
            server.Clock.SetUtcNow(step.StepTime.ToDateTimeOffset());
            if (!overdueChecked)
            {
                var inbox = await server.Regulator("zj").ListApplicationsAsync(new ListApplicationsRequest { OverdueOnly = true });
                var overdue = inbox.Applications.Single(a => a.ApplicationId == application.ApplicationId);
                Assert.True(overdue.Overdue);
                Assert.True(inbox.OverdueCount >= 1);
                Assert.Empty((await server.Regulator("sz").ListApplicationsAsync(new ListApplicationsRequest { OverdueOnly = true })).Applications);
                overdueChecked = true;
            }

            var status = (await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op })).Status;
            Assert.Equal(step.Score, status.Score);
            Assert.Equal(step.Grade, status.Grade);
            Assert.Equal(step.Blacklisted, status.Blacklisted);
            Assert.Equal(listed.Violation.ViolationId, listed.Violation.ViolationId);
        }

        Assert.Equal(100, changes[^1].Score);
        Assert.Equal(Grade.A, changes[^1].Grade);
    }
}
