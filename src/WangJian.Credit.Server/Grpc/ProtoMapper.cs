using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.Domain;
using WangJian.Credit.V1;
using Proto = WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Proto ↔ domain, both ways, as pure static functions.</summary>
public static class ProtoMapper
{
    private const int StatusCacheSlots = 4096;

    private static readonly MappedStatus?[] StatusCache = new MappedStatus?[StatusCacheSlots];

    // Keyed by the answer object: PreApprovalCheck.Decide hands out one answer per policy, agency and matter.
    private static readonly ConditionalWeakTable<CheckAnswer, Proto.AppliedMeasure[]> MappedMeasures = new();

    public static Timestamp ToTimestamp(DateTimeOffset t) => Timestamp.FromDateTimeOffset(t);

    /// <summary>
    /// The measures a check applies, as messages mapped once per answer object (each carries its description and legal
    /// basis, the bulk of a listed operator's answer). Callers never change them.
    /// </summary>
    public static IReadOnlyList<Proto.AppliedMeasure> MeasuresOf(CheckAnswer answer) =>
        answer.Measures.Count == 0 ? [] : MappedMeasures.GetValue(answer, static a => a.Measures.Select(ToProto).ToArray());

    public static Proto.AppliedMeasure ToProto(Domain.AppliedMeasure m) => new()
    {
        AgencyCode = m.Measure.Agency,
        MeasureCode = m.Measure.Code,
        Description = m.Measure.Description,
        Effect = ToProto(m.Effect),
        LegalBasis = m.Measure.LegalBasis,
    };

    /// <summary>A measure's effect on a matter is the decision it forces.</summary>
    public static Proto.CheckDecision ToProto(MeasureEffect e) => e == MeasureEffect.Prohibit ? Proto.CheckDecision.Prohibit : Proto.CheckDecision.EnhancedReview;

    /// <summary>A present timestamp to an instant, or a field violation when it is outside the proto's valid range.</summary>
    public static DateTimeOffset? ToInstant(Timestamp? t, string field, List<Domain.FieldViolation> errors)
    {
        if (t is null)
        {
            return null;
        }

        // Timestamp.ToDateTimeOffset throws for seconds outside 0001–9999 or nanos outside [0, 1e9).
        if (t.Nanos is < 0 or >= 1_000_000_000 || t.Seconds < -62135596800 || t.Seconds > 253402300799)
        {
            errors.Add(new(field, $"{field} is not a valid timestamp (seconds {t.Seconds}, nanos {t.Nanos})"));
            return null;
        }

        return t.ToDateTimeOffset();
    }

    public static Domain.Severity ToDomain(Proto.Severity s) => s switch
    {
        Proto.Severity.Minor => Domain.Severity.Minor,
        Proto.Severity.General => Domain.Severity.General,
        Proto.Severity.Serious => Domain.Severity.Serious,
        Proto.Severity.EspeciallySerious => Domain.Severity.EspeciallySerious,
        _ => 0,
    };

    public static Proto.Severity ToProto(Domain.Severity s) => s switch
    {
        Domain.Severity.Minor => Proto.Severity.Minor,
        Domain.Severity.General => Proto.Severity.General,
        Domain.Severity.Serious => Proto.Severity.Serious,
        Domain.Severity.EspeciallySerious => Proto.Severity.EspeciallySerious,
        _ => Proto.Severity.Unspecified,
    };

    public static Domain.PenaltyKind ToDomain(Proto.PenaltyKind k) => k switch
    {
        Proto.PenaltyKind.Warning => Domain.PenaltyKind.Warning,
        Proto.PenaltyKind.Fine => Domain.PenaltyKind.Fine,
        Proto.PenaltyKind.Confiscation => Domain.PenaltyKind.Confiscation,
        Proto.PenaltyKind.Suspension => Domain.PenaltyKind.Suspension,
        Proto.PenaltyKind.LicenceRevocation => Domain.PenaltyKind.LicenceRevocation,
        // Keeps the wire value so validation can name it.
        _ => (Domain.PenaltyKind)(1000 + (int)k),
    };

    public static Proto.PenaltyKind ToProto(Domain.PenaltyKind k) => k switch
    {
        Domain.PenaltyKind.Warning => Proto.PenaltyKind.Warning,
        Domain.PenaltyKind.Fine => Proto.PenaltyKind.Fine,
        Domain.PenaltyKind.Confiscation => Proto.PenaltyKind.Confiscation,
        Domain.PenaltyKind.Suspension => Proto.PenaltyKind.Suspension,
        Domain.PenaltyKind.LicenceRevocation => Proto.PenaltyKind.LicenceRevocation,
        _ => Proto.PenaltyKind.Unspecified,
    };

