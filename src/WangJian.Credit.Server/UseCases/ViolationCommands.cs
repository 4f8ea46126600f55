using System.Security.Claims;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.UseCases;

/// <summary>What a revocation or a listing repair came to: applied now, or proposed for a second person.</summary>
public sealed record ChangeResult(Violation? Violation, Assessment Assessment, StoredApproval? Approval);

/// <summary>
/// Record, revoke and repair for a signed-in user, whoever asks: the gRPC service (RegulatorGrpcService)
/// and the web console call this one class, so both check the same authority scope, ask for the same
/// second person. Neither awaits the commit barrier here: the request pipeline does, after the call
/// (CommitBarrierInterceptor for RPCs marked [Writes], CommitBarrierFilter for the console's forms).
/// Refusals are RpcExceptions (GrpcErrors) and CommandFailedExceptions (a grain's refusal), mapped to a
/// status in one place (ErrorInterceptor, ConsoleErrors).
/// </summary>
public sealed class ViolationCommands(IGrainFactory grains, PolicyVersions versions, TimeProvider time, FourEyes fourEyes)
{
    /// <summary>The same validation as RecordViolation's, for a form to show inline before anything is sent.</summary>
    public (ViolationDraft? Valid, IReadOnlyList<FieldViolation> Errors) Validate(ViolationDraft draft)
    {
        var now = time.GetUtcNow();
        return draft.Validate(versions.At(now), now);
    }

    /// <summary>The policy in force now (the record form's offense list).</summary>
    public CreditPolicy PolicyNow => versions.At(time.GetUtcNow());

    /// <summary>INVALID_ARGUMENT with field violations, PERMISSION_DENIED outside the scope, ALREADY_EXISTS for a different decision under the same number.</summary>
    public async Task<RecordOutcome> RecordAsync(ViolationDraft draft, ClaimsPrincipal user, IReadOnlyList<FieldViolation>? earlierErrors = null)
    {
        var (valid, errors) = Validate(draft);
        var all = (earlierErrors ?? []).Concat(errors).ToArray();
        if (all.Length > 0 || valid is null)
        {
            throw GrpcErrors.InvalidArgument(all);
        }

        Caller.RequireScope(user, [valid.AuthorityCode], $"recording decision {valid.DecisionNumber}");
        var outcome = await grains.Operator(valid.OperatorId).RecordViolationAsync(valid, Caller.Name(user));
        outcome.OrThrow();

        return outcome;
    }

    /// <summary>Revokes now, or proposes the revocation when it needs a second person (then only an ACTIVE violation).</summary>
    public async Task<ChangeResult> RevokeAsync(string op, string violationId, string reason, ClaimsPrincipal user)
    {
        var grain = grains.Operator(op);
        var violation = await FindInScopeAsync(grain, op, violationId, "revoking", user);
        if (fourEyes.Requires(ProposedChange.Revoke))
        {
            if (violation.Status != ViolationStatus.Active)
            {
                throw GrpcErrors.FailedPrecondition($"violation {violationId} is {violation.Status.ToString().ToUpperInvariant()}; only an ACTIVE violation can be revoked");
            }

            var approval = await fourEyes.ProposeAsync(ProposedChange.Revoke, op, violationId, reason, null, [violation.AuthorityCode], Caller.Name(user));
                return new ChangeResult(violation, await grain.GetAssessmentAsync(null), approval);
        }

        var outcome = await grain.RevokeViolationAsync(violationId, reason, Caller.Name(user), null);
        outcome.OrThrow();

        return new ChangeResult(outcome.Violation, outcome.Assessment!, null);
    }

    /// <summary>Repairs one violation (one step: the repair rules decide when it may).</summary>
    public async Task<ChangeResult> RepairViolationAsync(string op, string violationId, DateTimeOffset? effective, string reason, ClaimsPrincipal user)
    {
        var grain = grains.Operator(op);
        await FindInScopeAsync(grain, op, violationId, "repairing", user);
        var outcome = await grain.RepairViolationAsync(violationId, effective, reason, Caller.Name(user));
        outcome.OrThrow();

        return new ChangeResult(outcome.Violation, outcome.Assessment!, null);
    }

    /// <summary>Repairs the listing now, or proposes it when it needs a second person (refused at once when it could not be applied).</summary>
    public async Task<ChangeResult> RepairListingAsync(string op, DateTimeOffset? effective, string reason, ClaimsPrincipal user)
    {
        var grain = grains.Operator(op);
        var (assessment, authorities) = await ListingInScopeAsync(grain, effective, "repairing the listing of " + op, user);
        if (fourEyes.Requires(ProposedChange.ListingRepair))
        {
            // Refused now rather than at approval when it could not be applied anyway.
            var check = RepairEligibility.CheckListingRepair(versions.Timeline.PolicyOf(assessment), assessment);
            if (!check.Allowed)
            {
                throw GrpcErrors.FailedPrecondition(check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
            }

            var approval = await fourEyes.ProposeAsync(ProposedChange.ListingRepair, op, null, reason, effective, authorities, Caller.Name(user));
                return new ChangeResult(null, await grain.GetAssessmentAsync(null), approval);
        }

        var outcome = await grain.RepairListingAsync(effective, reason, Caller.Name(user), null);
        outcome.OrThrow();

        return new ChangeResult(outcome.Violation, outcome.Assessment!, null);
    }

    /// <summary>
    /// The violation, after checking that the caller's scope covers its authority: NOT_FOUND when the operator
    /// has no such violation, PERMISSION_DENIED naming the authority and the scope when it is not the caller's.
    /// </summary>
    private static async Task<Violation> FindInScopeAsync(IOperatorGrain grain, string op, string violationId, string what, ClaimsPrincipal user)
    {
        var history = await grain.GetHistoryAsync();
        var violation = history.Violations.FirstOrDefault(v => v.Id == violationId)
            ?? throw GrpcErrors.NotFound($"operator {op} has no violation {violationId}");
        Caller.RequireScope(user, [violation.AuthorityCode], $"{what} {violationId}");
        return violation;
    }

    /// <summary>
    /// The assessment at <paramref name="at"/> and the authorities of every violation behind its listing, after
    /// checking that the caller's scope covers all of them (the authority that listed is the one that repairs).
    /// Not listed: no authority to check; the repair itself then answers FAILED_PRECONDITION.
    /// </summary>
    public static async Task<(Assessment Assessment, IReadOnlyList<string> Authorities)> ListingInScopeAsync(IOperatorGrain grain, DateTimeOffset? at, string what, ClaimsPrincipal user)
    {
        var assessment = await grain.GetAssessmentAsync(at);
        if (assessment.Listing is not { } listing)
        {
            return (assessment, []);
        }

        var behind = listing.Triggers.SelectMany(t => t.ViolationIds).ToHashSet(StringComparer.Ordinal);
        var history = await grain.GetHistoryAsync();
        var authorities = history.Violations.Where(v => behind.Contains(v.Id)).Select(v => v.AuthorityCode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        Caller.RequireScope(user, authorities, what);
        return (assessment, authorities);
    }
}
