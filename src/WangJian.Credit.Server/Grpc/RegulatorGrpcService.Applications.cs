using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>The regulator's inbox of repair applications and objections.</summary>
public sealed partial class RegulatorGrpcService
{
    // Marked writing: listing records the outcome of second-person approvals on the applications it shows.
    [Authorize(Roles = Roles.RegulatorReads)]
    [Writes]
    public override async Task<ListApplicationsResponse> ListApplications(ListApplicationsRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var size = RequestFields.PageSize(request.PageSize, DefaultPageSize, MaxPageSize, errors);
        string? after = null;
        if (request.PageToken.Length > 0)
        {
            after = PageTokens.Unwrap(request.PageToken, PageTokenKind.Inbox);
            if (ApplicationStore.ParsePosition(after) is null)
            {
                errors.Add(new("page_token", PageTokens.Invalid));
            }
        }

        RequestFields.ThrowIfAny(errors);
        var inbox = applications;
        var page = await inbox.ListInboxAsync(Caller.Decider(context), ApplicationMapper.FromProto(request.State), ApplicationMapper.FromProto(request.Kind), request.OverdueOnly, after, size);
        var response = new ListApplicationsResponse { OverdueCount = page.OverdueCount };
        response.Applications.AddRange(page.Items.Select(a => ApplicationMapper.ToProto(a, creditClock.UtcNow)));
        if (page.Next is not null)
        {
            response.NextPageToken = PageTokens.Wrap(PageTokenKind.Inbox, page.Next);
        }

        return response;
    }

    [Authorize(Roles = Roles.RegulatorWrites)]
    [Writes]
    public override async Task<DecideApplicationResponse> DecideApplication(DecideApplicationRequest request, ServerCallContext context)
    {
        if (request.Decision == ApprovalDecision.Unspecified || !System.Enum.IsDefined(request.Decision))
        {
            throw GrpcErrors.InvalidArgument("decision", "decision must be APPROVAL_DECISION_APPROVE or APPROVAL_DECISION_REJECT");
        }

        var result = await applications.DecideAsync(request.ApplicationId, request.Decision == ApprovalDecision.Approve, request.Reason, Caller.Decider(context));
        var response = new DecideApplicationResponse
        {
            Application = ApplicationMapper.ToProto(result.Application, creditClock.UtcNow),
            Status = ProtoMapper.ToProto(result.Status, versions.Timeline),
        };
        if (result.Violation is { } v)
        {
            response.Violation = ProtoMapper.ToProto(v, versions.Timeline);
        }

        if (result.Approval is { } a)
        {
            response.Approval = ToProto(a);
        }

        return response;
    }

}
