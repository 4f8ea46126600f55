using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Principals change without a restart: an edited principals file applies to new calls within seconds.</summary>
[Trait("Category", "Scenario")]
public sealed class PrincipalReloadTests : IDisposable
{
    private readonly TempDir dir = new("reload");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task PrincipalsFile_TokenRemovedAndAnotherAdded_RemovedRefusedAddedAcceptedWithin10s()
    {
        var file = Path.Combine(dir.Path, "principals.json");
        await WriteAsync(file, ("screening", "keep-token"), ("leaving", "leaving-token"));
        var app = await ServerHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0", "--Storage:DataDir", Path.Combine(dir.Path, "data"), "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "", "--Logging:LogLevel:Default", "Warning", "--Auth:PrincipalsFile", file,
        ]);
        await app.StartAsync();
        try
        {
            using var channel = GrpcChannel.ForAddress(app.Urls.First());
            Assert.Equal(StatusCode.OK, await StatusWith(channel, "leaving-token"));
            Assert.Equal(StatusCode.Unauthenticated, await StatusWith(channel, "new-token"));

            await WriteAsync(file, ("screening", "keep-token"), ("arriving", "new-token"));
            var clock = Stopwatch.StartNew();
            while (await StatusWith(channel, "leaving-token") != StatusCode.Unauthenticated)
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the removed token was still accepted 10 s after the edit");
                await Task.Delay(100);
            }

            Assert.Equal(StatusCode.OK, await StatusWith(channel, "new-token"));
            Assert.Equal(StatusCode.OK, await StatusWith(channel, "keep-token"));

            // A broken edit is ignored: the principals in force stay.
            await File.WriteAllTextAsync(file, """{ "Auth": { "Principals": [ { "Name": "x", "Role": "nobody", "TokenSha256": "00" } ] } }""");
            await Task.Delay(1500);
            Assert.Equal(StatusCode.OK, await StatusWith(channel, "keep-token"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<StatusCode> StatusWith(GrpcChannel channel, string token)
    {
        var client = new CreditService.CreditServiceClient(channel.Intercept(m =>
        {
            m.Add("authorization", $"Bearer {token}");
            return m;
        }));
        try
        {
            await client.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = TestUscc.Huawei });
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static Task WriteAsync(string file, params (string Name, string Token)[] principals) =>
        File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            Auth = new
            {
                Principals = principals.Select(p => new { p.Name, Role = "platform", TokenSha256 = PrincipalRegistry.Hash(p.Token) }),
            },
        }));
}
