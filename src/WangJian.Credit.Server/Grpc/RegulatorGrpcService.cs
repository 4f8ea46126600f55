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
using WangJian.Credit.Server.Applications;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Record, revoke and repair: validate at the edge, check the caller's authority scope, then one grain call.</summary>
/// <remarks>
/// Methods that write are marked <see cref="WritesAttribute"/>: the request pipeline answers them after the
/// commit barrier (<see cref="CommitBarrierInterceptor"/>). A revocation or listing repair that needs a second person is proposed instead of applied
/// (<see cref="Approvals.FourEyes"/>, called through <see cref="ViolationCommands"/>).
/// </remarks>
[Authorize(Roles = Roles.RegulatorService)]
public sealed partial class RegulatorGrpcService(IGrainFactory grains, PolicyVersions versions, TimeProvider time, ViolationCommands commands, ICheckLogQuery checkLog, ApprovalInbox approvalInbox, ApplicationService applications, Grains.CreditClock creditClock) : RegulatorService.RegulatorServiceBase
{
    private const int MaxReasonLength = 2000;
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    [Authorize(Roles = Roles.RegulatorWrites)]
    [Writes]
    public override async Task<RecordViolationResponse> RecordViolation(RecordViolationRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var draft = ProtoMapper.ToDraft(request, errors);
        var outcome = await commands.RecordAsync(draft, context.GetHttpContext().User, errors);
        return new RecordViolationResponse
        {
            Violation = ProtoMapper.ToProto(outcome.Violation!, versions.Timeline),
            Created = outcome.Created,
            Status = ProtoMapper.ToProto(outcome.Assessment!, versions.Timeline),
        };
    }

    [Authorize(Roles = Roles.RegulatorWrites)]
    [Writes]
    public override async Task<RevokeViolationResponse> RevokeViolation(RevokeViolationRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        RequestFields.Required(request.ViolationId, "violation_id", 64, errors);
        RequestFields.Required(request.Reason, "reason", MaxReasonLength, errors);
        RequestFields.ThrowIfAny(errors);

        var result = await commands.RevokeAsync(op, request.ViolationId.Trim(), request.Reason.Trim(), context.GetHttpContext().User);
        var response = new RevokeViolationResponse
        {
            Violation = ProtoMapper.ToProto(result.Violation!, versions.Timeline),
            Status = ProtoMapper.ToProto(result.Assessment, versions.Timeline),
        };
        if (result.Approval is { } approval)
        {
            response.Approval = ToProto(approval);
        }

        return response;
    }

    [Authorize(Roles = Roles.RegulatorWrites)]
    [Writes]
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
        var user = context.GetHttpContext().User;
        var reason = request.Reason.Trim();
        var result = request.TargetCase == DecideRepairRequest.TargetOneofCase.ViolationId
            ? await commands.RepairViolationAsync(op, request.ViolationId.Trim(), effective, reason, user)
            : await commands.RepairListingAsync(op, effective, reason, user);
        var response = new DecideRepairResponse { Status = ProtoMapper.ToProto(result.Assessment, versions.Timeline) };
        if (result.Approval is { } approval)
        {
            response.Approval = ToProto(approval);
        }
        else if (result.Violation is { } v)
        {
            response.Violation = ProtoMapper.ToProto(v, versions.Timeline);
        }

        return response;
    }

    [Authorize(Roles = Roles.RegulatorReads)]
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
        response.Violations.AddRange(page.Select(v => ProtoMapper.ToProto(v, versions.Timeline)));
        response.ListingRepairs.AddRange(history.ListingRepairs.Select(ProtoMapper.ToProto));
        if (offset + page.Length < history.Violations.Count)
        {
            response.NextPageToken = PageTokens.Encode(offset + page.Length);
        }

        return response;
    }
}
