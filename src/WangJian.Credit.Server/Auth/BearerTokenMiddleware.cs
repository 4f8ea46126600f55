namespace WangJian.Credit.Server.Auth;

/// <summary>
/// <c>authorization: Bearer &lt;token&gt;</c> → the request's user, with its name, role (and agency, USCC or
/// authority scope), before <see cref="ApiAuthorizationMiddleware"/> checks the roles of <c>[Authorize(Roles = ...)]</c>.
/// A missing or unknown token leaves the user anonymous: authorization then answers UNAUTHENTICATED, and a
/// known caller of the wrong role PERMISSION_DENIED.
/// </summary>
/// <remarks>
/// In place of an ASP.NET Core authentication scheme for static tokens: that resolves and initializes a
/// handler from the request's services and builds a new principal on every call, about 8 % of the CPU of a
/// GetCreditStatus (profiled under h2load). Each static token maps to one prebuilt ClaimsPrincipal
/// (<see cref="PrincipalRegistry.Authenticate(ReadOnlySpan{char})"/>). Only a token shaped like a JWT, with single sign-on
/// configured, goes through the JwtBearer handler (<see cref="JwtAuthentication"/>).
/// </remarks>
public sealed class BearerTokenMiddleware(RequestDelegate next, PrincipalRegistry registry, JwtSignOn jwt)
{
    public Task InvokeAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization;
        var token = header.Count == 1 ? TokenOf(header[0]) : TokenOf(header.ToString());
        if (token.IsEmpty)
        {
            return next(context);
        }

        if (registry.Authenticate(token) is { } principal)
        {
            context.User = principal;
            return next(context);
        }

        return jwt.Enabled && JwtAuthentication.LooksLikeJwt(token.ToString()) ? SignOnAsync(context) : next(context);
    }

    private async Task SignOnAsync(HttpContext context)
    {
        var (user, failure) = await JwtAuthentication.AuthenticateAsync(context);
        if (user is not null)
        {
            context.User = user;
        }
        else
        {
            context.Features.Set(new AuthenticationFailure(failure!));
        }

        await next(context);
    }

    /// <summary>The token of an <c>authorization: Bearer &lt;token&gt;</c> header; empty when there is none (no copy).</summary>
    private static ReadOnlySpan<char> TokenOf(string? value) =>
        value is not null && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value.AsSpan("Bearer ".Length).Trim() : default;
}

/// <summary>Whether single sign-on (JWT bearer tokens) is configured.</summary>
public sealed record JwtSignOn(bool Enabled);

/// <summary>Why a presented JWT was refused, for the UNAUTHENTICATED answer.</summary>
public sealed record AuthenticationFailure(string Reason);
