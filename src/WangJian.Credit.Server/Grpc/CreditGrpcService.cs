using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.V1;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.Server.Reports;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Seller credit for platforms: one operator or a batch, now or at a past instant; an operator principal reads only its own.</summary>
[Authorize(Roles = Roles.CreditService)]
public sealed partial class CreditGrpcService(CreditReads reads, TimeProvider time, IChangeFeed changes, IBlacklistIndex blacklist, ChangeViews views, IChangeSignal notifier, CreditReports reports) : CreditService.CreditServiceBase
{
    public const int MaxBatch = 1000;

    public override async Task<GetCreditStatusResponse> GetCreditStatus(GetCreditStatusRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        var asOf = RequestFields.PastInstant(request.AsOf, "as_of", time.GetUtcNow(), errors);
        RequestFields.ThrowIfAny(errors);
        Caller.RequireOwnOperator(context, [op]);

        return new GetCreditStatusResponse { Status = await reads.StatusMessageAsync(op, asOf) };
    }

    public override async Task<BatchGetCreditStatusResponse> BatchGetCreditStatus(BatchGetCreditStatusRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        if (request.OperatorIds.Count == 0)
        {
            errors.Add(new("operator_ids", "give at least one operator_id"));
        }
        else if (request.OperatorIds.Count > MaxBatch)
        {
            errors.Add(new("operator_ids", $"at most {MaxBatch} operator_ids per call, got {request.OperatorIds.Count}"));
        }

        var asOf = RequestFields.PastInstant(request.AsOf, "as_of", time.GetUtcNow(), errors);
        var ids = new string[Math.Min(request.OperatorIds.Count, MaxBatch)];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = RequestFields.Operator(request.OperatorIds[i], $"operator_ids[{i}]", errors);
        }

        RequestFields.ThrowIfAny(errors);
        Caller.RequireOwnOperator(context, ids);
        var response = new BatchGetCreditStatusResponse();
        response.Statuses.AddRange(await reads.StatusMessagesAsync(ids, asOf));
        return response;
    }
}
