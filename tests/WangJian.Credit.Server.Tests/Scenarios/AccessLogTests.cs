using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Every call, allowed or refused, of every audience, is in the access log exactly once.</summary>
[Collection(ScopedServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class AccessLogTests(ScopedServerFixture server)
{
    private readonly List<Expected> expected = [];

    [Fact]
    public async Task MixedCalls_EachLoggedOnceWithPrincipalRpcOperatorsAndStatus_ExportIsTheSame()
    {
        var start = DateTimeOffset.UtcNow;
        var ops = Enumerable.Range(0, 10).Select(_ => TestUscc.Fresh()).ToArray();

        await Call("screening", "platform", "CreditService/GetCreditStatus", [ops[0]], "OK",
            c => new CreditService.CreditServiceClient(c).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = ops[0] }));
        await Call("screening", "platform", "CreditService/BatchGetCreditStatus", [ops[0], ops[1], ops[2]], "OK",
            c => new CreditService.CreditServiceClient(c).BatchGetCreditStatusAsync(new BatchGetCreditStatusRequest { OperatorIds = { ops[0], ops[1], ops[2] } }));
        await Call("screening", "platform", "RegulatorService/RecordViolation", [ops[3]], "PERMISSION_DENIED",
            c => new RegulatorService.RegulatorServiceClient(c).RecordViolationAsync(Requests.Violation(ops[3])));
        await Call(null, null, "CreditService/GetCreditStatus", [ops[4]], "UNAUTHENTICATED",
            c => new CreditService.CreditServiceClient(c).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = ops[4] }));
        await Call("seller", "operator", "CreditService/GetCreditStatus", [ops[5]], "PERMISSION_DENIED",
            c => new CreditService.CreditServiceClient(c).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = ops[5] }));
        await Call("ndrc", "agency", "AgencyService/CheckOperator", [ops[6]], "OK",
            c => new AgencyService.AgencyServiceClient(c).CheckOperatorAsync(new CheckOperatorRequest { OperatorId = ops[6], Matter = "GOV_FUNDING" }));
        await Call("hz-samr", "regulator", "RegulatorService/RecordViolation", [ops[7]], "OK",
            c => new RegulatorService.RegulatorServiceClient(c).RecordViolationAsync(Requests.Violation(ops[7])));
        var outside = Requests.Violation(ops[7]);
        outside.AuthorityCode = "110000-SAMR";
        await Call("hz-samr", "regulator", "RegulatorService/RecordViolation", [ops[7]], "PERMISSION_DENIED",
            c => new RegulatorService.RegulatorServiceClient(c).RecordViolationAsync(outside));
        await Call("screening", "platform", "CreditService/GetCreditStatus", ["not-a-uscc"], "INVALID_ARGUMENT",
            c => new CreditService.CreditServiceClient(c).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = "not-a-uscc" }));
        await Call("inspector", "auditor", "RegulatorService/ListChecks", [ops[6]], "OK",
            c => new RegulatorService.RegulatorServiceClient(c).ListChecksAsync(new ListChecksRequest { OperatorId = ops[6] }));
        await Call("ops", "admin", "RegulatorService/DecideApproval", [], "NOT_FOUND",
            c => new RegulatorService.RegulatorServiceClient(c).DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = "apr_none", Decision = ApprovalDecision.Reject, Reason = "x" }));
        await ImportAsync([ops[8], ops[9], ops[8]]);
        await Call("screening", "platform", "AuditService/ListAccessLog", [], "PERMISSION_DENIED",
            c => new AuditService.AuditServiceClient(c).ListAccessLogAsync(new ListAccessLogRequest()));
        var end = DateTimeOffset.UtcNow.AddMilliseconds(1);

        var auditor = new AuditService.AuditServiceClient(server.As("inspector"));
        var window = new AccessLogFilter { StartTime = Timestamp.FromDateTimeOffset(start), EndTime = Timestamp.FromDateTimeOffset(end) };
        var listed = await ListAllAsync(auditor, window, pageSize: 4);
        AssertMatches(listed);
        Assert.Equal(listed.OrderByDescending(r => r.Time.ToDateTimeOffset()).Select(r => r.RequestId), listed.Select(r => r.RequestId));

        var exported = new List<AccessRecord>();
        using (var export = auditor.ExportAccessLog(new ExportAccessLogRequest { Filter = window }))
        {
            await foreach (var batch in export.ResponseStream.ReadAllAsync())
            {
                exported.AddRange(batch.Records);
            }
        }

        Assert.Equal(listed.Select(r => r.ToString()), exported.Select(r => r.ToString()));

        // Filters: operator (each of a batch), principal, status, rpc.
        Assert.Equal(2, (await ListAllAsync(auditor, With(window, f => f.OperatorId = ops[0]))).Count);
        Assert.Single(await ListAllAsync(auditor, With(window, f => f.OperatorId = ops[2])));
        Assert.Equal(expected.Count(e => e.Principal == "screening"), (await ListAllAsync(auditor, With(window, f => f.Principal = "screening"))).Count);
        Assert.Equal(expected.Count(e => e.Status == "PERMISSION_DENIED"), (await ListAllAsync(auditor, With(window, f => f.Status = "PERMISSION_DENIED"))).Count);
        Assert.Equal(expected.Count(e => e.Rpc.EndsWith("/GetCreditStatus", StringComparison.Ordinal)), (await ListAllAsync(auditor, With(window, f => f.Rpc = "GetCreditStatus"))).Count);
    }

    [Fact]
    public async Task ListAccessLog_BadFilter_InvalidArgument()
    {
        var auditor = new AuditService.AuditServiceClient(server.As("inspector"));
        var e = await Assert.ThrowsAsync<RpcException>(() => auditor.ListAccessLogAsync(new ListAccessLogRequest
        {
            Filter = new AccessLogFilter { Status = "BROKEN", OperatorId = "x", StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)) },
        }).ResponseAsync);
        Assert.Equal(["filter.end_time", "filter.operator_id", "filter.status"], Requests.BadFields(e).Order(StringComparer.Ordinal));
    }

    private void AssertMatches(IReadOnlyList<AccessRecord> records)
    {
        Assert.Equal(expected.Select(e => e.RequestId).Order(StringComparer.Ordinal), records.Select(r => r.RequestId).Order(StringComparer.Ordinal));
        foreach (var e in expected)
        {
            var r = records.Single(x => x.RequestId == e.RequestId);
            Assert.Equal(e.Principal ?? string.Empty, r.Principal);
            Assert.Equal(e.Role ?? string.Empty, r.Role);
            Assert.Equal("wangjian.credit.v1." + e.Rpc, r.Rpc);
            Assert.Equal(e.Operators, r.OperatorIds);
            Assert.Equal(e.Status, r.Status);
            Assert.StartsWith("127.0.0.1:", r.ClientAddress);
        }
    }

    private async Task Call<T>(string? who, string? role, string rpc, string[] operators, string status, Func<CallInvoker, AsyncUnaryCall<T>> call)
    {
        using var c = call(who is null ? server.Channel.CreateCallInvoker() : server.As(who));
        string? id;
        try
        {
            await c.ResponseAsync;
            id = (await c.ResponseHeadersAsync).GetValue("x-request-id");
        }
        catch (RpcException e)
        {
            // A refusal before any message is a trailers-only answer: its headers are the trailers.
            id = e.Trailers.GetValue("x-request-id");
        }

        Assert.False(string.IsNullOrEmpty(id));
        expected.Add(new Expected(id, who, role, rpc, operators, status));
    }

    private async Task ImportAsync(string[] ops)
    {
        using var call = server.Regulator("hz-samr").ImportViolations();
        foreach (var op in ops)
        {
            await call.RequestStream.WriteAsync(new ImportViolationsRequest { Violation = Requests.Violation(op, "FALSE_PROMOTION") });
        }

        await call.RequestStream.CompleteAsync();
        var result = await call.ResponseAsync;
        Assert.Equal(3, result.Created);
        expected.Add(new Expected((await call.ResponseHeadersAsync).GetValue("x-request-id")!, "hz-samr", "regulator", "RegulatorService/ImportViolations", ops.Distinct().ToArray(), "OK"));
    }

    private static AccessLogFilter With(AccessLogFilter filter, Action<AccessLogFilter> change)
    {
        var copy = filter.Clone();
        change(copy);
        return copy;
    }

    private static async Task<IReadOnlyList<AccessRecord>> ListAllAsync(AuditService.AuditServiceClient auditor, AccessLogFilter filter, int pageSize = 100)
    {
        var all = new List<AccessRecord>();
        var token = string.Empty;
        do
        {
            var page = await auditor.ListAccessLogAsync(new ListAccessLogRequest { Filter = filter, PageSize = pageSize, PageToken = token });
            all.AddRange(page.Records);
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        return all;
    }

    private sealed record Expected(string RequestId, string? Principal, string? Role, string Rpc, string[] Operators, string Status);
}
