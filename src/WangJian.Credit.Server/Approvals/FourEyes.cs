using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Approvals;

/// <summary>Who is deciding: name, role and, for a regulator, its authority scope.</summary>
public sealed record Decider(string Name, string Role, AuthorityScope Scope);

/// <summary>
/// A second person for grave changes. A revocation or listing repair that needs one is stored as a pending
/// approval and changes nothing; a different regulator whose scope covers the target approves it, and only
/// then is the change applied, exactly as the one-step call would apply it, with both names in the history.
/// </summary>
/// <remarks>
/// Approving moves the approval to Applying (a compare-and-set: of two approvers one wins, and a reject
/// can no longer slip in), applies the change under the approval's id (the grain applies one approval id
/// once), then marks it Approved. A crash between the two leaves it Applying: <see cref="ResumeAsync"/> at
/// start, or the next approve, finishes it, and it is still applied once.
/// </remarks>
public sealed class FourEyes(ApprovalStore store, IGrainFactory grains, TimeProvider time, ApprovalsOptions options, IServiceProvider services)
{
    private readonly IReadOnlySet<ProposedChange> gated = Parse(options.SecondPersonFor);

    /// <summary>Whether <paramref name="action"/> needs a second person.</summary>
    public bool Requires(ProposedChange action) => gated.Contains(action);

    /// <summary>The actions of <c>Approvals:SecondPersonFor</c>; a bad entry stops the server at start.</summary>
    public static IReadOnlySet<ProposedChange> Parse(string? setting)
    {
        var set = new HashSet<ProposedChange>();
        foreach (var entry in (setting ?? string.Empty).Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            switch (entry.ToUpperInvariant())
            {
                case "NONE":
                    break;
                case "REVOKE":
                    set.Add(ProposedChange.Revoke);
                    break;
                case "LISTING_REPAIR":
                    set.Add(ProposedChange.ListingRepair);
                    break;
                case "PUBLISH_POLICY":
                    set.Add(ProposedChange.PublishPolicy);
                    break;
                default:
                    throw new InvalidOperationException($"'{entry}' is not an action that can need a second person: REVOKE, LISTING_REPAIR, PUBLISH_POLICY or NONE (Approvals:SecondPersonFor)");
            }
        }

        return set;
    }

    /// <summary>Stores a pending approval (or finds the open one for the same change).</summary>
    public async Task<StoredApproval> ProposeAsync(ProposedChange action, string operatorId, string? violationId, string reason, DateTimeOffset? effectiveAt, IReadOnlyList<string> authorities, string proposedBy)
    {
        var now = time.GetUtcNow();
        var proposal = new StoredApproval(ApprovalStore.NewId(now), action, operatorId, violationId, reason, effectiveAt, authorities, proposedBy, now, now + options.ExpireAfter);
        var (approval, _) = await store.ProposeAsync(proposal, now);
        return approval;
    }

    /// <summary>Stores a pending publication of a policy version (or finds the open one for the same version).</summary>
    public async Task<StoredApproval> ProposePolicyAsync(string version, string document, DateTimeOffset effectiveFrom, string proposedBy)
    {
        var now = time.GetUtcNow();
        var proposal = new StoredApproval(
            ApprovalStore.NewId(now), ProposedChange.PublishPolicy, string.Empty, null, $"publish policy {version}", effectiveFrom, [], proposedBy, now, now + options.ExpireAfter,
            PolicyVersion: version, PolicyDocument: document);
        var (approval, _) = await store.ProposeAsync(proposal, now);
        return approval;
    }

    /// <summary>
    /// Approves (applying the change) or rejects. Refusals: NOT_FOUND, PERMISSION_DENIED (the proposer, a
    /// caller out of scope, an admin approving), FAILED_PRECONDITION (decided already, expired, or the change
    /// can no longer be applied: the approval is then FAILED with the reason).
    /// </summary>
    /// <param name="approvalId">The approval to decide.</param>
    /// <param name="approve">Approve (and apply) or reject.</param>
    /// <param name="reason">Why, kept with the decision.</param>
    /// <param name="who">The deciding principal.</param>
    /// <param name="found">Told the approval as soon as it is found, before any refusal (the access log notes its operator).</param>
    public async Task<(StoredApproval Approval, CommandOutcome? Applied)> DecideAsync(string approvalId, bool approve, string reason, Decider who, Action<StoredApproval>? found = null)
    {
        var approval = await store.GetAsync(approvalId) ?? throw GrpcErrors.NotFound($"there is no approval {approvalId}");
        found?.Invoke(approval);
        var now = time.GetUtcNow();
        Authorize(approval, approve, who);

        if (approval.State == ApprovalStage.Applying && approve)
        {
            // Decided before a crash and not yet known to be applied: finish it (the grain applies it once).
            return await ApplyAsync(approval);
        }

        if (approval.State != ApprovalStage.Pending)
        {
            throw GrpcErrors.FailedPrecondition($"approval {approvalId} is already {approval.State.ToString().ToUpperInvariant()} (by {approval.DecidedBy})");
        }

        if (approval.IsExpiredAt(now))
        {
            throw GrpcErrors.FailedPrecondition($"approval {approvalId} expired at {approval.ExpiresAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} without a decision; propose the change again");
        }

        var decided = approval with
        {
            State = approve ? ApprovalStage.Applying : ApprovalStage.Rejected,
            DecidedBy = who.Name,
            DecidedAt = now,
            DecisionReason = reason,
        };
        if (await store.TransitionAsync(decided, ApprovalStage.Pending, now) is { } stage)
        {
            throw GrpcErrors.FailedPrecondition($"approval {approvalId} was decided meanwhile: it is {stage.ToString().ToUpperInvariant()}");
        }

        return approve ? await ApplyAsync(decided) : (decided, null);
    }

