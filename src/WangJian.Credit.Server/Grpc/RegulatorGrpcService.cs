using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Record, revoke and repair: validate at the edge, then one grain call.</summary>
/// <remarks>Every method that writes awaits <see cref="DurableWrites.WaitAsync"/> before it answers: an acknowledged write is on disk.</remarks>
[Authorize(Roles = Roles.RegulatorService)]
public sealed partial class RegulatorGrpcService(IGrainFactory grains, CreditPolicy policy, TimeProvider time, DurableWrites durable) : RegulatorService.RegulatorServiceBase
{
    private const int MaxReasonLength = 2000;
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    public override async Task<RecordViolationResponse> RecordViolation(RecordViolationRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var draft = ProtoMapper.ToDraft(request, errors);
        var (valid, validationErrors) = draft.Validate(policy, time.GetUtcNow());
        errors.AddRange(validationErrors);
        if (errors.Count > 0 || valid is null)
        {
            throw GrpcErrors.InvalidArgument(errors);
        }

        var outcome = await grains.Operator(valid.OperatorId).RecordViolationAsync(valid, Caller.Name(context));
        await durable.WaitAsync();
        if (outcome.Error is { } error)
        {
            throw GrpcErrors.FromCommand(error);
        }

        return new RecordViolationResponse
        {
            Violation = ProtoMapper.ToProto(outcome.Violation!, policy),
            Created = outcome.Created,
            Status = ProtoMapper.ToProto(outcome.Assessment!, policy),
        };
    }

    public override async Task<RevokeViolationResponse> RevokeViolation(RevokeViolationRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        RequestFields.Required(request.ViolationId, "violation_id", 64, errors);
        RequestFields.Required(request.Reason, "reason", MaxReasonLength, errors);
        RequestFields.ThrowIfAny(errors);

        var outcome = await grains.Operator(op).RevokeViolationAsync(request.ViolationId.Trim(), request.Reason.Trim(), Caller.Name(context));
        await durable.WaitAsync();
        if (outcome.Error is { } error)
        {
            throw GrpcErrors.FromCommand(error);
        }

        return new RevokeViolationResponse
        {
            Violation = ProtoMapper.ToProto(outcome.Violation!, policy),
            Status = ProtoMapper.ToProto(outcome.Assessment!, policy),
        };
    }

    public override async Task<DecideRepairResponse> DecideRepair(DecideRepairRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        RequestFields.Required(request.Reason, "reason", MaxReasonLength, errors);
        var effective = RequestFields.PastInstant(request.EffectiveTime, "effective_time", time.GetUtcNow(), errors);
        switch (request.TargetCase)
        {
            case DecideRepairRequest.TargetOneofCase.None:
                errors.Add(new("target", "set violation_id to repair one violation, or listing = true to repair the listing"));
                break;
            case DecideRepairRequest.TargetOneofCase.ViolationId:
                RequestFields.Required(request.ViolationId, "violation_id", 64, errors);
                break;
            case DecideRepairRequest.TargetOneofCase.Listing when !request.Listing:
                errors.Add(new("listing", "listing must be true when it is the target"));
                break;
        }

        RequestFields.ThrowIfAny(errors);
        var grain = grains.Operator(op);
        var outcome = request.TargetCase == DecideRepairRequest.TargetOneofCase.ViolationId
            ? await grain.RepairViolationAsync(request.ViolationId.Trim(), effective, request.Reason.Trim(), Caller.Name(context))
            : await grain.RepairListingAsync(effective, request.Reason.Trim(), Caller.Name(context));
        await durable.WaitAsync();
        if (outcome.Error is { } error)
        {
            throw GrpcErrors.FromCommand(error);
        }

        var response = new DecideRepairResponse { Status = ProtoMapper.ToProto(outcome.Assessment!, policy) };
        if (outcome.Violation is { } v)
        {
            response.Violation = ProtoMapper.ToProto(v, policy);
        }

        return response;
    }

    public override async Task<ListViolationsResponse> ListViolations(ListViolationsRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        var size = RequestFields.PageSize(request.PageSize, DefaultPageSize, MaxPageSize, errors);
        var offset = PageTokens.Decode(request.PageToken, "page_token", errors);
        RequestFields.ThrowIfAny(errors);

        // Pages follow the order of recording: the history is append-only, so a page boundary never
        // moves while records are added (a late-imported old decision still lands on the last page).
        var history = await grains.Operator(op).GetHistoryAsync();
        var page = history.Violations.Skip(offset).Take(size).ToArray();
        var response = new ListViolationsResponse { TotalSize = history.Violations.Count };
        response.Violations.AddRange(page.Select(v => ProtoMapper.ToProto(v, policy)));
        if (offset + page.Length < history.Violations.Count)
        {
            response.NextPageToken = PageTokens.Encode(offset + page.Length);
        }

        return response;
    }
}
