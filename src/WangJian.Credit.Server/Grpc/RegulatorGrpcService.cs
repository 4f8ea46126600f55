using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Rules;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Record, revoke and repair: validate at the edge, check the caller's authority scope, then one grain call.</summary>
/// <remarks>
/// Methods that write are marked <see cref="WritesAttribute"/>: the request pipeline answers them after the
/// commit barrier (<see cref="CommitBarrierInterceptor"/>). A revocation or listing repair that needs a second person is proposed instead of applied
/// (<see cref="FourEyes"/>).
/// </remarks>
[Authorize(Roles = Roles.RegulatorService)]
public sealed partial class RegulatorGrpcService(IGrainFactory grains, PolicyVersions versions, TimeProvider time, FourEyes fourEyes) : RegulatorService.RegulatorServiceBase
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
        var (valid, validationErrors) = draft.Validate(versions.At(time.GetUtcNow()), time.GetUtcNow());
        errors.AddRange(validationErrors);
        if (errors.Count > 0 || valid is null)
        {
            throw GrpcErrors.InvalidArgument(errors);
        }

        Caller.RequireScope(context, [valid.AuthorityCode], $"recording decision {valid.DecisionNumber}");
        var outcome = await grains.Operator(valid.OperatorId).RecordViolationAsync(valid, Caller.Name(context));
        outcome.OrThrow();

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

        var grain = grains.Operator(op);
        var violationId = request.ViolationId.Trim();
        var violation = await FindInScopeAsync(grain, op, violationId, "revoking", context);
        if (fourEyes.Requires(ProposedChange.Revoke))
        {
            if (violation.Status != Domain.ViolationStatus.Active)
            {
                throw GrpcErrors.FailedPrecondition($"violation {violationId} is {violation.Status.ToString().ToUpperInvariant()}; only an ACTIVE violation can be revoked");
            }

            var approval = await fourEyes.ProposeAsync(ProposedChange.Revoke, op, violationId, request.Reason.Trim(), null, [violation.AuthorityCode], Caller.Name(context));
            return new RevokeViolationResponse
            {
                Violation = ProtoMapper.ToProto(violation, versions.Timeline),
                Status = ProtoMapper.ToProto(await grain.GetAssessmentAsync(null), versions.Timeline),
                Approval = ToProto(approval),
            };
        }

        var outcome = await grain.RevokeViolationAsync(violationId, request.Reason.Trim(), Caller.Name(context), null);
        outcome.OrThrow();

        return new RevokeViolationResponse
        {
            Violation = ProtoMapper.ToProto(outcome.Violation!, versions.Timeline),
            Status = ProtoMapper.ToProto(outcome.Assessment!, versions.Timeline),
        };
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
        var grain = grains.Operator(op);
        var reason = request.Reason.Trim();
        CommandOutcome outcome;
        if (request.TargetCase == DecideRepairRequest.TargetOneofCase.ViolationId)
        {
            var violationId = request.ViolationId.Trim();
            await FindInScopeAsync(grain, op, violationId, "repairing", context);
            outcome = await grain.RepairViolationAsync(violationId, effective, reason, Caller.Name(context));
        }
        else
        {
            var (assessment, authorities) = await ListingInScopeAsync(grain, effective, "repairing the listing of " + op, context);
            if (fourEyes.Requires(ProposedChange.ListingRepair))
            {
                // Refused now rather than at approval when it could not be applied anyway.
                var check = RepairEligibility.CheckListingRepair(versions.Timeline.PolicyOf(assessment), assessment);
                if (!check.Allowed)
                {
                    throw GrpcErrors.FailedPrecondition(check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
                }

                var approval = await fourEyes.ProposeAsync(ProposedChange.ListingRepair, op, null, reason, effective, authorities, Caller.Name(context));
                return new DecideRepairResponse
                {
                    Status = ProtoMapper.ToProto(await grain.GetAssessmentAsync(null), versions.Timeline),
                    Approval = ToProto(approval),
                };
            }

            outcome = await grain.RepairListingAsync(effective, reason, Caller.Name(context), null);
        }

        outcome.OrThrow();

        var response = new DecideRepairResponse { Status = ProtoMapper.ToProto(outcome.Assessment!, versions.Timeline) };
        if (outcome.Violation is { } v)
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

    /// <summary>
    /// The violation, after checking that the caller's scope covers its authority: NOT_FOUND when the operator
    /// has no such violation, PERMISSION_DENIED naming the authority and the scope when it is not the caller's.
    /// </summary>
    private static async Task<Domain.Violation> FindInScopeAsync(IOperatorGrain grain, string op, string violationId, string what, ServerCallContext context)
    {
        var history = await grain.GetHistoryAsync();
        var violation = history.Violations.FirstOrDefault(v => v.Id == violationId)
            ?? throw GrpcErrors.NotFound($"operator {op} has no violation {violationId}");
        Caller.RequireScope(context, [violation.AuthorityCode], $"{what} {violationId}");
        return violation;
    }

    /// <summary>
    /// The assessment at <paramref name="at"/> and the authorities of every violation behind its listing, after
    /// checking that the caller's scope covers all of them (the authority that listed is the one that repairs).
    /// Not listed: no authority to check; the repair itself then answers FAILED_PRECONDITION.
    /// </summary>
    private static async Task<(Assessment Assessment, IReadOnlyList<string> Authorities)> ListingInScopeAsync(IOperatorGrain grain, DateTimeOffset? at, string what, ServerCallContext context)
    {
        var assessment = await grain.GetAssessmentAsync(at);
        if (assessment.Listing is not { } listing)
        {
            return (assessment, []);
        }

        var behind = listing.Triggers.SelectMany(t => t.ViolationIds).ToHashSet(StringComparer.Ordinal);
        var history = await grain.GetHistoryAsync();
        var authorities = history.Violations.Where(v => behind.Contains(v.Id)).Select(v => v.AuthorityCode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        Caller.RequireScope(context, authorities, what);
        return (assessment, authorities);
    }
}
