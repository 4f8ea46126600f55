using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// Single sign-on: JWT bearer tokens from the institution's identity provider, validated by ASP.NET Core's
/// JwtBearer handler (signature against the issuer's keys — OIDC discovery of <c>Auth:Jwt:Authority</c>, or
/// the JWKS file <c>Auth:Jwt:SigningKeysFile</c> — issuer, audience, lifetime), then mapped to the same
/// principal a static token has: claims <c>role</c>, <c>name</c> (or <c>sub</c>), <c>authorities</c>,
/// <c>agency</c>, <c>uscc</c>.
/// </summary>
public static class JwtAuthentication
{
    public const string Scheme = JwtBearerDefaults.AuthenticationScheme;

    /// <summary>Registers the handler; a bad setting (missing audience, unreadable key file) stops the server.</summary>
    public static void Add(IServiceCollection services, JwtOptions jwt)
    {
        if (string.IsNullOrWhiteSpace(jwt.Audience))
        {
            throw new InvalidOperationException("JWT bearer tokens need the audience this service expects (Auth:Jwt:Audience)");
        }

        var issuer = string.IsNullOrWhiteSpace(jwt.Issuer) ? jwt.Authority : jwt.Issuer;
        if (string.IsNullOrWhiteSpace(issuer))
        {
            throw new InvalidOperationException("a JWKS file needs the issuer its tokens carry (Auth:Jwt:Issuer)");
        }

        IList<SecurityKey>? keys = null;
        if (!string.IsNullOrWhiteSpace(jwt.SigningKeysFile))
        {
            try
            {
                keys = new JsonWebKeySet(File.ReadAllText(jwt.SigningKeysFile)).GetSigningKeys();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Text.Json.JsonException)
            {
                throw new InvalidOperationException($"the JWKS file {jwt.SigningKeysFile} cannot be read: {e.Message} (Auth:Jwt:SigningKeysFile)", e);
            }

            if (keys.Count == 0)
            {
                throw new InvalidOperationException($"the JWKS file {jwt.SigningKeysFile} holds no signing key (Auth:Jwt:SigningKeysFile)");
            }
        }

        // No default scheme (and no single-scheme default): nothing authenticates a request unless
        // BearerTokenMiddleware asks for it, for a token that looks like a JWT. Static tokens stay fast.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication().AddJwtBearer(Scheme, o =>
        {
            o.MapInboundClaims = false;
            if (keys is null)
            {
                o.Authority = jwt.Authority;
                o.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
            }

            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = issuer,
                ValidAudience = jwt.Audience,
                IssuerSigningKeys = keys,
                ValidateIssuer = true,
                ValidateAudience = true,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = "name",
                RoleClaimType = "role",
            };
        });
    }

    /// <summary>Whether a bearer token has the shape of a JWS compact JWT (header.payload.signature).</summary>
    public static bool LooksLikeJwt(string token) =>
        token.StartsWith("eyJ", StringComparison.Ordinal) && token.Count(c => c == '.') == 2;

    /// <summary>The caller of a validated JWT, or why the token is refused.</summary>
    public static async Task<(ClaimsPrincipal? User, string? Failure)> AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
        {
            return (null, result.Failure is { } f ? Reason(f) : "the token was not accepted");
        }

        return Map(result.Principal);
    }

    /// <summary>The principal of a validated token's claims (also an OpenID Connect id token at console sign-in), or why it is refused.</summary>
    public static (ClaimsPrincipal? User, string? Failure) Map(ClaimsPrincipal token)
    {
        var name = token.FindFirstValue("name") ?? token.FindFirstValue("sub");
        var role = token.FindFirstValue("role");
        if (string.IsNullOrWhiteSpace(name))
        {
            return (null, "the token names no caller (claim name or sub)");
        }

        if (role is null || !Roles.All.Contains(role))
        {
            return (null, $"the token's role claim '{role}' is not one of {string.Join(", ", Roles.All)}");
        }

        var scope = AuthorityScope.None;
        if (role == Roles.Regulator)
        {
            scope = AuthorityScope.TryParse(token.FindAll("authorities").Select(c => c.Value), out var error) ?? AuthorityScope.None;
            if (scope.IsEmpty)
            {
                return (null, error ?? "a regulator's token needs the authorities claim (authority codes or prefixes ending in *)");
            }
        }

        string? agency = null;
        if (role == Roles.Agency)
        {
            agency = token.FindFirstValue("agency");
            if (!Agencies.IsKnown(agency))
            {
                return (null, $"an agency's token needs the agency claim, one of {string.Join(", ", Agencies.All)}");
            }
        }

        string? uscc = null;
        if (role == Roles.Operator)
        {
            if (!Uscc.TryParse(token.FindFirstValue("uscc") ?? string.Empty, out var code, out var usccError))
            {
                return (null, $"an operator's token needs its own USCC in the uscc claim: {usccError}");
            }

            uscc = code.Value;
        }

        return (Principals.Create(name, role, agency, uscc, scope, Scheme), null);
    }

    /// <summary>What is wrong with the token, in words; never the token itself.</summary>
    private static string Reason(Exception e) => e switch
    {
        SecurityTokenExpiredException expired => $"the token expired at {expired.Expires:yyyy-MM-dd'T'HH:mm:ss'Z'}",
        SecurityTokenNotYetValidException early => $"the token is not valid before {early.NotBefore:yyyy-MM-dd'T'HH:mm:ss'Z'}",
        SecurityTokenInvalidAudienceException => "the token is for another audience than this service",
        SecurityTokenInvalidIssuerException => "the token was issued by another issuer than the configured one",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature does not verify with the issuer's keys",
        SecurityTokenMalformedException => "the token is not a well-formed JWT",
        SecurityTokenException => $"the token is not valid: {e.GetType().Name.Replace("SecurityToken", string.Empty, StringComparison.Ordinal)}",
        _ => "the issuer's signing keys could not be obtained",
    };
}
