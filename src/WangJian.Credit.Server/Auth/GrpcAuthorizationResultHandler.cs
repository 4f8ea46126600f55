using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Http;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// Answers ASP.NET Core's authorization decisions as gRPC statuses with a reason, not bare HTTP 401/403:
/// no known caller → UNAUTHENTICATED, a known caller of the wrong role → PERMISSION_DENIED; to REST/JSON
/// callers as the same google.rpc.Status in JSON with HTTP 401 / 403.
/// </summary>
public sealed class GrpcAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    /// <summary>Console pages challenge and forbid the web way: to the sign-in page, or the 'denied' page.</summary>
    private readonly AuthorizationMiddlewareResultHandler web = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Succeeded)
        {
            return next(context);
        }

        if (Web.ConsoleWeb.IsConsolePath(context.Request.Path))
        {
            return web.HandleAsync(next, context, policy, authorizeResult);
        }

        return authorizeResult.Challenged
            ? WriteAsync(context, global::Grpc.Core.StatusCode.Unauthenticated, string.IsNullOrEmpty(context.Request.Headers.Authorization)
                ? "missing credentials: send 'authorization: Bearer <token>'"
                : context.Features.Get<AuthenticationFailure>() is { } failure
                    ? $"invalid credentials: {failure.Reason}"
                    : "invalid credentials: the bearer token is not known")
            : WriteAsync(context, global::Grpc.Core.StatusCode.PermissionDenied, $"role '{context.User.FindFirstValue(ClaimTypes.Role)}' may not call {context.Request.Path}");
    }

    private static Task WriteAsync(HttpContext context, global::Grpc.Core.StatusCode code, string message)
    {
        // REST/JSON callers (JSON transcoding) get the google.rpc.Status as JSON with 401 / 403.
        return context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
            ? TrailersOnly.WriteAsync(context.Response, code, message)
            : JsonStatus.WriteAsync(context.Response, code, message);
    }
}