    public static Proto.ViolationStatus ToProto(Domain.ViolationStatus s) => s switch
    {
        Domain.ViolationStatus.Active => Proto.ViolationStatus.Active,
        Domain.ViolationStatus.Revoked => Proto.ViolationStatus.Revoked,
        Domain.ViolationStatus.Repaired => Proto.ViolationStatus.Repaired,
        _ => Proto.ViolationStatus.Unspecified,
    };

    public static Proto.Grade ToProto(Domain.Grade g) => g switch
    {
        Domain.Grade.A => Proto.Grade.A,
        Domain.Grade.B => Proto.Grade.B,
        Domain.Grade.C => Proto.Grade.C,
        Domain.Grade.D => Proto.Grade.D,
        _ => Proto.Grade.Unspecified,
    };

    public static V1.CheckDecision ToProto(Domain.CheckDecision d) => d switch
    {
        Domain.CheckDecision.Allow => V1.CheckDecision.Allow,
        Domain.CheckDecision.EnhancedReview => V1.CheckDecision.EnhancedReview,
        Domain.CheckDecision.Prohibit => V1.CheckDecision.Prohibit,
        _ => V1.CheckDecision.Unspecified,
    };

    public static ViolationDraft ToDraft(RecordViolationRequest r, List<Domain.FieldViolation> errors) => new(
        r.OperatorId,
        r.OffenseCode,
        ToDomain(r.Severity),
        r.PenaltyKinds.Select(ToDomain).ToArray(),
        r.FineFen,
        r.IllegalGainsFen,
        r.HeavierPenalty,
        r.DecisionNumber,
        r.AuthorityCode,
        r.AuthorityName,
        ToInstant(r.DecidedAt, "decided_at", errors),
        r.Description);

    public static Proto.Violation ToProto(Domain.Violation v, CreditPolicy policy)
    {
        var p = new Proto.Violation
        {
            ViolationId = v.Id,
            OperatorId = v.OperatorId,
            OffenseCode = v.OffenseCode,
            Family = policy.Offenses.TryGetValue(v.OffenseCode, out var o) ? o.Family : string.Empty,
            Severity = ToProto(v.Severity),
            FineFen = v.FineFen,
            IllegalGainsFen = v.IllegalGainsFen,
            HeavierPenalty = v.HeavierPenalty,
            DecisionNumber = v.DecisionNumber,
            AuthorityCode = v.AuthorityCode,
            AuthorityName = v.AuthorityName,
            DecidedAt = ToTimestamp(v.DecidedAt),
            Description = v.Description,
            RecordedBy = v.RecordedBy,
            RecordTime = ToTimestamp(v.RecordedAt),
            Status = ToProto(v.Status),
        };
        p.PenaltyKinds.AddRange(v.PenaltyKinds.Select(ToProto));
        p.Changes.AddRange(v.Changes.Select(c => new Proto.StatusChange
        {
            To = ToProto(c.To),
            EffectiveTime = ToTimestamp(c.At),
            ChangedBy = c.By,
            Reason = c.Reason,
            RecordTime = ToTimestamp(c.RecordedAt),
            ApprovedBy = c.Approval?.ApprovedBy ?? string.Empty,
            ApprovalId = c.Approval?.ApprovalId ?? string.Empty,
        }));
        return p;
    }

    public static Proto.ListingRepairRecord ToProto(ListingRepair r) => new()
    {
        EffectiveTime = ToTimestamp(r.At),
        RepairedBy = r.By,
        Reason = r.Reason,
        RecordTime = ToTimestamp(r.RecordedAt),
        ApprovedBy = r.Approval?.ApprovedBy ?? string.Empty,
        ApprovalId = r.Approval?.ApprovalId ?? string.Empty,
    };

    /// <summary>The status under the version that scored it (its listing's repair wait, its platform measures).</summary>
    public static CreditStatus ToProto(Assessment a, PolicyTimeline timeline) => ToProto(a, timeline.PolicyOf(a));

    /// <summary>The violation with its family from the latest version that knows its offense (versions only add offenses).</summary>
    public static Proto.Violation ToProto(Domain.Violation v, PolicyTimeline timeline) => ToProto(v, timeline.Latest.Policy);

