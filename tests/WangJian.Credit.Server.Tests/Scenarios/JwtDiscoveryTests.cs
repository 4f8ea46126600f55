using System.Security.Cryptography;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Single sign-on by OIDC discovery (<c>Auth:Jwt:Authority</c>): the test is the identity provider, serving
/// its discovery document and JWKS over loopback HTTP (<c>Auth:Jwt:RequireHttpsMetadata false</c>); the server
/// finds the keys there. A token signed with the provider's key is accepted; one signed with another key is
/// UNAUTHENTICATED with the reason.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class JwtDiscoveryTests(JwtDiscoveryTests.DiscoveryProvider idp) : IClassFixture<JwtDiscoveryTests.DiscoveryProvider>
{
    private const string Audience = "wangjian-credit";

    /// <summary>A loopback identity provider (discovery document + JWKS) and a server that trusts it.</summary>
    public sealed class DiscoveryProvider : IAsyncLifetime
    {
        private readonly TempDir dir = new("oidc");
        private WebApplication? provider;
        private WebApplication? server;
        private int discoveryReads;
        private int keyReads;

        public RSA Key { get; } = RSA.Create(2048);

        public RSA Stranger { get; } = RSA.Create(2048);

        /// <summary>The provider's address: the authority and the issuer of its tokens.</summary>
        public string Authority { get; private set; } = null!;

        public GrpcChannel Channel { get; private set; } = null!;

        public int DiscoveryReads => Volatile.Read(ref discoveryReads);

        public int KeyReads => Volatile.Read(ref keyReads);

        public async Task InitializeAsync()
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(Key.ExportParameters(false)) { KeyId = "idp-1" });
            jwk.Use = "sig";
            jwk.Alg = SecurityAlgorithms.RsaSha256;
            var jwks = System.Text.Json.JsonSerializer.Serialize(new { keys = new[] { jwk } });

            var builder = WebApplication.CreateSlimBuilder();
            // Plain HTTP/1.1, as an identity provider serves it (the test host's defaults are the server's h2c).
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
            provider = builder.Build();
            provider.MapGet("/.well-known/openid-configuration", (HttpContext c) =>
            {
                Interlocked.Increment(ref discoveryReads);
                return Results.Text(
                    System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["issuer"] = Authority,
                        ["jwks_uri"] = $"{Authority}/jwks",
                        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                    }),
                    "application/json");
            });
            provider.MapGet("/jwks", () =>
            {
                Interlocked.Increment(ref keyReads);
                return Results.Text(jwks, "application/json");
            });
            await provider.StartAsync();
            Authority = provider.Urls.First().TrimEnd('/');

            server = await ServerHost.BuildAsync(
            [
                "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0", "--Storage:DataDir", Path.Combine(dir.Path, "data"), "--Orleans:SiloPort", "0",
                "--Observability:MetricsUrl", "", "--Logging:LogLevel:Default", "Warning",
                "--Auth:Jwt:Authority", Authority, "--Auth:Jwt:RequireHttpsMetadata", "false", "--Auth:Jwt:Audience", Audience,
            ]);
            await server.StartAsync();
            Channel = GrpcChannel.ForAddress(server.Urls.First());
        }

        public async Task DisposeAsync()
        {
            Channel?.Dispose();
            foreach (var app in new[] { server, provider })
            {
                if (app is not null)
                {
                    await app.StopAsync();
                    await app.DisposeAsync();
                }
            }

            Key.Dispose();
            Stranger.Dispose();
            dir.Dispose();
        }
    }

    [Fact]
    public async Task TokenSignedWithTheDiscoveredKey_Accepted_FromAnotherKey_Unauthenticated()
    {
        var op = TestUscc.Fresh();
        var platform = Credit(Token(new() { ["role"] = "platform", ["sub"] = "platform-sso" }, idp.Key));
        var status = await platform.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op });
        Assert.Equal(op, status.Status.OperatorId);
        Assert.Equal(Grade.A, status.Status.Grade);
        // The keys came from the provider's discovery document and its jwks_uri, over HTTP.
        Assert.True(idp.DiscoveryReads >= 1);
        Assert.True(idp.KeyReads >= 1);

        var regulator = new RegulatorService.RegulatorServiceClient(With(Token(
            new() { ["role"] = "regulator", ["name"] = "hz-sso", ["authorities"] = new[] { "330100-SAMR" } }, idp.Key)));
        Assert.Equal("hz-sso", (await regulator.RecordViolationAsync(Requests.Violation(op))).Violation.RecordedBy);

        var stranger = Credit(Token(new() { ["role"] = "platform", ["sub"] = "platform-sso" }, idp.Stranger));
        var e = await Assert.ThrowsAsync<RpcException>(() => stranger.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("signature", e.Status.Detail);

        var elsewhere = Credit(Token(new() { ["role"] = "platform", ["sub"] = "platform-sso" }, idp.Key, issuer: "http://127.0.0.1:1"));
        e = await Assert.ThrowsAsync<RpcException>(() => elsewhere.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("issuer", e.Status.Detail);
    }

    private CreditService.CreditServiceClient Credit(string token) => new(With(token));

    private CallInvoker With(string token) => idp.Channel.Intercept(m =>
    {
        m.Add("authorization", $"Bearer {token}");
        return m;
    });

    private string Token(Dictionary<string, object> claims, RSA signer, string? issuer = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? idp.Authority,
            Audience = Audience,
            Claims = claims,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signer) { KeyId = "idp-1" }, SecurityAlgorithms.RsaSha256),
        });
    }
}
