using System.Security.Claims;
using Grpc.Core;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Who is calling, from the authenticated principal.</summary>
public static class Caller
{
    public static string Name(ServerCallContext context) =>
        context.GetHttpContext().User.Identity?.Name ?? "anonymous";

    /// <summary>The agency code an agency principal is bound to.</summary>
    public static string Agency(ServerCallContext context) =>
        context.GetHttpContext().User.FindFirstValue(Roles.AgencyClaim)
        ?? throw GrpcErrors.PermissionDenied("this principal is not bound to an agency");
}