    /// <summary>
    /// The status message of an assessment. Mapped once per assessment object: an operator's grain hands out
    /// the same immutable <see cref="Assessment"/> until it changes, and reads of a popular operator would
    /// otherwise build the same message (timestamps, deductions, listing) on every call. The cache is
    /// direct-mapped by the object's identity, so it holds at most <see cref="StatusCacheSlots"/> messages;
    /// a slot is overwritten by the next assessment that maps to it. Callers never change the message.
    /// </summary>
    public static CreditStatus ToProto(Assessment a, CreditPolicy policy)
    {
        ref var slot = ref StatusCache[(RuntimeHelpers.GetHashCode(a) & int.MaxValue) % StatusCacheSlots];
        if (Volatile.Read(ref slot) is { } hit && ReferenceEquals(hit.Assessment, a) && ReferenceEquals(hit.Policy, policy))
        {
            return hit.Status;
        }

        var status = Map(a, policy);
        Volatile.Write(ref slot, new MappedStatus(a, policy, status));
        return status;
    }

    /// <summary>
    /// <paramref name="status"/> as of <paramref name="at"/>: a new message that shares every other field's
    /// value (the nested messages are never changed once mapped), so a read "now" of an unchanged status costs
    /// one small message, not a new mapping of its deductions and listing.
    /// </summary>
    public static CreditStatus At(CreditStatus status, DateTimeOffset at)
    {
        var s = new CreditStatus
        {
            OperatorId = status.OperatorId,
            AsOf = ToTimestamp(at),
            PolicyVersion = status.PolicyVersion,
            Score = status.Score,
            Grade = status.Grade,
            Blacklisted = status.Blacklisted,
            Listing = status.Listing,
            NextChangeTime = status.NextChangeTime,
        };
        s.Deductions.Add(status.Deductions);
        s.PlatformMeasures.Add(status.PlatformMeasures);
        return s;
    }

    private static CreditStatus Map(Assessment a, CreditPolicy policy)
    {
        var s = new CreditStatus
        {
            OperatorId = a.OperatorId,
            AsOf = ToTimestamp(a.AsOf),
            PolicyVersion = a.PolicyVersion,
            Score = (double)a.Score,
            Grade = ToProto(a.Grade),
            Blacklisted = a.Blacklisted,
        };
        if (a.NextChangeAt is { } next)
        {
            s.NextChangeTime = ToTimestamp(next);
        }

        if (a.Listing is { } l)
        {
            var listing = new Proto.Listing
            {
                ListedAt = ToTimestamp(l.ListedAt),
                ExpiresAt = ToTimestamp(l.ExpiresAt),
                RepairableFrom = ToTimestamp(Months.Add(l.LastTriggerAt, policy.Listing.RepairAfterMonths)),
            };
            foreach (var t in l.Triggers)
            {
                var trigger = new Proto.ListingTrigger { TriggerTime = ToTimestamp(t.At), Rule = t.Rule };
                trigger.ViolationIds.AddRange(t.ViolationIds);
                listing.Triggers.Add(trigger);
            }

            s.Listing = listing;
            s.PlatformMeasures.AddRange(policy.PlatformMeasures);
        }

        foreach (var d in a.Deductions)
        {
            var deduction = new Proto.Deduction
            {
                ViolationId = d.ViolationId,
                OffenseCode = d.OffenseCode,
                Family = d.Family,
                Severity = ToProto(d.Severity),
                DecisionNumber = d.DecisionNumber,
                AuthorityCode = d.AuthorityCode,
                DecidedAt = ToTimestamp(d.DecidedAt),
                BasePoints = (double)d.BasePoints,
                HeavierPoints = (double)d.HeavierPoints,
                RepeatOrdinal = d.RepeatOrdinal,
                RepeatMultiplier = (double)d.RepeatMultiplier,
                HealthMultiplier = (double)d.HealthMultiplier,
                AgeWeight = (double)d.AgeWeight,
                Points = (double)d.Points,
                Rule = d.Rule,
                LegalBasis = d.LegalBasis,
            };
            deduction.RulesApplied.AddRange(d.RulesApplied);
            s.Deductions.Add(deduction);
        }

        return s;
    }

    private sealed record MappedStatus(Assessment Assessment, CreditPolicy Policy, CreditStatus Status);
}
