using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Policies;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// PolicyService: a thin mapping onto <see cref="PolicyCatalog"/> and <see cref="PolicySimulator"/>, which
/// the web console calls in-process for the same pages.
/// </summary>
[Authorize(Roles = Roles.PolicyReads)]
public sealed class PolicyGrpcService(PolicyCatalog catalog, PolicySimulator simulator, TimeProvider time) : PolicyService.PolicyServiceBase
{
    /// <summary>At most one progress message per this interval (the last page's is always sent).</summary>
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);

    public override async Task<ListPoliciesResponse> ListPolicies(ListPoliciesRequest request, ServerCallContext context)
    {
        var views = await catalog.ListAsync();
        var response = new ListPoliciesResponse { CurrentVersion = catalog.Timeline.At(time.GetUtcNow()).Version };
        response.Policies.AddRange(views.Select(ToProto));
        return response;
    }

    public override async Task<GetPolicyResponse> GetPolicy(GetPolicyRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        RequestFields.Required(request.Version, "version", 64, errors);
        RequestFields.ThrowIfAny(errors);
        var view = await catalog.GetAsync(request.Version.Trim())
            ?? throw GrpcErrors.NotFound($"there is no policy version {request.Version.Trim()}; published: {string.Join(", ", catalog.Timeline.Versions.Select(v => v.Version))}");
        return new GetPolicyResponse { Policy = ToProto(view), Document = view.Document };
    }

    public override Task<ValidatePolicyResponse> ValidatePolicy(ValidatePolicyRequest request, ServerCallContext context)
    {
        var verdict = catalog.Validate(request.Document);
        var response = new ValidatePolicyResponse { Valid = verdict.Valid, Version = verdict.Version ?? string.Empty, VersionPublished = verdict.VersionPublished };
        response.Errors.AddRange(verdict.Errors);
        return Task.FromResult(response);
    }

    public override async Task SimulatePolicy(SimulatePolicyRequest request, IServerStreamWriter<SimulatePolicyResponse> responseStream, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var asOf = ProtoMapper.ToInstant(request.AsOf, "as_of", errors);
        var from = ProtoMapper.ToInstant(request.ChecksFrom, "checks_from", errors);
        var to = ProtoMapper.ToInstant(request.ChecksTo, "checks_to", errors);
        var last = DateTimeOffset.MinValue;
        var report = await simulator.SimulateAsync(catalog.Validate(request.Document), asOf, from, to, errors, async p =>
        {
            var at = time.GetUtcNow();
            if (at - last < ProgressEvery && p.Done < p.Total)
            {
                return;
            }

            last = at;
            await responseStream.WriteAsync(new SimulatePolicyResponse { Progress = new V1.SimulationProgress { Phase = p.Phase, Done = p.Done, Total = p.Total } });
        }, context.CancellationToken);
        await responseStream.WriteAsync(new SimulatePolicyResponse { Report = ToProto(report) });
    }

    /// <summary>Answered after the commit barrier (<see cref="WritesAttribute"/>): a published version or a stored approval is on disk.</summary>
    [Authorize(Roles = Roles.PolicyPublish)]
    [Writes]
    public override async Task<PublishPolicyResponse> PublishPolicy(PublishPolicyRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var effective = ProtoMapper.ToInstant(request.EffectiveFrom, "effective_from", errors);
        RequestFields.ThrowIfAny(errors);
        var result = await catalog.PublishAsync(request.Document, effective, Caller.Name(context));
        var response = new PublishPolicyResponse();
        if (result.Published is { } view)
        {
            response.Policy = ToProto(view);
        }

        if (result.Pending is { } approval)
        {
            response.Approval = RegulatorGrpcService.ApprovalProto(approval, time.GetUtcNow());
        }

        return response;
    }

    public static PublishedPolicy ToProto(PolicyView v)
    {
        var p = new PublishedPolicy
        {
            Version = v.Version,
            EffectiveFrom = ProtoMapper.ToTimestamp(v.EffectiveFrom),
            PublishedBy = v.PublishedBy,
            PublishTime = ProtoMapper.ToTimestamp(v.PublishedAt),
            ApprovalId = v.ApprovalId ?? string.Empty,
            InForce = v.InForce,
            Rollout = new V1.PolicyRollout
            {
                State = v.Rollout.Stage switch
                {
                    RolloutStage.NotNeeded => RolloutState.NotNeeded,
                    RolloutStage.Scheduled => RolloutState.Scheduled,
                    RolloutStage.Running => RolloutState.Running,
                    RolloutStage.Done => RolloutState.Done,
                    _ => RolloutState.Superseded,
                },
                OperatorsTotal = v.Rollout.Total,
                OperatorsAssessed = v.Rollout.Assessed,
                OperatorsChanged = v.Rollout.Changed,
            },
        };
        if (v.EffectiveUntil is { } until)
        {
            p.EffectiveUntil = ProtoMapper.ToTimestamp(until);
        }

        if (v.Rollout.StartedAt is { } s)
        {
            p.Rollout.StartTime = ProtoMapper.ToTimestamp(s);
        }

        if (v.Rollout.FinishedAt is { } e)
        {
            p.Rollout.FinishTime = ProtoMapper.ToTimestamp(e);
        }

        return p;
    }

    public static V1.SimulationReport ToProto(Policies.SimulationReport r)
    {
        var p = new V1.SimulationReport
        {
            BaselineVersion = r.BaselineVersion,
            CandidateVersion = r.CandidateVersion,
            AsOf = ProtoMapper.ToTimestamp(r.AsOf),
            OperatorsAssessed = r.OperatorsAssessed,
            OperatorsChanged = r.OperatorsChanged,
            ScoresChanged = r.ScoresChanged,
            NewlyListedCount = r.NewlyListedCount,
            DelistedCount = r.DelistedCount,
            ElapsedMs = (long)r.Elapsed.TotalMilliseconds,
            CheckReplay = new CheckReplay
            {
                From = ProtoMapper.ToTimestamp(r.Checks.From),
                To = ProtoMapper.ToTimestamp(r.Checks.To),
                ChecksReplayed = r.Checks.Replayed,
                ChecksChanged = r.Checks.Changed,
            },
        };
        p.Transitions.AddRange(r.Transitions.Select(t => new V1.GradeTransition { From = t.From, To = t.To, Count = t.Count }));
        p.ScoreChanges.AddRange(r.ScoreChanges.Select(b => new V1.ScoreChangeBucket { MinDelta = (double)b.MinDelta, MaxDelta = (double)b.MaxDelta, Count = b.Count }));
        p.NewlyListed.AddRange(r.NewlyListed);
        p.Delisted.AddRange(r.Delisted);
        p.Notices.AddRange(r.Notices.Select(n => new V1.AgencyNoticeCount { AgencyCode = n.Agency, Impose = n.Impose, Lift = n.Lift }));
        p.CheckReplay.Flips.AddRange(r.Checks.Flips.Select(f => new CheckFlip
        {
            AgencyCode = f.Agency,
            Matter = f.Matter,
            Before = ProtoMapper.ToProto(f.Before),
            After = ProtoMapper.ToProto(f.After),
            Count = f.Count,
        }));
        p.CheckReplay.Examples.AddRange(r.Checks.Examples.Select(e => new V1.CheckFlipExample
        {
            CheckId = e.CheckId,
            OperatorId = e.OperatorId,
            AgencyCode = e.Agency,
            Matter = e.Matter,
            CheckTime = ProtoMapper.ToTimestamp(e.CheckedAt),
            Before = ProtoMapper.ToProto(e.Before),
            After = ProtoMapper.ToProto(e.After),
        }));
        return p;
    }
}
