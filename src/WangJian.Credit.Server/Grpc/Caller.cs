using System.Security.Claims;
using Grpc.Core;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Who is calling, from the authenticated principal, and what it is bound to.</summary>
public static class Caller
{
    public static string Name(ServerCallContext context) => Name(context.GetHttpContext().User);

    public static string Name(ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";

    /// <summary>The agency code an agency principal is bound to.</summary>
    public static string Agency(ServerCallContext context) => Agency(context.GetHttpContext().User);

    public static string Agency(ClaimsPrincipal user) =>
        user.FindFirstValue(Roles.AgencyClaim) ?? throw GrpcErrors.PermissionDenied("this principal is not bound to an agency");

    /// <summary>The caller as a decider of approvals.</summary>
    public static Decider Decider(ServerCallContext context) => Decider(context.GetHttpContext().User);

    public static Decider Decider(ClaimsPrincipal user) => new(Name(user), Principals.Role(user) ?? string.Empty, Principals.Scope(user));

    /// <summary>The authority scope of a regulator (empty for other roles).</summary>
    public static AuthorityScope Scope(ServerCallContext context) => Principals.Scope(context.GetHttpContext().User);

    /// <summary>PERMISSION_DENIED naming the authorities and the caller's scope unless the scope covers all of them.</summary>
    public static void RequireScope(ServerCallContext context, IEnumerable<string> authorities, string what) =>
        RequireScope(context.GetHttpContext().User, authorities, what);

    /// <inheritdoc cref="RequireScope(ServerCallContext, IEnumerable{string}, string)"/>
    public static void RequireScope(ClaimsPrincipal user, IEnumerable<string> authorities, string what)
    {
        var scope = Principals.Scope(user);
        var outside = authorities.Where(a => !scope.Covers(a)).Distinct(StringComparer.Ordinal).ToArray();
        if (outside.Length > 0)
        {
            throw GrpcErrors.PermissionDenied(OutOfScope(Name(user), scope, outside, what));
        }
    }

    public static string OutOfScope(string name, AuthorityScope scope, IReadOnlyList<string> outside, string what) =>
        $"{what}: authority {string.Join(", ", outside)} is outside the scope of {name} ({scope})";

    /// <summary>
    /// For an operator principal, PERMISSION_DENIED unless every id is its own USCC; other roles pass.
    /// </summary>
    public static void RequireOwnOperator(ServerCallContext context, IEnumerable<string> operatorIds) =>
        RequireOwnOperator(context.GetHttpContext().User, operatorIds);

    /// <inheritdoc cref="RequireOwnOperator(ServerCallContext, IEnumerable{string})"/>
    public static void RequireOwnOperator(ClaimsPrincipal user, IEnumerable<string> operatorIds)
    {
        if (!user.IsInRole(Roles.Operator))
        {
            return;
        }

        var own = user.FindFirstValue(Roles.UsccClaim);
        var other = operatorIds.FirstOrDefault(id => !string.Equals(id, own, StringComparison.Ordinal));
        if (own is null || other is not null)
        {
            throw GrpcErrors.PermissionDenied($"operator principal {Name(user)} may read only its own credit status ({own}), not {other}");
        }
    }
}
