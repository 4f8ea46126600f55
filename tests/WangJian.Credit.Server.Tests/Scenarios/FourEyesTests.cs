using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// A second person for grave changes, with the defaults (REVOKE and LISTING_REPAIR need one): a proposal
/// changes nothing; only a different regulator whose scope covers the target approves, and then the
/// change is applied once with both names in the history.
/// </summary>
[Collection(ScopedServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class FourEyesTests(ScopedServerFixture server)
{
    [Fact]
    public async Task Revoke_ProposedThenApprovedBySecondRegulator_AppliedOnceWithBothNames()
    {
        var (op, violationId) = await ListedAsync();
        var proposer = server.Regulator("zj-samr");
        var before = await CasesAsync(op);

        var proposed = await proposer.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = violationId, Reason = "行政复议撤销" });
        Assert.Equal(ApprovalState.Pending, proposed.Approval.State);
        Assert.Equal(ApprovalAction.Revoke, proposed.Approval.Action);
        Assert.Equal("zj-samr", proposed.Approval.ProposedBy);
        Assert.Equal(violationId, proposed.Approval.ViolationId);
        Assert.True(proposed.Approval.ExpireTime.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(6));

        // Nothing changed: the violation, the status, the cases and their notices.
        Assert.Equal(ViolationStatus.Active, proposed.Violation.Status);
        Assert.True(proposed.Status.Blacklisted);
        await AssertUnchangedAsync(op, violationId, before);

        // The same proposal again is the open approval.
        var again = await server.Regulator("national").RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = violationId, Reason = "再次申请" });
        Assert.Equal(proposed.Approval.ApprovalId, again.Approval.ApprovalId);

        // Pending for the regulators whose scope covers it, not for the others.
        Assert.Contains(proposed.Approval.ApprovalId, await PendingIdsAsync("zj-samr-2", op));
        Assert.DoesNotContain(proposed.Approval.ApprovalId, await PendingIdsAsync("sz-samr", op));

        // Refused: the proposer, a regulator out of scope, an admin approving.
        await AssertDeniedAsync("zj-samr", proposed.Approval.ApprovalId, ApprovalDecision.Approve);
        await AssertDeniedAsync("sz-samr", proposed.Approval.ApprovalId, ApprovalDecision.Approve);
        await AssertDeniedAsync("ops", proposed.Approval.ApprovalId, ApprovalDecision.Approve);
        await AssertUnchangedAsync(op, violationId, before);

        var approved = await server.Regulator("zj-samr-2").DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "复核同意",
        });
        Assert.Equal(ApprovalState.Approved, approved.Approval.State);
        Assert.Equal("zj-samr-2", approved.Approval.DecidedBy);
        Assert.Equal(ViolationStatus.Revoked, approved.Violation.Status);
        Assert.False(approved.Status.Blacklisted);

        var change = Assert.Single((await History(op)).Violations.Single(v => v.ViolationId == violationId).Changes);
        Assert.Equal(ViolationStatus.Revoked, change.To);
        Assert.Equal("zj-samr", change.ChangedBy);
        Assert.Equal("zj-samr-2", change.ApprovedBy);
        Assert.Equal(proposed.Approval.ApprovalId, change.ApprovalId);
        Assert.Equal("行政复议撤销", change.Reason);

        // Applied once: deciding again is refused and changes nothing more.
        var twice = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("national").DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "again",
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, twice.StatusCode);
        Assert.Single((await History(op)).Violations.Single(v => v.ViolationId == violationId).Changes);
        Assert.Contains(proposed.Approval.ApprovalId, await DecidedIdsAsync("zj-samr-2", op));
    }

    [Fact]
    public async Task Revoke_Rejected_NothingChangesAndItIsDecided()
    {
        var (op, violationId) = await ListedAsync();
        var before = await CasesAsync(op);
        var proposed = await server.Regulator("hz-samr").RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = violationId, Reason = "行政复议撤销" });

        // An admin manages approvals: it may reject.
        var rejected = await new RegulatorService.RegulatorServiceClient(server.As("ops")).DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Reject, Reason = "证据不足",
        });
        Assert.Equal(ApprovalState.Rejected, rejected.Approval.State);
        Assert.Equal("证据不足", rejected.Approval.DecisionReason);
        await AssertUnchangedAsync(op, violationId, before);
        Assert.DoesNotContain(proposed.Approval.ApprovalId, await PendingIdsAsync("zj-samr", op));

        var late = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("zj-samr").DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "同意",
        }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, late.StatusCode);
        await AssertUnchangedAsync(op, violationId, before);

        // A new proposal after the rejection is a new approval.
        var anew = await server.Regulator("hz-samr").RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = violationId, Reason = "补充证据后再次申请" });
        Assert.NotEqual(proposed.Approval.ApprovalId, anew.Approval.ApprovalId);
    }

    [Fact]
    public async Task ListingRepair_ProposedAndApproved_ListingEndsWithBothNames()
    {
        var (op, _) = await ListedAsync();
        var proposed = await server.Regulator("zj-samr").DecideRepairAsync(new DecideRepairRequest { OperatorId = op, Listing = true, Reason = "信用修复申请 2026-007" });
        Assert.Equal(ApprovalAction.ListingRepair, proposed.Approval.Action);
        Assert.True(proposed.Status.Blacklisted);
        Assert.Empty((await History(op)).ListingRepairs);

        var approved = await server.Regulator("hz-samr").DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "同意修复",
        });
        Assert.False(approved.Status.Blacklisted);
        var repair = Assert.Single((await History(op)).ListingRepairs);
        Assert.Equal("zj-samr", repair.RepairedBy);
        Assert.Equal("hz-samr", repair.ApprovedBy);
    }

    [Fact]
    public async Task ListingRepair_TooEarly_RefusedAtProposal()
    {
        var op = TestUscc.Fresh();
        await server.Regulator("hz-samr").RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("hz-samr").DecideRepairAsync(new DecideRepairRequest { OperatorId = op, Listing = true, Reason = "信用修复申请" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Empty(await PendingIdsAsync("national", op));
    }

    [Fact]
    public async Task DecideApproval_BadRequest_InvalidArgumentOrNotFound()
    {
        var regulator = server.Regulator("national");
        var bad = await Assert.ThrowsAsync<RpcException>(() => regulator.DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = "apr_x", Reason = "" }).ResponseAsync);
        Assert.Equal(["reason", "decision"], Requests.BadFields(bad));
        var missing = await Assert.ThrowsAsync<RpcException>(() => regulator.DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = "apr_x", Decision = ApprovalDecision.Reject, Reason = "x" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    /// <summary>An operator listed by one especially serious decision of 330100-SAMR 14 months ago (repairable now).</summary>
    private async Task<(string Operator, string ViolationId)> ListedAsync()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator("hz-samr").RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious, decidedAt: DateTimeOffset.UtcNow.AddMonths(-14)));
        Assert.True(recorded.Status.Blacklisted);
        return (op, recorded.Violation.ViolationId);
    }

    private Task<ListViolationsResponse> History(string op) =>
        server.Regulator("national").ListViolationsAsync(new ListViolationsRequest { OperatorId = op }).ResponseAsync;

    private async Task<string> CasesAsync(string op) =>
        (await server.Regulator("national").ListPunishmentCasesAsync(new ListPunishmentCasesRequest { OperatorId = op })).ToString();

    private async Task AssertUnchangedAsync(string op, string violationId, string casesBefore)
    {
        var v = (await History(op)).Violations.Single(x => x.ViolationId == violationId);
        Assert.Equal(ViolationStatus.Active, v.Status);
        Assert.Empty(v.Changes);
        var status = await new CreditService.CreditServiceClient(server.As("screening")).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op });
        Assert.True(status.Status.Blacklisted);
        Assert.Equal(casesBefore, await CasesAsync(op));
    }

    private async Task AssertDeniedAsync(string who, string approvalId, ApprovalDecision decision)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => new RegulatorService.RegulatorServiceClient(server.As(who)).DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = approvalId, Decision = decision, Reason = "同意",
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    private async Task<IReadOnlyList<string>> PendingIdsAsync(string who, string op) =>
        (await server.Regulator(who).ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op })).Approvals.Select(a => a.ApprovalId).ToArray();

    private async Task<IReadOnlyList<string>> DecidedIdsAsync(string who, string op) =>
        (await server.Regulator(who).ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op, Decided = true })).Approvals.Select(a => a.ApprovalId).ToArray();
}
