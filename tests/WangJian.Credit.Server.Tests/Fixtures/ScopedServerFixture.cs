using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// The real server in this process with configured principals of every role and several authority scopes,
/// and the defaults of four-eyes approvals and the access log. The token of principal N is "token-N".
/// </summary>
public sealed class ScopedServerFixture : IAsyncLifetime
{
    /// <summary>Name → role and what it is bound to.</summary>
    public static readonly (string Name, string Role, string[] Authorities, string? Agency, string? Uscc)[] Principals =
    [
        ("hz-samr", "regulator", ["330100-SAMR"], null, null),
        ("zj-samr", "regulator", ["33*"], null, null),
        ("zj-samr-2", "regulator", ["33*"], null, null),
        ("sz-samr", "regulator", ["440300-SAMR"], null, null),
        ("national", "regulator", ["*"], null, null),
        ("ops", "admin", [], null, null),
        ("screening", "platform", [], null, null),
        ("seller", "operator", [], null, TestUscc.Alibaba),
        ("inspector", "auditor", [], null, null),
        ("ndrc", "agency", [], "NDRC", null),
    ];

    private WebApplication? app;

    public TempDir DataDir { get; } = new("scoped");

    public GrpcChannel Channel { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port of the REST/JSON endpoint (Http:Urls).</summary>
    public string HttpAddress { get; private set; } = "";

    public static string TokenOf(string name) => "token-" + name;

    public CallInvoker As(string name) => Channel.Intercept(m =>
    {
        m.Add("authorization", $"Bearer {TokenOf(name)}");
        return m;
    });

    public RegulatorService.RegulatorServiceClient Regulator(string name) => new(As(name));

    public async Task InitializeAsync()
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0",
            "--Storage:DataDir", DataDir.Path,
            "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "",
            "--Logging:LogLevel:Default", "Warning",
        };
        args.AddRange(PrincipalArgs(Principals));
        app = await ServerHost.BuildAsync([.. args]);
        await app.StartAsync();
        Channel = GrpcChannel.ForAddress(app.Urls.First());
        HttpAddress = app.Services.GetRequiredService<Http.Listeners>().HttpUrls[0];
    }

    /// <summary>The command-line settings of the principals (Auth:Principals:N:…).</summary>
    public static IEnumerable<string> PrincipalArgs(IEnumerable<(string Name, string Role, string[] Authorities, string? Agency, string? Uscc)> principals)
    {
        var i = 0;
        foreach (var (name, role, authorities, agency, uscc) in principals)
        {
            var p = $"--Auth:Principals:{i}:";
            yield return p + "Name";
            yield return name;
            yield return p + "Role";
            yield return role;
            yield return p + "TokenSha256";
            yield return PrincipalRegistry.Hash(TokenOf(name));
            for (var k = 0; k < authorities.Length; k++)
            {
                yield return $"{p}Authorities:{k}";
                yield return authorities[k];
            }

            if (agency is not null)
            {
                yield return p + "Agency";
                yield return agency;
            }

            if (uscc is not null)
            {
                yield return p + "Uscc";
                yield return uscc;
            }

            i++;
        }
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        DataDir.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ScopedServerCollection : ICollectionFixture<ScopedServerFixture>
{
    public const string Name = "scoped server";
}
