using WangJian.Credit.Domain;
using WangJian.Credit.V1;
using Proto = WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Notices and cases, domain → proto.</summary>
public static class NoticeMapper
{
    public static Proto.Notice ToProto(StoredNotice stored)
    {
        var n = stored.Notice;
        var p = new Proto.Notice
        {
            NoticeId = n.NoticeId,
            CaseId = n.CaseId,
            AgencyCode = n.Agency,
            Kind = n.Kind == Domain.NoticeKind.Impose ? Proto.NoticeKind.Impose : Proto.NoticeKind.Lift,
            OperatorId = n.OperatorId,
            MeasureCode = n.MeasureCode,
            Description = n.Description,
            LegalBasis = n.LegalBasis,
            ListedAt = ProtoMapper.ToTimestamp(n.ListedAt),
            IssueTime = ProtoMapper.ToTimestamp(n.IssuedAt),
            Sequence = stored.Sequence,
            LiftReason = n.LiftReason ?? string.Empty,
        };
        if (n.ExpiresAt is { } e)
        {
            p.ExpiresAt = ProtoMapper.ToTimestamp(e);
        }

        p.Matters.AddRange(n.Matters.Select(m => new Proto.MatterEffect
        {
            Matter = m.Matter,
            Effect = ProtoMapper.ToProto(m.Effect),
        }));
        return p;
    }

    public static NoticeRecord ToRecord(StoredNotice stored)
    {
        var s = stored.Status;
        var r = new NoticeRecord
        {
            Notice = ToProto(stored),
            State = s.State switch
            {
                Domain.NoticeState.Pending => Proto.NoticeState.Pending,
                Domain.NoticeState.Failing => Proto.NoticeState.Failing,
                Domain.NoticeState.Delivered => Proto.NoticeState.Delivered,
                Domain.NoticeState.Acknowledged => Proto.NoticeState.Acknowledged,
                _ => Proto.NoticeState.Unspecified,
            },
            Attempts = s.Attempts,
            LastError = s.LastError ?? string.Empty,
            AcknowledgedBy = s.AcknowledgedBy ?? string.Empty,
            ActionTaken = s.ActionTaken ?? string.Empty,
        };
        if (s.NextAttemptAt is { } next)
        {
            r.NextAttemptTime = ProtoMapper.ToTimestamp(next);
        }

        if (s.DeliveredAt is { } delivered)
        {
            r.DeliveredAt = ProtoMapper.ToTimestamp(delivered);
        }

        if (s.AcknowledgedAt is { } acked)
        {
            r.AcknowledgedAt = ProtoMapper.ToTimestamp(acked);
        }

        return r;
    }

    /// <summary>A case with the state of each notice; a notice not yet in its agency's log is PENDING.</summary>
    public static Proto.PunishmentCase ToProto(Domain.PunishmentCase c, IReadOnlyDictionary<string, StoredNotice> stored)
    {
        var p = new Proto.PunishmentCase
        {
            CaseId = c.CaseId,
            OperatorId = c.OperatorId,
            ListedAt = ProtoMapper.ToTimestamp(c.ListedAt),
            OpenedAt = ProtoMapper.ToTimestamp(c.OpenedAt),
            OpenedBy = c.OpenedBy,
            OpenReason = c.OpenReason,
            LiftReason = c.LiftReason ?? string.Empty,
        };
        if (c.ExpiresAt is { } e)
        {
            p.ExpiresAt = ProtoMapper.ToTimestamp(e);
        }

        if (c.LiftedAt is { } l)
        {
            p.LiftedAt = ProtoMapper.ToTimestamp(l);
        }

        p.Notices.AddRange(c.Notices.Select(n => ToRecord(stored.TryGetValue(n.NoticeId, out var s) ? s : new StoredNotice(0, n, NoticeStatus.New))));
        return p;
    }
}
