using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using WangJian.Credit.Server.Grpc;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// <c>authorization: Bearer &lt;token&gt;</c> → a principal with its role (and agency). A missing or unknown
/// token fails authentication (gRPC UNAUTHENTICATED); a known token of the wrong role fails authorization
/// (PERMISSION_DENIED). Requests are authenticated by <see cref="BearerTokenMiddleware"/>; this scheme answers
/// the challenge and the forbid of ASP.NET Core's authorization with gRPC statuses.
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    PrincipalRegistry registry) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Bearer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(BearerTokenMiddleware.TokenOf(Request.Headers.Authorization) switch
        {
            null when string.IsNullOrEmpty(Request.Headers.Authorization) => AuthenticateResult.NoResult(),
            null => AuthenticateResult.Fail("authorization must be 'Bearer <token>'"),
            var token => registry.Authenticate(token) is { } principal
                ? AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName))
                : AuthenticateResult.Fail("unknown token"),
        });

    // A gRPC client should see a gRPC status with a reason, not a bare HTTP 401/403.
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteGrpcStatusAsync(16, string.IsNullOrEmpty(Request.Headers.Authorization)
            ? "missing credentials: send 'authorization: Bearer <token>'"
            : "invalid credentials: the bearer token is not known");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteGrpcStatusAsync(7, $"role '{Context.User.FindFirstValue(ClaimTypes.Role)}' may not call {Request.Path}");

    private Task WriteGrpcStatusAsync(int code, string message)
    {
        if (Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            Response.StatusCode = code == 16 ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        return TrailersOnly.WriteAsync(Response, (global::Grpc.Core.StatusCode)code, message);
    }
}
