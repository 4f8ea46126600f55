using System.Diagnostics;
using Grpc.Core;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Testing;
using WangJian.Credit.V1;
using Xunit.Abstractions;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// One silo per endpoint: a second server given the silo port of a running one refuses to start (Orleans'
/// listener shares ports, so without the check both served and the newer declared the older dead), and a
/// silo that the cluster declared dead stops serving instead of answering from stale activations.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class SiloEndpointTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "silo-endpoint-test-token";
    private readonly RedisProcess redis = new();
    private readonly string cluster = "endpoint-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<TempDir> dirs = [];

    public Task InitializeAsync() => redis.StartAsync();

    public async Task DisposeAsync()
    {
        await redis.DisposeAsync();
        dirs.ForEach(d => d.Dispose());
    }

    private string NewDir()
    {
        var d = new TempDir("endpoint");
        dirs.Add(d);
        return d.Path;
    }

    private string[] OnRedis(int siloPort) =>
    [
        "--Storage:Redis", redis.ConnectionString, "--Orleans:ClusterId", cluster, "--Orleans:SiloPort", $"{siloPort}",
        "--Auth:Principals:0:Name", "ops", "--Auth:Principals:0:Role", "regulator", "--Auth:Principals:0:Authorities:0", "*", "--Auth:Principals:0:TokenSha256", PrincipalRegistry.Hash(Token),
    ];

    [Fact]
    public async Task SameSiloPortOnOneRedis_SecondExitsTwo_FirstKeepsServingConsistently()
    {
        var port = FreePort();
        await using var a = await ServerProcess.StartAsync(NewDir(), OnRedis(port));
        var regA = new RegulatorService.RegulatorServiceClient(a.WithToken(Token));
        var creditA = new CreditService.CreditServiceClient(a.WithToken(Token));
        var op = TestUscc.Fresh();
        var recorded = await regA.RecordViolationAsync(Requests.Violation(op));

        await BadStartTests.AssertRefusedAsync("Orleans:SiloPort", $"{port}", ["--urls", "http://127.0.0.1:0", "--Storage:DataDir", NewDir(), .. OnRedis(port)]);

        for (var i = 0; i < 10; i++)
        {
            var status = (await creditA.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op })).Status;
            Assert.Equal(recorded.Status.Score, status.Score);
        }

        Assert.True((await regA.RecordViolationAsync(Requests.Violation(op, "PRICE_MARKING", Severity.Minor))).Created);
    }

    [Fact]
    public async Task SameSiloPortEmbedded_SecondExitsTwo()
    {
        var port = FreePort();
        await using var a = await ServerProcess.StartAsync(NewDir(), "--Orleans:SiloPort", $"{port}");
        await BadStartTests.AssertRefusedAsync("Orleans:SiloPort", $"{port}", "--urls", "http://127.0.0.1:0", "--Storage:DataDir", NewDir(), "--Orleans:SiloPort", $"{port}");
        var credit = new CreditService.CreditServiceClient(a.As("platform"));
        Assert.Equal(100, (await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Fresh() })).Status.Score);
    }

    [Fact]
    public async Task SiloDeclaredDeadWhileFrozen_StopsServingWhenItWakes()
    {
        await using var a = await ServerProcess.StartAsync(NewDir(), OnRedis(0));
        await using var b = await ServerProcess.StartAsync(NewDir(), OnRedis(0));
        var creditA = new CreditService.CreditServiceClient(a.WithToken(Token));
        var regB = new RegulatorService.RegulatorServiceClient(b.WithToken(Token));

        // Operators activated on A (some of them live there) before it freezes.
        var ops = Enumerable.Range(0, 20).Select(_ => TestUscc.Fresh()).ToArray();
        foreach (var op in ops)
        {
            await creditA.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op });
        }

        a.Signal("STOP");
        // B declares A dead after 3 missed probes of 2 s; writes through B then activate those operators on B.
        var frozen = Stopwatch.StartNew();
        var written = 0;
        while (written < ops.Length && frozen.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                await regB.RecordViolationAsync(Requests.Violation(ops[written]), deadline: DateTime.UtcNow.AddSeconds(5));
                written++;
            }
            catch (RpcException)
            {
            }
        }

        Assert.Equal(ops.Length, written);
        output.WriteLine($"B wrote every operator {frozen.Elapsed.TotalSeconds:F1} s after A froze");
        a.Signal("CONT");

        // Woken, A learns it is dead and stops: it never answers a read from its stale activations (100 / A).
        var woke = Stopwatch.StartNew();
        while (!a.HasExited && woke.Elapsed < TimeSpan.FromSeconds(30))
        {
            foreach (var op in ops)
            {
                try
                {
                    var status = (await creditA.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op }, deadline: DateTime.UtcNow.AddSeconds(5))).Status;
                    Assert.True(status.Score < 100, $"A answered a stale 100 for {op} {woke.Elapsed.TotalSeconds:F1} s after waking");
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Internal)
                {
                    Assert.Fail($"A answered INTERNAL {woke.Elapsed.TotalSeconds:F1} s after waking; its log ends:\n{string.Join('\n', a.Output.TakeLast(40))}");
                }
                catch (RpcException)
                {
                }
            }
        }

        output.WriteLine($"A exited {woke.Elapsed.TotalSeconds:F1} s after waking: {a.HasExited}");
        Assert.True(a.HasExited, "a silo declared dead kept running");
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
