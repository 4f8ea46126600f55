using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>A regulator acts only for the authorities of its scope: the authority that decided is the one that corrects.</summary>
[Collection(ScopedServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class AuthorityScopeTests(ScopedServerFixture server)
{
    [Fact]
    public async Task RecordViolation_ExactScope_OwnAuthorityRecordedOtherDeniedNamingBoth()
    {
        var hz = server.Regulator("hz-samr");
        var op = TestUscc.Fresh();
        var own = await hz.RecordViolationAsync(Requests.Violation(op));
        Assert.True(own.Created);

        var e = await Assert.ThrowsAsync<RpcException>(() => hz.RecordViolationAsync(For(Requests.Violation(op), "110000-SAMR")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("110000-SAMR", e.Status.Detail);
        Assert.Contains("330100-SAMR", e.Status.Detail);
        var history = await hz.ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Single(history.Violations);
    }

    [Fact]
    public async Task RecordViolation_PrefixScope_EveryAuthorityOfTheRegionAndNoOther()
    {
        var zj = server.Regulator("zj-samr");
        var op = TestUscc.Fresh();
        foreach (var authority in new[] { "330100-SAMR", "330200-SAMR", "331000-SAMR", "33-PROVINCE" })
        {
            Assert.True((await zj.RecordViolationAsync(For(Requests.Violation(op, "FALSE_PROMOTION"), authority))).Created);
        }

        var e = await Assert.ThrowsAsync<RpcException>(() => zj.RecordViolationAsync(For(Requests.Violation(op), "440300-SAMR")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("33*", e.Status.Detail);
    }

    [Fact]
    public async Task RevokeAndRepair_OfAnotherAuthoritysDecision_DeniedAndNothingChanges()
    {
        var op = TestUscc.Fresh();
        var sz = await server.Regulator("sz-samr").RecordViolationAsync(For(Requests.Violation(op, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddMonths(-7)), "440300-SAMR"));
        var hz = server.Regulator("hz-samr");
        var zj = server.Regulator("zj-samr");

        var revoke = await Assert.ThrowsAsync<RpcException>(() => hz.RevokeViolationAsync(new RevokeViolationRequest
        {
            OperatorId = op, ViolationId = sz.Violation.ViolationId, Reason = "行政复议撤销",
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, revoke.StatusCode);
        Assert.Contains("440300-SAMR", revoke.Status.Detail);

        var repair = await Assert.ThrowsAsync<RpcException>(() => zj.DecideRepairAsync(new DecideRepairRequest
        {
            OperatorId = op, ViolationId = sz.Violation.ViolationId, Reason = "信用修复申请",
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, repair.StatusCode);

        var history = await hz.ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(ViolationStatus.Active, Assert.Single(history.Violations).Status);
        var approvals = await server.Regulator("national").ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op });
        Assert.Empty(approvals.Approvals);

        // Its own authority repairs it (a violation repair needs no second person).
        var repaired = await server.Regulator("sz-samr").DecideRepairAsync(new DecideRepairRequest
        {
            OperatorId = op, ViolationId = sz.Violation.ViolationId, Reason = "信用修复申请",
        });
        Assert.Equal(ViolationStatus.Repaired, repaired.Violation.Status);
    }

    [Fact]
    public async Task DecideRepair_ListingBehindTwoAuthorities_OnlyAScopeCoveringBoth()
    {
        var op = TestUscc.Fresh();
        var decided = DateTimeOffset.UtcNow.AddMonths(-14);
        await server.Regulator("hz-samr").RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious, decidedAt: decided));
        var listed = await server.Regulator("sz-samr").RecordViolationAsync(For(Requests.Violation(op, severity: Severity.EspeciallySerious, decidedAt: decided.AddDays(1)), "440300-SAMR"));
        Assert.True(listed.Status.Blacklisted);

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("zj-samr").DecideRepairAsync(new DecideRepairRequest
        {
            OperatorId = op, Listing = true, Reason = "信用修复申请",
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("440300-SAMR", e.Status.Detail);

        var proposed = await server.Regulator("national").DecideRepairAsync(new DecideRepairRequest { OperatorId = op, Listing = true, Reason = "信用修复申请" });
        Assert.Equal(["330100-SAMR", "440300-SAMR"], proposed.Approval.AuthorityCodes);
        Assert.True(proposed.Status.Blacklisted);
    }

    [Fact]
    public async Task ImportViolations_MixedScope_ExactlyTheInScopeRowsCreatedOthersDeniedOneByOne()
    {
        var op = TestUscc.Fresh();
        var authorities = new[] { "330100-SAMR", "440300-SAMR", "330100-SAMR", "110000-SAMR", "330100-SAMR" };
        var rows = authorities.Select(a => For(Requests.Violation(op, "FALSE_PROMOTION"), a)).ToArray();
        var hz = server.Regulator("hz-samr");
        var result = await Requests.ImportAsync(hz, rows);

        Assert.Equal(3, result.Created);
        Assert.Equal(2, result.Rejected);
        Assert.Equal([1L, 3L], result.RejectedRows.Select(r => r.Index));
        Assert.All(result.RejectedRows, r =>
        {
            Assert.Equal("PERMISSION_DENIED", r.Code);
            Assert.Equal(["authority_code"], r.Fields);
        });
        var history = await hz.ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(3, history.Violations.Count);
        Assert.All(history.Violations, v => Assert.Equal("330100-SAMR", v.AuthorityCode));
    }

    [Fact]
    public async Task Admin_ReadsButDoesNotRecord()
    {
        var admin = new RegulatorService.RegulatorServiceClient(server.As("ops"));
        var op = TestUscc.Fresh();
        var e = await Assert.ThrowsAsync<RpcException>(() => admin.RecordViolationAsync(Requests.Violation(op)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);

        await server.Regulator("hz-samr").RecordViolationAsync(Requests.Violation(op));
        Assert.Single((await admin.ListViolationsAsync(new ListViolationsRequest { OperatorId = op })).Violations);
    }

    [Fact]
    public async Task Operator_ReadsOnlyItsOwnStatus()
    {
        var seller = new CreditService.CreditServiceClient(server.As("seller"));
        Assert.Equal(TestUscc.Alibaba, (await seller.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Alibaba })).Status.OperatorId);
        Assert.Single((await seller.BatchGetCreditStatusAsync(new BatchGetCreditStatusRequest { OperatorIds = { TestUscc.Alibaba } })).Statuses);

        var other = await Assert.ThrowsAsync<RpcException>(() => seller.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Tencent }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
        var mixed = await Assert.ThrowsAsync<RpcException>(() => seller.BatchGetCreditStatusAsync(new BatchGetCreditStatusRequest { OperatorIds = { TestUscc.Alibaba, TestUscc.Tencent } }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, mixed.StatusCode);
        var blacklist = await Assert.ThrowsAsync<RpcException>(() => seller.ListBlacklistAsync(new ListBlacklistRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, blacklist.StatusCode);
    }

    private static RecordViolationRequest For(RecordViolationRequest request, string authority)
    {
        request.AuthorityCode = authority;
        request.AuthorityName = authority;
        return request;
    }
}
