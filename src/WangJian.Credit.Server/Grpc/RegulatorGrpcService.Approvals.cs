using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Four-eyes approvals: the list a second regulator works from, and the decision.</summary>
public sealed partial class RegulatorGrpcService
{
    private const string ApprovalTokenKind = PageTokenKind.Approvals;

    /// <summary>Pending or decided approvals whose target is within the caller's scope (an admin sees all), newest first.</summary>
    [Authorize(Roles = Roles.RegulatorReads)]
    public override async Task<ListApprovalsResponse> ListApprovals(ListApprovalsRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = string.IsNullOrWhiteSpace(request.OperatorId) ? null : RequestFields.Operator(request.OperatorId, "operator_id", errors);
        var size = RequestFields.PageSize(request.PageSize, DefaultPageSize, MaxPageSize, errors);
        var after = PageTokens.DecodePosition(request.PageToken, ApprovalTokenKind, errors);
        RequestFields.ThrowIfAny(errors);

        var (approvals, next) = await approvalInbox.ListAsync(context.GetHttpContext().User, op, request.Decided, after, size);
        var response = new ListApprovalsResponse();
        response.Approvals.AddRange(approvals.Select(a => ToProto(a)));
        if (next is { } position)
        {
            response.NextPageToken = PageTokens.EncodePosition(ApprovalTokenKind, position);
        }

        return response;
    }

    /// <summary>Approve (apply the change) or reject, by a second person; see <see cref="Approvals.FourEyes"/>.</summary>
    [Authorize(Roles = Roles.RegulatorReads)]
    [Writes]
    public override async Task<DecideApprovalResponse> DecideApproval(DecideApprovalRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        RequestFields.Required(request.ApprovalId, "approval_id", 64, errors);
        RequestFields.Required(request.Reason, "reason", MaxReasonLength, errors);
        if (request.Decision is not (ApprovalDecision.Approve or ApprovalDecision.Reject))
        {
            errors.Add(new("decision", "decision must be APPROVAL_DECISION_APPROVE or APPROVAL_DECISION_REJECT"));
        }

        RequestFields.ThrowIfAny(errors);
        var access = AccessFeature.Of(context);
        var (approval, applied) = await approvalInbox.DecideAsync(
            context.GetHttpContext().User, request.ApprovalId.Trim(), request.Decision == ApprovalDecision.Approve, request.Reason.Trim(), a => access?.Concerns(a.OperatorId));
        var response = new DecideApprovalResponse { Approval = ToProto(approval) };
        if (applied?.Violation is { } v)
        {
            response.Violation = ProtoMapper.ToProto(v, versions.Timeline);
        }

        if (applied?.Assessment is { } assessment)
        {
            response.Status = ProtoMapper.ToProto(assessment, versions.Timeline);
        }

        return response;
    }

    internal Approval ToProto(StoredApproval a) => ApprovalProto(a, time.GetUtcNow());

    internal static Approval ApprovalProto(StoredApproval a, DateTimeOffset now)
    {
        var p = new Approval
        {
            ApprovalId = a.ApprovalId,
            Action = a.Action switch
            {
                ProposedChange.Revoke => V1.ApprovalAction.Revoke,
                ProposedChange.ListingRepair => V1.ApprovalAction.ListingRepair,
                _ => V1.ApprovalAction.PublishPolicy,
            },
            PolicyVersion = a.PolicyVersion ?? string.Empty,
            OperatorId = a.OperatorId,
            ViolationId = a.ViolationId ?? string.Empty,
            Reason = a.Reason,
            ProposedBy = a.ProposedBy,
            ProposeTime = ProtoMapper.ToTimestamp(a.ProposedAt),
            ExpireTime = ProtoMapper.ToTimestamp(a.ExpiresAt),
            State = a.IsExpiredAt(now) ? V1.ApprovalState.Expired : a.State switch
            {
                ApprovalStage.Pending => V1.ApprovalState.Pending,
                ApprovalStage.Applying => V1.ApprovalState.Applying,
                ApprovalStage.Approved => V1.ApprovalState.Approved,
                ApprovalStage.Rejected => V1.ApprovalState.Rejected,
                _ => V1.ApprovalState.Failed,
            },
            DecidedBy = a.DecidedBy ?? string.Empty,
            DecisionReason = a.DecisionReason ?? string.Empty,
            Failure = a.Failure ?? string.Empty,
        };
        p.AuthorityCodes.AddRange(a.AuthorityCodes);
        if (a.EffectiveAt is { } at)
        {
            p.EffectiveTime = ProtoMapper.ToTimestamp(at);
        }

        if (a.DecidedAt is { } decided)
        {
            p.DecideTime = ProtoMapper.ToTimestamp(decided);
        }

        return p;
    }
}
