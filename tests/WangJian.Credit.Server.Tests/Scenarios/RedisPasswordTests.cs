using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// The README's cluster how-to with a password: redis-server with <c>--requirepass</c>, the password in
/// the <c>Storage:Redis</c> connection string. The server works through it and never prints it.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class RedisPasswordTests : IAsyncLifetime
{
    private const string Token = "redis-password-test-admin-token";
    private readonly string password = Guid.NewGuid().ToString("N");
    private readonly RedisProcess redis;
    private readonly TempDir dataDir = new("redis-password");

    public RedisPasswordTests() => redis = new RedisProcess { Password = password };

    public Task InitializeAsync() => redis.StartAsync();

    public async Task DisposeAsync()
    {
        await redis.DisposeAsync();
        dataDir.Dispose();
    }

    [Fact]
    public async Task ServerOnRedisWithAPassword_WritesAndReadsThroughIt_AndNeverLogsIt()
    {
        // Without the password this Redis refuses.
        Assert.StartsWith("-NOAUTH", await Resp.SendAsync(redis.Port, ["PING"]));

        await using var server = await ServerProcess.StartAsync(
            dataDir.Path,
            "--Storage:Redis", $"{redis.ConnectionString},password={password}",
            "--Orleans:ClusterId", "pw-" + Guid.NewGuid().ToString("N")[..8],
            "--Auth:Principals:0:Name", "ops",
            "--Auth:Principals:0:Role", "regulator",
            "--Auth:Principals:0:Authorities:0", "*",
            "--Auth:Principals:0:TokenSha256", PrincipalRegistry.Hash(Token));
        var op = TestUscc.Fresh();
        var regulator = new RegulatorService.RegulatorServiceClient(server.WithToken(Token));
        var written = await regulator.RecordViolationAsync(Requests.Violation(op));
        var credit = new CreditService.CreditServiceClient(server.WithToken(Token));
        Assert.Equal(written.Status.Score, (await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op })).Status.Score);
        Assert.DoesNotContain(server.Output, line => line.Contains(password, StringComparison.Ordinal));
    }
}
