using Grpc.Core.Interceptors;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// The real server in this process: Kestrel on a free loopback port, the Orleans silo, and an embedded
/// Garnet in a fresh data directory. Tests talk to it only over gRPC.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private WebApplication? app;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "wj-credit-tests", Guid.NewGuid().ToString("N"));

    public GrpcChannel Channel { get; private set; } = null!;

    /// <summary>http://127.0.0.1:port of the server.</summary>
    public string Address { get; private set; } = "";

    /// <summary>http://127.0.0.1:port of the REST/JSON endpoint (Http:Urls).</summary>
    public string HttpAddress { get; private set; } = "";

    public IReadOnlyDictionary<string, string> Tokens { get; private set; } = new Dictionary<string, string>();

    /// <summary>The server's services (its silo's grain factory, for Orleans' management grain).</summary>
    public IServiceProvider Services => app!.Services;

    public RegulatorService.RegulatorServiceClient Regulator => new(Channel.Intercept(WithToken("regulator")));

    public CreditService.CreditServiceClient Credit => new(Channel.Intercept(WithToken("platform")));

    public PlatformService.PlatformServiceClient Platform => new(Channel.Intercept(WithToken("platform")));

    public AgencyService.AgencyServiceClient AgencyClient(string agency) => new(Channel.Intercept(WithToken($"agency:{agency}")));

    public CallInvoker As(string? tokenKey, string? rawToken = null) =>
        rawToken is not null ? Channel.Intercept(m => { m.Add("authorization", $"Bearer {rawToken}"); return m; })
        : tokenKey is null ? Channel.CreateCallInvoker()
        : Channel.Intercept(WithToken(tokenKey));

    public async Task InitializeAsync()
    {
        app = await ServerHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--Http:Urls", "http://127.0.0.1:0",
            "--Storage:DataDir", DataDir,
            "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "",
            "--Logging:LogLevel:Default", "Warning",
            // One-step revocation and listing repair, so the tests of those changes stay direct; the
            // second person of the default is tested on servers of their own (FourEyesTests).
            "--Approvals:SecondPersonFor", "NONE",
            // Webhook tests deliver to receivers on loopback, with short times.
            "--Webhooks:AllowLoopback", "true",
            "--Webhooks:AttemptTimeoutMs", "1000",
            "--Webhooks:RetryDelayMs", "50",
            "--Webhooks:FirstBackoffMs", "100",
            "--Webhooks:MaxBackoffMs", "1000",
            "--Webhooks:BreakMs", "1000",
            "--Webhooks:MaxPerPlatform", "100",
            // Every test of the collection calls from 127.0.0.1: PublicService's limit must not be what they measure.
            "--Public:PermitsPerMinute", "100000",
        ]);
        await app.StartAsync();
        var listeners = app.Services.GetRequiredService<Http.Listeners>();
        Address = listeners.GrpcUrls[0];
        HttpAddress = listeners.HttpUrls[0];
        Channel = GrpcChannel.ForAddress(Address);
        Tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(Path.Combine(DataDir, "dev-tokens.json")))!;
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Func<Metadata, Metadata> WithToken(string key) => m =>
    {
        m.Add("authorization", $"Bearer {Tokens[key]}");
        return m;
    };
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>
/// A server of its own for tests that measure the test process's managed heap: the collection runs alone, after
/// the parallel ones, so no other test's servers or stores allocate while it measures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "heap-measuring server";
}
