using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Tests;

/// <summary><c>wjcredit approvals</c> and <c>wjcredit audit</c> against the real server (four-eyes on by default).</summary>
[Collection(CliServerCollection.Name)]
public sealed class ApprovalsAndAuditTests(CliServerFixture server)
{
    [Fact]
    public async Task Approvals_ListApproveReject_SecondRegulatorDecidesProposerCannot()
    {
        var (op, toApprove) = await ProposeRevocationAsync();
        var (_, toReject) = await ProposeRevocationAsync(op);

        var listed = await server.RunAsync("regulator-2", "approvals", "list", "--operator", op, "--json");
        Assert.True(listed.ExitCode == ExitCodes.Ok, listed.ToString());
        using (var json = JsonDocument.Parse(listed.Out))
        {
            var ids = json.RootElement.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("approvalId").GetString()!).ToArray();
            Assert.Equal([toReject, toApprove], ids);
        }

        var table = await server.RunAsync("regulator-2", "approvals", "list", "--operator", op);
        Assert.Contains("PENDING", table.Out, StringComparison.Ordinal);
        Assert.Contains("dev-regulator", table.Out, StringComparison.Ordinal);

        var own = await server.RunAsync("regulator", "approvals", "approve", toApprove, "--reason", "自己批准");
        Assert.Equal(ExitCodes.Denied, own.ExitCode);
        Assert.Contains("second regulator", own.Err, StringComparison.Ordinal);

        var approved = await server.RunAsync("regulator-2", "approvals", "approve", toApprove, "--reason", "复核同意");
        Assert.True(approved.ExitCode == ExitCodes.Ok, approved.ToString());
        Assert.Contains("APPROVED by dev-regulator-2", approved.Out, StringComparison.Ordinal);

        var rejected = await server.RunAsync("regulator-2", "approvals", "reject", toReject, "--reason", "证据不足", "--json");
        Assert.True(rejected.ExitCode == ExitCodes.Ok, rejected.ToString());
        Assert.Contains("APPROVAL_STATE_REJECTED", rejected.Out, StringComparison.Ordinal);

        var decided = await server.RunAsync("regulator", "approvals", "list", "--decided", "--operator", op);
        Assert.Contains("APPROVED", decided.Out, StringComparison.Ordinal);
        Assert.Contains("REJECTED", decided.Out, StringComparison.Ordinal);
        Assert.Contains("No pending approvals.", (await server.RunAsync("regulator", "approvals", "list", "--operator", op)).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_ListAndExport_SameRecordsOfTheOperator()
    {
        var (op, _) = await ProposeRevocationAsync();

        var listed = await server.RunAsync("auditor", "audit", "list", "--operator", op, "--json");
        Assert.True(listed.ExitCode == ExitCodes.Ok, listed.ToString());
        string[] ids;
        using (var json = JsonDocument.Parse(listed.Out))
        {
            var records = json.RootElement.GetProperty("records").EnumerateArray().ToArray();
            Assert.Equal(
                ["wangjian.credit.v1.RegulatorService/RevokeViolation", "wangjian.credit.v1.RegulatorService/RecordViolation"],
                records.Select(r => r.GetProperty("rpc").GetString()));
            Assert.All(records, r => Assert.Equal("dev-regulator", r.GetProperty("principal").GetString()));
            ids = records.Select(r => r.GetProperty("requestId").GetString()!).ToArray();
        }

        var file = Path.Combine(server.WorkDir, $"audit-{op}.jsonl");
        var exported = await server.RunAsync("auditor", "audit", "export", "--operator", op, "--from", DateTimeOffset.UtcNow.AddHours(-1).ToString("O"), "-o", file);
        Assert.True(exported.ExitCode == ExitCodes.Ok, exported.ToString());
        Assert.Contains("Exported 2 access record(s)", exported.Err, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(file);
        Assert.Equal(ids, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("requestId").GetString()));

        var table = await server.RunAsync("auditor", "audit", "list", "--operator", op, "--rpc", "RecordViolation");
        Assert.Contains("RegulatorService/RecordViolation", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("RevokeViolation", table.Out, StringComparison.Ordinal);

        var platform = await server.RunAsync("platform", "audit", "list");
        Assert.Equal(ExitCodes.Denied, platform.ExitCode);
    }

    /// <summary>Records a decision for an operator (fresh unless given) and proposes its revocation; the approval's id.</summary>
    private async Task<(string Operator, string ApprovalId)> ProposeRevocationAsync(string? op = null)
    {
        op ??= Cli.Uscc($"9133010{Random.Shared.Next(10_000_000, 99_999_999)}XX");
        var tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(server.TokenFile))!;
        using var channel = GrpcChannel.ForAddress(server.Address);
        var regulator = new RegulatorService.RegulatorServiceClient(channel.Intercept(m =>
        {
            m.Add("authorization", $"Bearer {tokens["regulator"]}");
            return m;
        }));
        var recorded = await regulator.RecordViolationAsync(new RecordViolationRequest
        {
            OperatorId = op,
            OffenseCode = "PRICE_FRAUD",
            Severity = Severity.General,
            DecisionNumber = $"杭市监处罚〔2026〕{Guid.NewGuid():N}号",
            AuthorityCode = "330100-SAMR",
            AuthorityName = "杭州市市场监督管理局",
            DecidedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-3)),
            FineFen = 100_000,
            PenaltyKinds = { PenaltyKind.Fine },
        });
        var proposed = await regulator.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = recorded.Violation.ViolationId, Reason = "行政复议撤销" });
        return (op, proposed.Approval.ApprovalId);
    }
}
