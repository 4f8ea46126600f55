using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Single sign-on over real gRPC: the test is the identity provider (an RSA key pair it generates, its public
/// key in a JWKS file the server reads); a signed token behaves like the equivalent static principal, and
/// tampered, expired, wrongly signed, wrong-audience and wrong-issuer tokens are UNAUTHENTICATED with the reason.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class JwtSignOnTests(JwtSignOnTests.IdentityProvider idp) : IClassFixture<JwtSignOnTests.IdentityProvider>
{
    private const string Issuer = "https://idp.zj-samr.example";
    private const string Audience = "wangjian-credit";

    /// <summary>The test's identity provider (a key pair, its JWKS file) and a server that trusts it.</summary>
    public sealed class IdentityProvider : IAsyncLifetime
    {
        private readonly TempDir dir = new("jwt");
        private WebApplication? app;

        public RSA Key { get; } = RSA.Create(2048);

        public RSA Stranger { get; } = RSA.Create(2048);

        public GrpcChannel Channel { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(Key.ExportParameters(false)) { KeyId = "test-1" });
            jwk.Use = "sig";
            jwk.Alg = SecurityAlgorithms.RsaSha256;
            var jwks = Path.Combine(dir.Path, "jwks.json");
            await File.WriteAllTextAsync(jwks, System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { jwk } }));
            app = await ServerHost.BuildAsync(
            [
                "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0", "--Storage:DataDir", Path.Combine(dir.Path, "data"), "--Orleans:SiloPort", "0",
                "--Observability:MetricsUrl", "", "--Logging:LogLevel:Default", "Warning",
                "--Auth:Jwt:SigningKeysFile", jwks, "--Auth:Jwt:Issuer", Issuer, "--Auth:Jwt:Audience", Audience,
            ]);
            await app.StartAsync();
            Channel = GrpcChannel.ForAddress(app.Urls.First());
        }

        public async Task DisposeAsync()
        {
            Channel?.Dispose();
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            Key.Dispose();
            Stranger.Dispose();
            dir.Dispose();
        }
    }

    [Fact]
    public async Task RegulatorToken_ScopedLikeAStaticPrincipal()
    {
        var regulator = Regulator(Token(new() { ["role"] = "regulator", ["name"] = "hz-zhang-wei", ["authorities"] = new[] { "330100-SAMR" } }));
        var op = TestUscc.Fresh();
        var recorded = await regulator.RecordViolationAsync(Requests.Violation(op));
        Assert.Equal("hz-zhang-wei", recorded.Violation.RecordedBy);

        var outside = Requests.Violation(op);
        outside.AuthorityCode = "110000-SAMR";
        var e = await Assert.ThrowsAsync<RpcException>(() => regulator.RecordViolationAsync(outside).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("330100-SAMR", e.Status.Detail);

        // sub names the caller when there is no name; a platform token reads but does not record.
        var platform = Token(new() { ["role"] = "platform", ["sub"] = "platform-42" });
        Assert.Equal(Grade.B, (await new CreditService.CreditServiceClient(With(platform)).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op })).Status.Grade);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(() => Regulator(platform).RecordViolationAsync(Requests.Violation(op)).ResponseAsync)).StatusCode);
    }

    [Theory]
    [InlineData("tampered", "signature")]
    [InlineData("stranger", "signature")]
    [InlineData("expired", "expired")]
    [InlineData("audience", "audience")]
    [InlineData("issuer", "issuer")]
    [InlineData("no-scope", "authorities")]
    public async Task BadToken_UnauthenticatedWithTheReason(string kind, string reason)
    {
        var claims = new Dictionary<string, object> { ["role"] = "regulator", ["name"] = "hz-zhang-wei", ["authorities"] = new[] { "330100-SAMR" } };
        var token = kind switch
        {
            "tampered" => Tamper(Token(claims)),
            "stranger" => Token(claims, signer: idp.Stranger),
            "expired" => Token(claims, expires: DateTime.UtcNow.AddMinutes(-10)),
            "audience" => Token(claims, audience: "another-service"),
            "issuer" => Token(claims, issuer: "https://idp.elsewhere.example"),
            _ => Token(new() { ["role"] = "regulator", ["name"] = "no-scope" }),
        };

        var e = await Assert.ThrowsAsync<RpcException>(() => Regulator(token).RecordViolationAsync(Requests.Violation(TestUscc.Fresh())).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains(reason, e.Status.Detail);
    }

    private RegulatorService.RegulatorServiceClient Regulator(string token) => new(With(token));

    private CallInvoker With(string token) => idp.Channel.Intercept(m =>
    {
        m.Add("authorization", $"Bearer {token}");
        return m;
    });

    private string Token(Dictionary<string, object> claims, RSA? signer = null, DateTime? expires = null, string audience = Audience, string issuer = Issuer)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = expires is null ? now : expires.Value.AddMinutes(-5),
            NotBefore = expires is null ? now : expires.Value.AddMinutes(-5),
            Expires = expires ?? now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signer ?? idp.Key) { KeyId = "test-1" }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The same token with its payload changed (a wider scope) and the original signature.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = Base64UrlEncoder.Decode(parts[1]).Replace("330100-SAMR", "*", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }
}
