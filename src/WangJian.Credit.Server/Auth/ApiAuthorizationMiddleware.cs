using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Http;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// The roles of <c>[Authorize(Roles = ...)]</c> on the API's endpoints (gRPC and their REST/JSON routes), checked
/// against the caller that <see cref="BearerTokenMiddleware"/> found: no known caller → UNAUTHENTICATED with the
/// reason, a known caller of the wrong role → PERMISSION_DENIED naming the role and the rpc; to REST/JSON callers
/// the same google.rpc.Status as JSON with HTTP 401 / 403. Console pages keep ASP.NET Core's authorization
/// (their session cookie, the sign-in page, the 'denied' page).
/// </summary>
/// <remarks>
/// The same decision ASP.NET Core's AuthorizationMiddleware takes for these attributes (every [Authorize] of
/// the service and the method must be met; each names roles of which one suffices; [AllowAnonymous] waives
/// them), computed once per endpoint instead of a policy evaluation per call: that evaluation (policy
/// combination, the evaluator and handlers resolved per request) was ~10 % of the CPU of a GetCreditStatus.
/// An API endpoint asking for anything else (a named policy, a scheme) is refused rather than let through.
/// </remarks>
public sealed class ApiAuthorizationMiddleware(RequestDelegate next)
{
    private readonly ConcurrentDictionary<Endpoint, EndpointRoles> rules = new();

    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is not { } endpoint || Web.ConsoleWeb.IsConsolePath(context.Request.Path))
        {
            return next(context);
        }

        var rule = rules.GetOrAdd(endpoint, EndpointRoles.Of);
        var user = context.User;
        if (rule.Anonymous)
        {
            return next(context);
        }

        if (user.Identity?.IsAuthenticated != true)
        {
            return RefuseAsync(context, global::Grpc.Core.StatusCode.Unauthenticated, string.IsNullOrEmpty(context.Request.Headers.Authorization)
                ? "missing credentials: send 'authorization: Bearer <token>'"
                : context.Features.Get<AuthenticationFailure>() is { } failure
                    ? $"invalid credentials: {failure.Reason}"
                    : "invalid credentials: the bearer token is not known");
        }

        return rule.Admits(user)
            ? next(context)
            : RefuseAsync(context, global::Grpc.Core.StatusCode.PermissionDenied, $"role '{user.FindFirstValue(ClaimTypes.Role)}' may not call {context.Request.Path}");
    }

    private static async Task RefuseAsync(HttpContext context, global::Grpc.Core.StatusCode code, string message)
    {
        await MessageValidationMiddleware.NoteRefusedOperatorsAsync(context);
        await (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
            ? TrailersOnly.WriteAsync(context.Response, code, message)
            : JsonStatus.WriteAsync(context.Response, code, message));
    }

    /// <summary>What one endpoint requires: nothing (<see cref="Anonymous"/>), or one of the roles of each of its [Authorize].</summary>
    internal sealed class EndpointRoles
    {
        private readonly string[][] required;

        private EndpointRoles(bool anonymous, string[][] required)
        {
            Anonymous = anonymous;
            this.required = required;
        }

        public bool Anonymous { get; }

        public static EndpointRoles Of(Endpoint endpoint)
        {
            var authorize = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>();
            if (authorize.Count == 0 || endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                return new EndpointRoles(true, []);
            }

            var required = new List<string[]>();
            foreach (var data in authorize)
            {
                if (!string.IsNullOrEmpty(data.Policy) || !string.IsNullOrEmpty(data.AuthenticationSchemes))
                {
                    throw new InvalidOperationException($"{endpoint.DisplayName}: the API checks roles only, not policy '{data.Policy}' or schemes '{data.AuthenticationSchemes}'");
                }

                if (!string.IsNullOrWhiteSpace(data.Roles))
                {
                    required.Add(data.Roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                }
            }

            return new EndpointRoles(false, [.. required]);
        }

        /// <summary>An authenticated caller holding one role of every [Authorize].</summary>
        public bool Admits(ClaimsPrincipal user)
        {
            foreach (var roles in required)
            {
                if (!Array.Exists(roles, user.IsInRole))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
