using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Every RPC the server hosts × every kind of caller, over real gRPC: who is turned away, and how. An
/// allowed caller is sent a valid minimal request; it may get OK or a business error, never an auth failure.
/// (NoticeReceiverService is implemented by the agencies, not by this server.)
/// </summary>
[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class AuthorizationMatrixTests(ServerFixture server)
{
    private const string NoToken = "no-token";
    private const string WrongToken = "wrong-token";

    private static readonly string[] Callers = [NoToken, WrongToken, "regulator", "platform", "admin", "agency:NDRC", "operator", "auditor"];

    /// <summary>The dev operator principal's own USCC: the one credit status it may read.</summary>
    private const string OwnUscc = Auth.DevTokens.DevOperatorUscc;

    /// <summary>RPC → the service's allowed callers and a valid minimal call.</summary>
    private static readonly Dictionary<string, (string[] Allowed, Func<CallInvoker, Task> Call)> Rpcs = new()
    {
        ["RegulatorService/RecordViolation"] = (Writers, c => new RegulatorService.RegulatorServiceClient(c).RecordViolationAsync(Requests.Violation(TestUscc.Fresh())).ResponseAsync),
        ["RegulatorService/RevokeViolation"] = (Writers, c => new RegulatorService.RegulatorServiceClient(c).RevokeViolationAsync(
            new RevokeViolationRequest { OperatorId = TestUscc.Fresh(), ViolationId = "v0000", Reason = "行政复议撤销" }).ResponseAsync),
        ["RegulatorService/DecideRepair"] = (Writers, c => new RegulatorService.RegulatorServiceClient(c).DecideRepairAsync(
            new DecideRepairRequest { OperatorId = TestUscc.Fresh(), ViolationId = "v0000", Reason = "信用修复申请" }).ResponseAsync),
        ["RegulatorService/ListViolations"] = (RegulatorRoles, c => new RegulatorService.RegulatorServiceClient(c).ListViolationsAsync(
            new ListViolationsRequest { OperatorId = TestUscc.Fresh() }).ResponseAsync),
        ["RegulatorService/ImportViolations"] = (Writers, ImportNothingAsync),
        ["RegulatorService/ListChecks"] = (["regulator", "admin", "auditor"], c => new RegulatorService.RegulatorServiceClient(c).ListChecksAsync(
            new ListChecksRequest { PageSize = 1 }).ResponseAsync),
        ["RegulatorService/OpenPunishmentCase"] = (Writers, c => new RegulatorService.RegulatorServiceClient(c).OpenPunishmentCaseAsync(
            new OpenPunishmentCaseRequest { OperatorId = TestUscc.Fresh(), Reason = "联合惩戒" }).ResponseAsync),
        ["RegulatorService/ListPunishmentCases"] = (RegulatorRoles, c => new RegulatorService.RegulatorServiceClient(c).ListPunishmentCasesAsync(
            new ListPunishmentCasesRequest { OperatorId = TestUscc.Fresh() }).ResponseAsync),
        ["RegulatorService/ListApprovals"] = (RegulatorRoles, c => new RegulatorService.RegulatorServiceClient(c).ListApprovalsAsync(
            new ListApprovalsRequest { PageSize = 1 }).ResponseAsync),
        ["RegulatorService/DecideApproval"] = (RegulatorRoles, c => new RegulatorService.RegulatorServiceClient(c).DecideApprovalAsync(
            new DecideApprovalRequest { ApprovalId = "apr_none", Decision = ApprovalDecision.Reject, Reason = "不予批准" }).ResponseAsync),
        ["CreditService/GetCreditStatus"] = ([.. CreditRoles, "operator"], c => new CreditService.CreditServiceClient(c).GetCreditStatusAsync(
            new GetCreditStatusRequest { OperatorId = OwnUscc }).ResponseAsync),
        ["CreditService/BatchGetCreditStatus"] = ([.. CreditRoles, "operator"], c => new CreditService.CreditServiceClient(c).BatchGetCreditStatusAsync(
            new BatchGetCreditStatusRequest { OperatorIds = { OwnUscc } }).ResponseAsync),
        ["CreditService/ListBlacklist"] = (CreditRoles, c => new CreditService.CreditServiceClient(c).ListBlacklistAsync(
            new ListBlacklistRequest { PageSize = 1 }).ResponseAsync),
        ["CreditService/WatchCreditChanges"] = (CreditRoles, WatchBrieflyAsync),
        ["AgencyService/CheckOperator"] = (["agency:NDRC"], c => new AgencyService.AgencyServiceClient(c).CheckOperatorAsync(
            new CheckOperatorRequest { OperatorId = TestUscc.Huawei, Matter = "GOV_FUNDING" }).ResponseAsync),
        ["AgencyService/ListNotices"] = (["agency:NDRC"], c => new AgencyService.AgencyServiceClient(c).ListNoticesAsync(
            new ListNoticesRequest { PageSize = 1 }).ResponseAsync),
        ["AgencyService/AcknowledgeNotice"] = (["agency:NDRC"], c => new AgencyService.AgencyServiceClient(c).AcknowledgeNoticeAsync(
            new AcknowledgeNoticeRequest { NoticeId = "no-such-notice", ActionTaken = "已列入限制名单" }).ResponseAsync),
        ["RegulatorService/ListApplications"] = (RegulatorRoles, c => new RegulatorService.RegulatorServiceClient(c).ListApplicationsAsync(
            new ListApplicationsRequest { PageSize = 1 }).ResponseAsync),
        ["RegulatorService/DecideApplication"] = (Writers, c => new RegulatorService.RegulatorServiceClient(c).DecideApplicationAsync(
            new DecideApplicationRequest { ApplicationId = "app_none", Decision = ApprovalDecision.Reject, Reason = "材料不足" }).ResponseAsync),
        ["CreditService/GetCreditReport"] = ([.. CreditRoles, "operator"], c => new CreditService.CreditServiceClient(c).GetCreditReportAsync(
            new GetCreditReportRequest { OperatorId = OwnUscc, Format = ReportFormat.Json }).ResponseAsync),
        ["OperatorService/GetCreditFile"] = (["operator"], c => new OperatorService.OperatorServiceClient(c).GetCreditFileAsync(
            new GetCreditFileRequest { OperatorId = OwnUscc }).ResponseAsync),
        ["OperatorService/SubmitRepairApplication"] = (["operator"], c => new OperatorService.OperatorServiceClient(c).SubmitRepairApplicationAsync(
            new SubmitRepairApplicationRequest { OperatorId = OwnUscc, ViolationId = "v0000", Statement = "已整改", CommitmentAccepted = true }).ResponseAsync),
        ["OperatorService/SubmitObjection"] = (["operator"], c => new OperatorService.OperatorServiceClient(c).SubmitObjectionAsync(
            new SubmitObjectionRequest { OperatorId = OwnUscc, ViolationId = "v0000", Grounds = "误录" }).ResponseAsync),
        ["OperatorService/ListMyApplications"] = (["operator"], c => new OperatorService.OperatorServiceClient(c).ListMyApplicationsAsync(
            new ListMyApplicationsRequest { OperatorId = OwnUscc }).ResponseAsync),
        ["OperatorService/WithdrawApplication"] = (["operator"], c => new OperatorService.OperatorServiceClient(c).WithdrawApplicationAsync(
            new WithdrawApplicationRequest { OperatorId = OwnUscc, ApplicationId = "app_none" }).ResponseAsync),
        ["PublicService/GetPublicRecord"] = (Everyone, c => new PublicService.PublicServiceClient(c).GetPublicRecordAsync(
            new GetPublicRecordRequest { OperatorId = OwnUscc }).ResponseAsync),
        ["PublicService/ListPublicBlacklist"] = (Everyone, c => new PublicService.PublicServiceClient(c).ListPublicBlacklistAsync(
            new ListPublicBlacklistRequest { PageSize = 1 }).ResponseAsync),
        ["PublicService/VerifyCreditReport"] = (Everyone, c => new PublicService.PublicServiceClient(c).VerifyCreditReportAsync(
            new VerifyCreditReportRequest { ReportNumber = "WJR-20260101-000000000000", Sha256 = new string('0', 64) }).ResponseAsync),
        ["PublicService/GetSigningKeys"] = (Everyone, c => new PublicService.PublicServiceClient(c).GetSigningKeysAsync(new GetSigningKeysRequest()).ResponseAsync),
        ["AuditService/ListAccessLog"] = (["auditor", "admin"], c => new AuditService.AuditServiceClient(c).ListAccessLogAsync(
            new ListAccessLogRequest { PageSize = 1 }).ResponseAsync),
        ["AuditService/ExportAccessLog"] = (["auditor", "admin"], ExportBrieflyAsync),
    };

    /// <summary>Recording, revoking, repairing and opening cases: a regulator, not an admin.</summary>
    private static string[] Writers => ["regulator"];

    private static string[] RegulatorRoles => ["regulator", "admin"];

    /// <summary>PublicService: no token needed, and a token that is wrong is no worse than none.</summary>
    private static string[] Everyone => Callers;

    private static string[] CreditRoles => ["regulator", "platform", "admin", "agency:NDRC"];

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var rpc in Rpcs.Keys)
        {
            foreach (var caller in Callers)
            {
                data.Add(rpc, caller);
            }
        }

        return data;
    }

    [Fact]
    public void Matrix_CoversEveryRpcOfTheProtos()
    {
        var declared = new[] { RegulatorService.Descriptor, CreditService.Descriptor, AgencyService.Descriptor, AuditService.Descriptor, OperatorService.Descriptor, PublicService.Descriptor }
            .SelectMany(s => s.Methods.Select(m => $"{s.Name}/{m.Name}"))
            .Order(StringComparer.Ordinal);
        Assert.Equal(declared, Rpcs.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Call_ByCaller_OnlyAllowedRolesPassAuth(string rpc, string caller)
    {
        var (allowed, call) = Rpcs[rpc];
        var invoker = caller switch
        {
            NoToken => server.As(null),
            WrongToken => server.As(null, rawToken: "not-a-token"),
            _ => server.As(caller),
        };

        var code = StatusCode.OK;
        try
        {
            await call(invoker);
        }
        catch (RpcException e)
        {
            code = e.StatusCode;
        }

        if (caller is NoToken or WrongToken && !allowed.Contains(caller))
        {
            Assert.Equal(StatusCode.Unauthenticated, code);
        }
        else if (!allowed.Contains(caller))
        {
            Assert.Equal(StatusCode.PermissionDenied, code);
        }
        else
        {
            Assert.NotEqual(StatusCode.Unauthenticated, code);
            Assert.NotEqual(StatusCode.PermissionDenied, code);
            // The minimal requests name nothing that exists, so some RPCs answer with their business error;
            // a watch with nothing to send runs into its deadline.
            var accepted = rpc switch
            {
                "CreditService/WatchCreditChanges" => new[] { StatusCode.OK, StatusCode.DeadlineExceeded },
                "RegulatorService/RevokeViolation" or "RegulatorService/DecideRepair" or "RegulatorService/DecideApproval" or "AgencyService/AcknowledgeNotice"
                    or "RegulatorService/DecideApplication" or "OperatorService/SubmitRepairApplication" or "OperatorService/SubmitObjection"
                    or "OperatorService/WithdrawApplication" => [StatusCode.NotFound],
                "RegulatorService/OpenPunishmentCase" => [StatusCode.FailedPrecondition],
                _ => [StatusCode.OK],
            };
            Assert.Contains(code, accepted);
        }
    }

    private static async Task ImportNothingAsync(CallInvoker invoker)
    {
        using var call = new RegulatorService.RegulatorServiceClient(invoker).ImportViolations();
        try
        {
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // Refused before the stream was half-closed: ResponseAsync carries the status.
        }
        catch (InvalidOperationException)
        {
        }

        await call.ResponseAsync;
    }

    private static async Task ExportBrieflyAsync(CallInvoker invoker)
    {
        using var call = new AuditService.AuditServiceClient(invoker).ExportAccessLog(
            new ExportAccessLogRequest { Filter = new AccessLogFilter { Principal = "nobody" } });
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }

    private static async Task WatchBrieflyAsync(CallInvoker invoker)
    {
        using var call = new CreditService.CreditServiceClient(invoker).WatchCreditChanges(
            new WatchCreditChangesRequest(), deadline: DateTime.UtcNow.AddSeconds(1));
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
        }
    }
}
