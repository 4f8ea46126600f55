using System.Security.Claims;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.UseCases;

/// <summary>
/// The approvals a second person works from and their decision, for RegulatorGrpcService (ListApprovals,
/// DecideApproval) and the console's inbox: the same scope filter and the same four-eyes rules.
/// </summary>
public sealed class ApprovalInbox(ApprovalStore store, FourEyes fourEyes, TimeProvider time)
{
    /// <summary>Pending (or decided) approvals whose target is within the user's scope (an admin sees all), newest first.</summary>
    public Task<(IReadOnlyList<StoredApproval> Items, IndexPosition? Next)> ListAsync(ClaimsPrincipal user, string? op, bool decided, IndexPosition? after, int size)
    {
        var admin = user.IsInRole(Roles.Admin);
        var scope = Principals.Scope(user);
        var now = time.GetUtcNow();
        return store.QueryAsync(
            a => (op is null || a.OperatorId == op)
                && (a.State == ApprovalStage.Pending && !a.IsExpiredAt(now)) != decided
                && (admin || scope.CoversAll(a.AuthorityCodes)),
            after,
            size);
    }

    /// <summary>Approve (apply the change) or reject; refusals as <see cref="FourEyes.DecideAsync"/> gives them.</summary>
    public Task<(StoredApproval Approval, CommandOutcome? Applied)> DecideAsync(ClaimsPrincipal user, string approvalId, bool approve, string reason, Action<StoredApproval>? found = null) =>
        fourEyes.DecideAsync(approvalId, approve, reason, Caller.Decider(user), found);
}
