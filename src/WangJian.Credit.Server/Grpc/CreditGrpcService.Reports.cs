using Google.Protobuf;
using Grpc.Core;
using WangJian.Credit.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.Server.Reports;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Signed credit reports; an operator only of itself.</summary>
public sealed partial class CreditGrpcService
{
    // Marked writing: every report is recorded (number, digest, requester) before it is answered.
    [Writes]
    public override async Task<GetCreditReportResponse> GetCreditReport(GetCreditReportRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        var asOf = RequestFields.PastInstant(request.AsOf, "as_of", time.GetUtcNow(), errors);
        if (!System.Enum.IsDefined(request.Format))
        {
            errors.Add(new("format", $"unknown format {(int)request.Format}: REPORT_FORMAT_PDF or REPORT_FORMAT_JSON"));
        }

        RequestFields.ThrowIfAny(errors);
        Caller.RequireOwnOperator(context, [op]);

        var signed = await reports.IssueAsync(op, asOf, request.Format != ReportFormat.Json, Caller.Name(context));
        return new GetCreditReportResponse
        {
            ReportNumber = signed.Report.ReportNumber,
            IssueTime = ProtoMapper.ToTimestamp(signed.Report.IssuedAt),
            Content = ByteString.CopyFrom(signed.Content),
            MediaType = signed.MediaType,
            Sha256 = signed.Sha256,
            KeyId = signed.Report.KeyId,
            Signature = signed.Signature,
        };
    }
}
