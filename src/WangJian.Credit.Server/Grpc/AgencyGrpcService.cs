using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Pre-approval checks for the agency the caller is bound to; every answer is stored first.</summary>
/// <remarks>Every method that writes awaits <see cref="DurableWrites.WaitAsync"/> before it answers: an answered check is on disk.</remarks>
[Authorize(Roles = Roles.AgencyService)]
public sealed partial class AgencyGrpcService(IGrainFactory grains, PolicyVersions versions, TimeProvider time, CheckLog checks) : AgencyService.AgencyServiceBase
{
    // Matters only grow across versions (PolicyCatalog.Validate); computed once per timeline.
    private (PolicyTimeline Timeline, IReadOnlySet<string> Matters) known;

    private IReadOnlySet<string> Matters()
    {
        var timeline = versions.Timeline;
        var k = known;
        if (!ReferenceEquals(k.Timeline, timeline))
        {
            k = (timeline, timeline.Versions.SelectMany(v => PreApprovalCheck.KnownMatters(v.Policy)).ToHashSet(StringComparer.Ordinal));
            known = k;
        }

        return k.Matters;
    }

    [Writes]
    public override async Task<CheckOperatorResponse> CheckOperator(CheckOperatorRequest request, ServerCallContext context)
    {
        var agency = Caller.Agency(context);
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        var matter = request.Matter.Trim().ToUpperInvariant();
        if (matter.Length == 0)
        {
            errors.Add(new("matter", "matter is required, e.g. GOV_PROCUREMENT"));
        }
        else if (Matters() is var matters && !matters.Contains(matter))
        {
            // An unknown matter is far more likely a typo than a matter no measure covers; saying so
            // beats an ALLOW the agency might act on.
            errors.Add(new("matter", $"unknown matter '{(matter.Length > 64 ? matter[..64] : matter)}'; known matters: {string.Join(", ", matters.Order(StringComparer.Ordinal))}"));
        }

        RequestFields.ThrowIfAny(errors);

        var (assessment, version) = await grains.Operator(op).GetStatusAsync();
        var policy = versions.Timeline.PolicyOf(assessment);
        var answer = PreApprovalCheck.Decide(assessment, policy, agency, matter);
        var now = time.GetUtcNow();
        var record = new StoredCheck(
            CheckLog.NewId(now),
            agency,
            Caller.Name(context),
            op,
            matter,
            answer.Decision,
            answer.Measures.Select(m => m.Measure.Code).ToArray(),
            assessment.Score,
            assessment.Grade,
            assessment.Blacklisted,
            assessment.PolicyVersion,
            now,
            version);
        await checks.AppendAsync(record);
        Grains.CreditMetrics.Checked(agency, answer.Decision);

        var response = new CheckOperatorResponse
        {
            Decision = ProtoMapper.ToProto(answer.Decision),
            CheckId = record.CheckId,
            CheckTime = ProtoMapper.ToTimestamp(now),
            Status = ProtoMapper.ToProto(assessment, policy),
            StatusVersion = version,
        };
        response.Measures.AddRange(answer.Measures.Select(m => new V1.AppliedMeasure
        {
            AgencyCode = m.Measure.Agency,
            MeasureCode = m.Measure.Code,
            Description = m.Measure.Description,
            Effect = m.Effect == MeasureEffect.Prohibit ? V1.CheckDecision.Prohibit : V1.CheckDecision.EnhancedReview,
            LegalBasis = m.Measure.LegalBasis,
        }));
        return response;
    }
}
