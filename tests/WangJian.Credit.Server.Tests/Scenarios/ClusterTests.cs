using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;
using Xunit.Abstractions;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Two server processes on one real Redis form one Orleans cluster. One is killed (-9) in the middle of
/// a write load across many operators: every acknowledged write is there afterwards, and the survivor
/// serves every operator once membership has declared the dead silo dead (probe timeout 2 s × 3 missed
/// probes, configured in ServerHost).
/// </summary>
[Trait("Category", "Scenario")]
public sealed class ClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Token = "cluster-test-admin-token";
    private readonly RedisProcess redis = new();
    private readonly string cluster = "cluster-" + Guid.NewGuid().ToString("N")[..8];
    private readonly List<string> dataDirs = [];

    public Task InitializeAsync() => redis.StartAsync();

    public async Task DisposeAsync()
    {
        await redis.DisposeAsync();
        foreach (var d in dataDirs)
        {
            try
            {
                Directory.Delete(d, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private Task<ServerProcess> StartServer()
    {
        var dir = Path.Combine(Path.GetTempPath(), "wj-credit-cluster", Guid.NewGuid().ToString("N"));
        dataDirs.Add(dir);
        return ServerProcess.StartAsync(
            dir,
            "--Storage:Redis", redis.ConnectionString,
            "--Orleans:ClusterId", cluster,
            "--Observability:MetricsUrl", "",
            "--Auth:Principals:0:Name", "ops",
            "--Auth:Principals:0:Role", "regulator",
            "--Auth:Principals:0:Authorities:0", "*",
            "--Auth:Principals:0:TokenSha256", PrincipalRegistry.Hash(Token));
    }

    [Fact]
    public async Task TwoServersOneRedis_OneKilledDuringWrites_EveryAcknowledgedWriteSurvivesAndSurvivorServesAll()
    {
        await using var a = await StartServer();
        await using var b = await StartServer();
        var regA = new RegulatorService.RegulatorServiceClient(a.WithToken(Token));
        var regB = new RegulatorService.RegulatorServiceClient(b.WithToken(Token));
        var creditB = new CreditService.CreditServiceClient(b.WithToken(Token));

        // One cluster: a write through A is read back through B.
        var probe = TestUscc.Fresh();
        var written = await regA.RecordViolationAsync(Requests.Violation(probe));
        Assert.Equal(written.Status.Score, (await creditB.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = probe })).Status.Score);

        var operators = Enumerable.Range(0, 200).Select(_ => TestUscc.Fresh()).ToArray();
        var acknowledged = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        var killed = new TaskCompletionSource();
        var count = 0;
        var killedAt = Stopwatch.StartNew();

        async Task Writer(int w)
        {
            for (var i = 0; i < 60; i++)
            {
                var op = operators[((w * 60) + i) % operators.Length];
                var viaA = i % 2 == 0 && !killed.Task.IsCompleted;
                try
                {
                    var client = viaA ? regA : regB;
                    var r = await client.RecordViolationAsync(Requests.Violation(op, "PRICE_MARKING", Severity.Minor), deadline: DateTime.UtcNow.AddSeconds(20));
                    acknowledged.GetOrAdd(op, _ => []).Add(r.Violation.ViolationId);
                }
                catch (RpcException)
                {
                    // Not acknowledged: the caller would retry; the test only holds acknowledged writes to account.
                }

                if (Interlocked.Increment(ref count) == 150)
                {
                    await a.KillHardAsync();
                    killedAt.Restart();
                    killed.TrySetResult();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(Writer));
        await killed.Task;

        // The survivor serves every operator; measure how long after the kill that holds.
        var pending = operators.ToHashSet();
        while (pending.Count > 0 && killedAt.Elapsed < TimeSpan.FromSeconds(60))
        {
            foreach (var op in pending.ToArray())
            {
                try
                {
                    await creditB.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op }, deadline: DateTime.UtcNow.AddSeconds(5));
                    pending.Remove(op);
                }
                catch (RpcException)
                {
                }
            }
        }

        output.WriteLine($"acknowledged {acknowledged.Values.Sum(v => v.Count)} writes; survivor served all {operators.Length} operators {killedAt.Elapsed.TotalSeconds:F1} s after the kill");
        Assert.Empty(pending);

        foreach (var (op, ids) in acknowledged)
        {
            var list = await regB.ListViolationsAsync(new ListViolationsRequest { OperatorId = op, PageSize = 1000 });
            var present = list.Violations.Select(v => v.ViolationId).ToHashSet();
            Assert.All(ids, id => Assert.Contains(id, present));
        }
    }
}
