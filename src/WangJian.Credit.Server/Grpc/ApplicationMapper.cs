using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.Publicity;
using Proto = WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Applications, the credit file and the public record to and from their protos.</summary>
public static class ApplicationMapper
{
    public static Proto.Application ToProto(StoredApplication a, DateTimeOffset now)
    {
        var p = new Proto.Application
        {
            ApplicationId = a.ApplicationId,
            Kind = a.Kind == ApplicationKind.Repair ? Proto.ApplicationKind.Repair : Proto.ApplicationKind.Objection,
            OperatorId = a.OperatorId,
            ViolationId = a.ViolationId ?? string.Empty,
            Listing = a.Listing,
            Statement = a.Statement,
            CommitmentAccepted = a.CommitmentAccepted,
            State = ToProto(a.State),
            SubmitTime = ProtoMapper.ToTimestamp(a.SubmittedAt),
            DueTime = ProtoMapper.ToTimestamp(a.DueAt),
            Overdue = a.IsOverdueAt(now),
            DecidedBy = a.DecidedBy ?? string.Empty,
            DecisionReason = a.DecisionReason ?? string.Empty,
            ApprovalId = a.ApprovalId ?? string.Empty,
        };
        if (a.DecidedAt is { } d)
        {
            p.DecideTime = ProtoMapper.ToTimestamp(d);
        }

        p.AuthorityCodes.AddRange(a.AuthorityCodes);
        p.Evidence.AddRange(a.Evidence.Select(e => new Proto.EvidenceItem { Name = e.Name, Sha256 = e.Sha256, SizeBytes = e.SizeBytes, MediaType = e.MediaType }));
        return p;
    }

    public static Proto.ApplicationState ToProto(ApplicationState s) => s switch
    {
        ApplicationState.Submitted => Proto.ApplicationState.Submitted,
        ApplicationState.Approved => Proto.ApplicationState.Approved,
        ApplicationState.ApprovalPending => Proto.ApplicationState.ApprovalPending,
        ApplicationState.Rejected => Proto.ApplicationState.Rejected,
        _ => Proto.ApplicationState.Withdrawn,
    };

    public static ApplicationState? FromProto(Proto.ApplicationState s) => s switch
    {
        Proto.ApplicationState.Unspecified => null,
        Proto.ApplicationState.Submitted => ApplicationState.Submitted,
        Proto.ApplicationState.Approved => ApplicationState.Approved,
        Proto.ApplicationState.ApprovalPending => ApplicationState.ApprovalPending,
        Proto.ApplicationState.Rejected => ApplicationState.Rejected,
        Proto.ApplicationState.Withdrawn => ApplicationState.Withdrawn,
        _ => throw GrpcErrors.InvalidArgument("state", $"unknown application state {(int)s}"),
    };

    public static ApplicationKind? FromProto(Proto.ApplicationKind k) => k switch
    {
        Proto.ApplicationKind.Unspecified => null,
        Proto.ApplicationKind.Repair => ApplicationKind.Repair,
        Proto.ApplicationKind.Objection => ApplicationKind.Objection,
        _ => throw GrpcErrors.InvalidArgument("kind", $"unknown application kind {(int)k}"),
    };

    public static IReadOnlyList<Evidence> FromProto(IEnumerable<Proto.EvidenceItem> items) =>
        items.Select(e => new Evidence(e.Name, e.Sha256, e.SizeBytes, e.MediaType)).ToArray();

    public static Proto.RepairStep ToProto(RepairStep s)
    {
        var p = new Proto.RepairStep
        {
            StepTime = ProtoMapper.ToTimestamp(s.At),
            Kind = s.Kind switch
            {
                RepairStepKind.StatusChange => Proto.RepairStepKind.StatusChange,
                RepairStepKind.ViolationRepairable => Proto.RepairStepKind.ViolationRepairable,
                _ => Proto.RepairStepKind.ListingRepairable,
            },
            ViolationId = s.ViolationId ?? string.Empty,
            Description = s.Description,
            Score = (double)s.Score,
            Grade = ProtoMapper.ToProto(s.Grade),
            Blacklisted = s.Blacklisted,
        };
        p.MeasuresLifted.AddRange(s.MeasuresLifted);
        return p;
    }

    public static Proto.PublicPenalty ToProto(PublicPenalty p)
    {
        var proto = new Proto.PublicPenalty
        {
            DecisionNumber = p.DecisionNumber,
            AuthorityCode = p.AuthorityCode,
            AuthorityName = p.AuthorityName,
            OffenseCode = p.OffenseCode,
            OffenseName = p.OffenseName,
            Severity = ProtoMapper.ToProto(p.Severity),
            FineFen = p.FineFen,
            DecidedAt = ProtoMapper.ToTimestamp(p.DecidedAt),
            PublicityEndsAt = ProtoMapper.ToTimestamp(p.PublicityEndsAt),
            LegalBasis = p.LegalBasis,
        };
        proto.PenaltyKinds.AddRange(p.PenaltyKinds.Select(ProtoMapper.ToProto));
        return proto;
    }
}
