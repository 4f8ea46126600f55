using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace WangJian.Credit.Console.Tests;

/// <summary>
/// A small OpenID Connect provider on loopback for the console's sign-in test: discovery, keys, an
/// authorize endpoint that signs in one configured user at once, and a token endpoint that checks the
/// client, the redirect URI and the PKCE verifier before it issues an RS256 id token.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    private readonly RsaSecurityKey key = new(RSA.Create(2048)) { KeyId = "test-key" };
    private readonly ConcurrentDictionary<string, (string ClientId, string RedirectUri, string Challenge, string? Nonce)> codes = new();
    private WebApplication? app;

    public string Issuer { get; private set; } = "";

    public string ClientId { get; init; } = "wj-console";

    /// <summary>The claims of the user who signs in (role, name, authorities …).</summary>
    public Dictionary<string, object> User { get; } = new();

    /// <summary>Authorize requests seen, for the test to check what the console asked for.</summary>
    public ConcurrentQueue<IQueryCollection> Authorizations { get; } = new();

    /// <summary>Token requests that were refused, with why.</summary>
    public ConcurrentQueue<string> Refusals { get; } = new();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateBuilder();
        // Not the server's appsettings.json beside the tests (its Kestrel defaults are HTTP/2 only).
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = Issuer + "/authorize",
            ["token_endpoint"] = Issuer + "/token",
            ["jwks_uri"] = Issuer + "/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(key.Rsa.ExportParameters(false)) { KeyId = key.KeyId });
            jwk.Use = "sig";
            jwk.Alg = "RS256";
            return Json(new { keys = new[] { new { kty = jwk.Kty, use = jwk.Use, alg = jwk.Alg, kid = jwk.Kid, n = jwk.N, e = jwk.E } } });
        });
        app.MapGet("/authorize", (HttpRequest request) =>
        {
            Authorizations.Enqueue(request.Query);
            var q = request.Query;
            if (q["response_type"] != "code" || q["client_id"] != ClientId || q["code_challenge_method"] != "S256")
            {
                return Results.BadRequest("response_type=code, the known client_id and PKCE S256 are required");
            }

            var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            codes[code] = (q["client_id"]!, q["redirect_uri"]!, q["code_challenge"]!, q["nonce"]);
            return Results.Redirect($"{q["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(q["state"]!)}");
        });
        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            if (!codes.TryRemove(form["code"].ToString(), out var grant))
            {
                Refusals.Enqueue("unknown code");
                return Results.BadRequest(new { error = "invalid_grant" });
            }

            var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())));
            if (challenge != grant.Challenge || form["redirect_uri"] != grant.RedirectUri || form["client_id"] != grant.ClientId)
            {
                Refusals.Enqueue("PKCE verifier, redirect_uri or client_id does not match");
                return Results.BadRequest(new { error = "invalid_grant" });
            }

            var claims = new Dictionary<string, object>(User) { ["sub"] = User.GetValueOrDefault("name") ?? "user" };
            if (grant.Nonce is { } nonce)
            {
                claims["nonce"] = nonce;
            }

            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Issuer,
                Audience = grant.ClientId,
                Claims = claims,
                IssuedAt = DateTime.UtcNow,
                NotBefore = DateTime.UtcNow.AddMinutes(-1),
                Expires = DateTime.UtcNow.AddMinutes(10),
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            });
            return Json(new { access_token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), token_type = "Bearer", expires_in = 600, id_token = idToken });
        });
        await app.StartAsync();
        Issuer = app.Urls.First();
    }

    /// <summary>JSON written here, not by the host's serializer settings.</summary>
    private static IResult Json(object value) => Results.Text(System.Text.Json.JsonSerializer.Serialize(value), "application/json");

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