    /// <summary>Finishes every approval decided before a crash but not known to be applied.</summary>
    public async Task ResumeAsync()
    {
        foreach (var approval in await store.ApplyingAsync())
        {
            await ApplyAsync(approval);
        }
    }

    private static void Authorize(StoredApproval approval, bool approve, Decider who)
    {
        if (approval.Action == ProposedChange.PublishPolicy)
        {
            if (who.Role != Roles.Admin)
            {
                throw GrpcErrors.PermissionDenied($"the publication of policy {approval.PolicyVersion} is decided by a second admin, not a {who.Role}");
            }

            if (string.Equals(who.Name, approval.ProposedBy, StringComparison.Ordinal))
            {
                throw GrpcErrors.PermissionDenied($"{who.Name} proposed the publication of policy {approval.PolicyVersion} and cannot decide it: a second admin must");
            }

            return;
        }

        var target = approval.Action == ProposedChange.Revoke ? $"the revocation of {approval.ViolationId}" : $"the listing repair of {approval.OperatorId}";
        if (who.Role == Roles.Admin)
        {
            if (approve)
            {
                throw GrpcErrors.PermissionDenied($"an admin may reject but not approve {target}: applying it needs a regulator whose scope covers {string.Join(", ", approval.AuthorityCodes)}");
            }

            return;
        }

        if (string.Equals(who.Name, approval.ProposedBy, StringComparison.Ordinal))
        {
            throw GrpcErrors.PermissionDenied($"{who.Name} proposed {target} and cannot decide it: a second regulator must");
        }

        var outside = approval.AuthorityCodes.Where(a => !who.Scope.Covers(a)).ToArray();
        if (outside.Length > 0)
        {
            throw GrpcErrors.PermissionDenied($"{target} concerns authority {string.Join(", ", outside)}, outside the scope of {who.Name} ({who.Scope})");
        }
    }

    private async Task<(StoredApproval, CommandOutcome?)> ApplyAsync(StoredApproval approval)
    {
        if (approval.Action == ProposedChange.PublishPolicy)
        {
            return await PublishAsync(approval);
        }

        var second = new SecondPerson(approval.ApprovalId, approval.DecidedBy!, approval.DecidedAt!.Value);
        var grain = grains.Operator(approval.OperatorId);
        var outcome = approval.Action == ProposedChange.Revoke
            ? await grain.RevokeViolationAsync(approval.ViolationId!, approval.Reason, approval.ProposedBy, second)
            : await grain.RepairListingAsync(approval.EffectiveAt, approval.Reason, approval.ProposedBy, second);
        var now = time.GetUtcNow();
        if (outcome.Error is { } error)
        {
            var failed = approval with { State = ApprovalStage.Failed, Failure = error.Message };
            await store.TransitionAsync(failed, ApprovalStage.Applying, now);
            throw new CommandFailedException(error);
        }

        var approved = approval with { State = ApprovalStage.Approved };
        await store.TransitionAsync(approved, ApprovalStage.Applying, now);
        return (approved, outcome);
    }

    private async Task<(StoredApproval, CommandOutcome?)> PublishAsync(StoredApproval approval)
    {
        var catalog = services.GetRequiredService<Policies.PolicyCatalog>();
        try
        {
            await catalog.CommitAsync(new Policies.StoredPolicy(
                approval.PolicyVersion!, approval.PolicyDocument!, approval.EffectiveAt!.Value, approval.ProposedBy, approval.DecidedAt!.Value, approval.ApprovalId));
        }
        catch (global::Grpc.Core.RpcException e) when (e.StatusCode is global::Grpc.Core.StatusCode.FailedPrecondition or global::Grpc.Core.StatusCode.AlreadyExists)
        {
            var failed = approval with { State = ApprovalStage.Failed, Failure = e.Status.Detail };
            await store.TransitionAsync(failed, ApprovalStage.Applying, time.GetUtcNow());
            throw;
        }

        var approved = approval with { State = ApprovalStage.Approved };
        await store.TransitionAsync(approved, ApprovalStage.Applying, time.GetUtcNow());
        return (approved, null);
    }
}
