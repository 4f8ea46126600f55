using System.Globalization;
using Grpc.Core;
using WangJian.Credit.Abstractions;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Pull delivery and acknowledgement of the calling agency's notices; an agency only ever sees its own.</summary>
public sealed partial class AgencyGrpcService
{
    public override async Task<ListNoticesResponse> ListNotices(ListNoticesRequest request, ServerCallContext context)
    {
        var agency = Caller.Agency(context);
        var errors = new List<Domain.FieldViolation>();
        var size = RequestFields.PageSize(request.PageSize, 100, 1000, errors);
        long after = 0;
        if (request.Cursor.Length > 0 && (!request.Cursor.StartsWith("n1.", StringComparison.Ordinal) || !long.TryParse(request.Cursor.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            errors.Add(new("cursor", "cursor is not one this server issued"));
        }

        RequestFields.ThrowIfAny(errors);
        var notices = await grains.GetGrain<IAgencyOutboxGrain>(agency).ListAsync(after, size);
        var response = new ListNoticesResponse { NextCursor = "n1." + (notices.Count > 0 ? notices[^1].Sequence : after).ToString(CultureInfo.InvariantCulture) };
        response.Notices.AddRange(notices.Select(NoticeMapper.ToRecord));
        return response;
    }

    [Writes]
    public override async Task<AcknowledgeNoticeResponse> AcknowledgeNotice(AcknowledgeNoticeRequest request, ServerCallContext context)
    {
        var agency = Caller.Agency(context);
        var errors = new List<Domain.FieldViolation>();
        RequestFields.Required(request.NoticeId, "notice_id", 64, errors);
        RequestFields.Required(request.ActionTaken, "action_taken", 2000, errors);
        RequestFields.ThrowIfAny(errors);

        var outcome = await grains.GetGrain<IAgencyOutboxGrain>(agency).AcknowledgeAsync(request.NoticeId.Trim(), Caller.Name(context), request.ActionTaken.Trim());
        outcome.OrThrow();

        return new AcknowledgeNoticeResponse { Notice = NoticeMapper.ToRecord(outcome.Notice!) };
    }
}
