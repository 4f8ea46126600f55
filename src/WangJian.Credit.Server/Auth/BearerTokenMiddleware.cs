using Microsoft.Extensions.Primitives;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// Sets the request's user from its bearer token, before ASP.NET Core's authorization checks the roles
/// (<c>[Authorize(Roles = ...)]</c>) and, when they fail, asks <see cref="BearerTokenHandler"/> to answer.
/// </summary>
/// <remarks>
/// In place of <c>UseAuthentication()</c>: that resolves and initializes an authentication handler from
/// the request's services and builds a new principal on every call, about 8 % of the CPU of a
/// GetCreditStatus (profiled under h2load). The principals are fixed at start, so each token maps to one
/// prebuilt ClaimsPrincipal (<see cref="PrincipalRegistry.Authenticate"/>).
/// </remarks>
public sealed class BearerTokenMiddleware(RequestDelegate next, PrincipalRegistry registry)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (TokenOf(context.Request.Headers.Authorization) is { } token && registry.Authenticate(token) is { } principal)
        {
            context.User = principal;
        }

        return next(context);
    }

    /// <summary>The token of an <c>authorization: Bearer &lt;token&gt;</c> header; null when there is none.</summary>
    public static string? TokenOf(StringValues header)
    {
        var value = header.ToString();
        return value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value["Bearer ".Length..].Trim() : null;
    }
}
