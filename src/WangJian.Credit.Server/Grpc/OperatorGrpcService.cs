using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>The operator's own face: its file and path to repair, its applications and objections. Only its own USCC.</summary>
/// <remarks>
/// Every RPC is marked [Writes]: the reads too, because reading an application that waited for a second
/// person records the approval's outcome on it (ApplicationService.RefreshAsync).
/// </remarks>
[Authorize(Roles = Roles.OperatorService)]
public sealed class OperatorGrpcService(OperatorFiles files, ApplicationService applications, PolicyVersions versions, CreditClock clock) : OperatorService.OperatorServiceBase
{
    [Writes]
    public override async Task<GetCreditFileResponse> GetCreditFile(GetCreditFileRequest request, ServerCallContext context)
    {
        var op = Own(request.OperatorId, context);
        var file = await files.GetOwnAsync(op);
        var now = clock.UtcNow;
        var response = new GetCreditFileResponse { Status = ProtoMapper.ToProto(file.Status, versions.Timeline) };
        response.Violations.AddRange(file.History.Violations.Select(v => ProtoMapper.ToProto(v, versions.Timeline)));
        response.ListingRepairs.AddRange(file.History.ListingRepairs.Select(ProtoMapper.ToProto));
        response.OpenCaseIds.AddRange(file.OpenCaseIds);
        response.Measures.AddRange(file.Measures.Select(m =>
        {
            var p = new V1.MeasureInForce { Agency = m.Agency, MeasureCode = m.MeasureCode, Description = m.Description, CaseId = m.CaseId };
            if (m.LiftsAt is { } t)
            {
                p.LiftsAt = ProtoMapper.ToTimestamp(t);
            }

            return p;
        }));
        response.Path.AddRange(file.Path.Select(ApplicationMapper.ToProto));
        response.OpenApplications.AddRange(file.OpenApplications.Select(a => ApplicationMapper.ToProto(a, now)));
        return response;
    }

    [Writes]
    public override async Task<SubmitRepairApplicationResponse> SubmitRepairApplication(SubmitRepairApplicationRequest request, ServerCallContext context)
    {
        var op = Own(request.OperatorId, context);
        if (request.TargetCase == SubmitRepairApplicationRequest.TargetOneofCase.Listing && !request.Listing)
        {
            throw GrpcErrors.InvalidArgument("listing", "listing must be true when it is the target");
        }

        var violationId = request.TargetCase == SubmitRepairApplicationRequest.TargetOneofCase.ViolationId ? request.ViolationId : null;
        var result = await applications.SubmitRepairAsync(
            op, violationId, request.TargetCase == SubmitRepairApplicationRequest.TargetOneofCase.Listing, request.Statement, request.CommitmentAccepted,
            ApplicationMapper.FromProto(request.Evidence), Caller.Name(context));
        return new SubmitRepairApplicationResponse { Application = Created(result) };
    }

    [Writes]
    public override async Task<SubmitObjectionResponse> SubmitObjection(SubmitObjectionRequest request, ServerCallContext context)
    {
        var op = Own(request.OperatorId, context);
        var result = await applications.SubmitObjectionAsync(op, request.ViolationId, request.Grounds, ApplicationMapper.FromProto(request.Evidence), Caller.Name(context));
        return new SubmitObjectionResponse { Application = Created(result) };
    }

    [Writes]
    public override async Task<ListMyApplicationsResponse> ListMyApplications(ListMyApplicationsRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var size = RequestFields.PageSize(request.PageSize, 100, 1000, errors);
        string? after = null;
        if (request.PageToken.Length > 0)
        {
            after = PageTokens.Unwrap(request.PageToken, PageTokenKind.MyApplications);
            if (after is null)
            {
                errors.Add(new("page_token", PageTokens.Invalid));
            }
        }

        RequestFields.ThrowIfAny(errors);
        var op = Own(request.OperatorId, context);
        var (items, next) = await applications.ListMineAsync(op, after, size);
        var now = clock.UtcNow;
        var response = new ListMyApplicationsResponse();
        response.Applications.AddRange(items.Select(a => ApplicationMapper.ToProto(a, now)));
        if (next is not null)
        {
            response.NextPageToken = PageTokens.Wrap(PageTokenKind.MyApplications, next);
        }

        return response;
    }

    [Writes]
    public override async Task<WithdrawApplicationResponse> WithdrawApplication(WithdrawApplicationRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        RequestFields.Required(request.ApplicationId, "application_id", 64, errors);
        RequestFields.ThrowIfAny(errors);
        var op = Own(request.OperatorId, context);
        var withdrawn = await applications.WithdrawAsync(op, request.ApplicationId, Caller.Name(context));
        return new WithdrawApplicationResponse { Application = ApplicationMapper.ToProto(withdrawn, clock.UtcNow) };
    }

    /// <summary>The validated USCC, which must be the caller's own.</summary>
    private static string Own(string operatorId, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(operatorId, "operator_id", errors);
        RequestFields.ThrowIfAny(errors);
        Caller.RequireOwnOperator(context, [op]);
        return op;
    }

    /// <summary>The new application, or ALREADY_EXISTS naming the open one (its id also in a ResourceInfo detail).</summary>
    private V1.Application Created(SubmitResult result)
    {
        var proto = ApplicationMapper.ToProto(result.Application, clock.UtcNow);
        if (result.Created)
        {
            return proto;
        }

        var status = new Google.Rpc.Status
        {
            Code = (int)global::Grpc.Core.StatusCode.AlreadyExists,
            Message = $"application {result.Application.ApplicationId} for {result.Application.Target} is already open ({result.Application.State.ToString().ToUpperInvariant()}, due {result.Application.DueAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'})",
        };
        status.Details.Add(Any.Pack(new ResourceInfo { ResourceType = "wangjian.credit.v1.Application", ResourceName = result.Application.ApplicationId, Description = "the open application" }));
        status.Details.Add(Any.Pack(proto));
        throw status.ToRpcException();
    }
}
