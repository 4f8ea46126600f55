using System.Security.Claims;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.UseCases;

/// <summary>One answered pre-approval check: the decision with its measures, the record stored, the status it was decided on (and its message).</summary>
public sealed record AnsweredCheck(CheckAnswer Answer, StoredCheck Record, Assessment Assessment, CreditStatus Status, long StatusVersion);

/// <summary>
/// A pre-approval check by the agency the user is bound to, for AgencyGrpcService.CheckOperator and the
/// console's check form alike: the answer is stored, and on disk (the pipeline's commit barrier) before it is given.
/// </summary>
public sealed class AgencyChecks(CreditReads reads, PolicyVersions versions, TimeProvider time, ICheckLogWriter checks)
{
    // Matters only grow across versions (PolicyCatalog.Validate); computed once per timeline.
    private (PolicyTimeline Timeline, IReadOnlySet<string> Matters) known;

    /// <summary>The matters a check may name, in order.</summary>
    public IReadOnlyList<string> Matters => KnownMatters().Order(StringComparer.Ordinal).ToArray();

    private IReadOnlySet<string> KnownMatters()
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

    /// <summary>The field violations of a matter (empty when it is known).</summary>
    public void ValidateMatter(string matter, List<FieldViolation> errors)
    {
        if (matter.Length == 0)
        {
            errors.Add(new("matter", "matter is required, e.g. GOV_PROCUREMENT"));
        }
        else if (!KnownMatters().Contains(matter))
        {
            // An unknown matter is far more likely a typo than a matter no measure covers; saying so
            // beats an ALLOW the agency might act on.
            errors.Add(new("matter", $"unknown matter '{(matter.Length > 64 ? matter[..64] : matter)}'; known matters: {string.Join(", ", Matters)}"));
        }
    }

    /// <summary>Decides, stores and answers; <paramref name="op"/> and <paramref name="matter"/> are already validated.</summary>
    public async Task<AnsweredCheck> CheckAsync(ClaimsPrincipal user, string op, string matter)
    {
        var agency = Caller.Agency(user);
        var ((assessment, version), status) = await reads.StatusWithMessageAsync(op);
        var answer = PreApprovalCheck.Decide(assessment, versions.Timeline.PolicyOf(assessment), agency, matter);
        var now = time.GetUtcNow();
        var record = new StoredCheck(
            StoredCheck.NewId(now),
            agency,
            Caller.Name(user),
            op,
            matter,
            answer.Decision,
            answer.MeasureCodes,
            assessment.Score,
            assessment.Grade,
            assessment.Blacklisted,
            assessment.PolicyVersion,
            now,
            version);
        await checks.AppendAsync(record);
        Grains.CreditMetrics.Checked(agency, answer.Decision);
        return new AnsweredCheck(answer, record, assessment, status, version);
    }
}
