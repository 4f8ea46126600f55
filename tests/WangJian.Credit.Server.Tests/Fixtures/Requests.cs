using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>Builders for valid requests; tests change the one field they are about.</summary>
public static class Requests
{
    private static int decision;

    public static RecordViolationRequest Violation(
        string operatorId,
        string offense = "FAKE_REVIEW_ORGANIZING",
        Severity severity = Severity.General,
        DateTimeOffset? decidedAt = null,
        bool heavier = false,
        string? decisionNumber = null) => new()
    {
        OperatorId = operatorId,
        OffenseCode = offense,
        Severity = severity,
        DecisionNumber = decisionNumber ?? $"杭市监处罚〔2026〕{Interlocked.Increment(ref decision)}-{Guid.NewGuid():N}号",
        AuthorityCode = "330100-SAMR",
        AuthorityName = "杭州市市场监督管理局",
        DecidedAt = Timestamp.FromDateTimeOffset(decidedAt ?? DateTimeOffset.UtcNow.AddDays(-1)),
        FineFen = 5_000_000,
        IllegalGainsFen = 120_000,
        HeavierPenalty = heavier,
        Description = "组织虚假交易，空包刷单 1,200 单",
        PenaltyKinds = { PenaltyKind.Fine, PenaltyKind.Confiscation },
    };

    /// <summary>Streams the rows to ImportViolations (a null row is one with no violation) and returns the outcome.</summary>
    public static async Task<ImportViolationsResponse> ImportAsync(RegulatorService.RegulatorServiceClient client, IEnumerable<RecordViolationRequest?> rows)
    {
        using var call = client.ImportViolations();
        foreach (var row in rows)
        {
            await call.RequestStream.WriteAsync(row is null ? new ImportViolationsRequest() : new ImportViolationsRequest { Violation = row });
        }

        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    /// <summary>The google.rpc.BadRequest field names of an INVALID_ARGUMENT error.</summary>
    public static IReadOnlyList<string> BadFields(RpcException e)
    {
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var badRequest = e.GetRpcStatus()?.GetDetail<BadRequest>();
        Assert.NotNull(badRequest);
        return badRequest.FieldViolations.Select(v => v.Field).ToArray();
    }
}
