using System.Security.Cryptography;
using Grpc.Core;
using UglyToad.PdfPig;
using PdfReport = WangJian.Credit.Server.Reports.PdfReport;
using SigningKeys = WangJian.Credit.Server.Reports.SigningKeys;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Signed credit reports, read back with PdfPig, verified on line and with only the public key.</summary>
[Trait("Category", "Scenario")]
public sealed class ReportTests(OperatorFixture server) : IClassFixture<OperatorFixture>
{
    [Fact]
    public async Task PdfReport_HoldsTheOperatorGradeAndDecisionsInChinese_AndVerifies()
    {
        var op = server.Operators["op-d"];
        var now = server.Clock.GetUtcNow();
        await server.Regulator().RecordViolationAsync(Requests.Violation(op, decidedAt: now.AddMonths(-2), heavier: true, decisionNumber: "杭市监处罚〔2026〕118号"));
        await server.Regulator().RecordViolationAsync(Requests.Violation(op, offense: "PRICE_FRAUD", decidedAt: now.AddMonths(-5), decisionNumber: "杭市监价罚〔2026〕42号"));
        // Revoked: never shown.
        var revoked = await server.Regulator().RecordViolationAsync(Requests.Violation(op, offense: "PRICE_MARKING", decidedAt: now.AddMonths(-1), decisionNumber: "杭市监价罚〔2026〕99号"));
        await server.Regulator().RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = revoked.Violation.ViolationId, Reason = "复议撤销" });

        var report = await server.Credit().GetCreditReportAsync(new GetCreditReportRequest { OperatorId = op, Format = ReportFormat.Pdf });

        Assert.Equal("application/pdf", report.MediaType);
        var bytes = report.Content.ToByteArray();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), report.Sha256);
        using (var pdf = PdfDocument.Open(bytes))
        {
            var text = string.Concat(pdf.GetPages().Select(p => p.Text));
            Assert.Contains(op, text);
            Assert.Contains("信用等级", text);
            Assert.Contains("Grade: D", text);
            Assert.Contains("杭市监处罚〔2026〕118号", text);
            Assert.Contains("杭市监价罚〔2026〕42号", text);
            Assert.Contains("严重违法失信名单", text);
            Assert.DoesNotContain("杭市监价罚〔2026〕99号", text);
            Assert.Contains(report.ReportNumber, text);
        }

        var valid = await server.Public.VerifyCreditReportAsync(new VerifyCreditReportRequest { ReportNumber = report.ReportNumber, Sha256 = report.Sha256 });
        Assert.Equal(ReportVerdict.Valid, valid.Verdict);
        Assert.Equal(op, valid.OperatorId);
        Assert.Equal(Grade.D, valid.Grade);
        Assert.Equal(report.IssueTime, valid.IssueTime);

        var altered = (byte[])bytes.Clone();
        altered[altered.Length / 2] ^= 0x01;
        var changed = await server.Public.VerifyCreditReportAsync(new VerifyCreditReportRequest { ReportNumber = report.ReportNumber, Sha256 = Convert.ToHexStringLower(SHA256.HashData(altered)) });
        Assert.Equal(ReportVerdict.Altered, changed.Verdict);
        Assert.Empty(changed.OperatorId);
        var unknown = await server.Public.VerifyCreditReportAsync(new VerifyCreditReportRequest { ReportNumber = "WJR-20260101-000000000000", Sha256 = report.Sha256 });
        Assert.Equal(ReportVerdict.Unknown, unknown.Verdict);

        // Off line: the public key alone and the trailer of the file.
        var keys = await server.Public.GetSigningKeysAsync(new GetSigningKeysRequest());
        var key = keys.Keys.Single(k => k.KeyId == report.KeyId);
        Assert.True(key.Current);
        var trailer = PdfReport.ReadTrailer(bytes)!.Value;
        Assert.Equal(report.ReportNumber, trailer.ReportNumber);
        Assert.True(SigningKeys.Verify(key.PublicKeyPem, trailer.Signed, trailer.Signature));
        var alteredTrailer = PdfReport.ReadTrailer(altered)!.Value;
        Assert.False(SigningKeys.Verify(key.PublicKeyPem, alteredTrailer.Signed, alteredTrailer.Signature));
    }

    [Fact]
    public async Task JsonReport_IsSignedAndVerifies_AndAnOperatorGetsOnlyItsOwn()
    {
        var op = server.Operators["op-e"];
        await server.Regulator().RecordViolationAsync(Requests.Violation(op, offense: "FAKE_TRANSACTION", decidedAt: server.Clock.GetUtcNow().AddDays(-20), decisionNumber: "杭市监处罚〔2026〕5号"));

        var report = await server.Credit("op-e").GetCreditReportAsync(new GetCreditReportRequest { OperatorId = op, Format = ReportFormat.Json });

        Assert.Equal("application/json", report.MediaType);
        var json = System.Text.Json.JsonDocument.Parse(report.Content.Memory).RootElement;
        Assert.Equal(op, json.GetProperty("operatorId").GetString());
        Assert.Equal("杭市监处罚〔2026〕5号", json.GetProperty("penalties")[0].GetProperty("decisionNumber").GetString());
        var keys = await server.Public.GetSigningKeysAsync(new GetSigningKeysRequest());
        Assert.True(SigningKeys.Verify(keys.Keys.Single(k => k.KeyId == report.KeyId).PublicKeyPem, report.Content.Span, Convert.FromBase64String(report.Signature)));
        Assert.Equal(ReportVerdict.Valid, (await server.Public.VerifyCreditReportAsync(new VerifyCreditReportRequest { ReportNumber = report.ReportNumber, Sha256 = report.Sha256 })).Verdict);

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Credit("op-e").GetCreditReportAsync(new GetCreditReportRequest { OperatorId = server.OperatorA }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }
}
