using System.Text.Json;

namespace WangJian.Credit.Cli.Tests;

/// <summary><c>wjcredit sellers</c> and <c>wjcredit webhooks</c> against the real server.</summary>
[Collection(CliServerCollection.Name)]
public sealed class PlatformCommandTests(CliServerFixture server)
{
    [Fact]
    public async Task SellersAdd_AddsTheFile_ReportsRefusedLines_AndCounts()
    {
        var sellers = Enumerable.Range(0, 25_000).Select(i => Cli.Uscc($"913301009{i:D8}")).ToList();
        var file = Path.Combine(server.WorkDir, "sellers.csv");
        var lines = new List<string> { "seller_id" };
        lines.AddRange(sellers.Take(12_000));
        lines.Add("91330106673959654Q");
        lines.AddRange(sellers.Skip(12_000));
        lines.Add(sellers[0]);
        await File.WriteAllLinesAsync(file, lines);

        var result = await server.RunAsync("platform", "sellers", "add", file);
        Assert.True(result.ExitCode == ExitCodes.ImportRejectedRows, result.ToString());
        Assert.Matches(@"added \(new\)\s+25,000", result.Out);
        Assert.Matches(@"refused\s+1\b", result.Out);
        Assert.Contains("line 12002: 91330106673959654Q", result.Out, StringComparison.Ordinal);

        var again = await server.RunAsync("platform", "sellers", "add", file, "--json");
        using var json = JsonDocument.Parse(again.Out);
        Assert.Equal(0, json.RootElement.GetProperty("added").GetInt64());
        Assert.Equal(25_002, json.RootElement.GetProperty("read").GetInt64());

        var count = await server.RunAsync("platform", "sellers", "count", "--json");
        using var countJson = JsonDocument.Parse(count.Out);
        Assert.True(long.Parse(countJson.RootElement.GetProperty("count").GetString()!) >= 25_000);
    }

    [Fact]
    public async Task Webhooks_CreateListDeliveriesRedeliver()
    {
        var refused = await server.RunAsync("platform", "webhooks", "create", "http://169.254.169.254/latest/meta-data/");
        Assert.True(refused.ExitCode == ExitCodes.InvalidArgument, refused.ToString());

        // A receiver that is not there: attempts fail with the connection error, and stay visible.
        using var closed = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closed.Start();
        var port = ((System.Net.IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var created = await server.RunAsync("platform", "webhooks", "create", $"http://127.0.0.1:{port}/hook", "--event", "credit.listed", "--json");
        Assert.True(created.ExitCode == ExitCodes.Ok, created.ToString());
        using var json = JsonDocument.Parse(created.Out);
        var id = json.RootElement.GetProperty("webhook").GetProperty("webhookId").GetString()!;
        Assert.StartsWith("whsec_", json.RootElement.GetProperty("secret").GetString());

        var list = await server.RunAsync("platform", "webhooks", "list");
        Assert.Contains(id, list.Out, StringComparison.Ordinal);
        Assert.Contains("credit.listed", list.Out, StringComparison.Ordinal);

        var op = Cli.Uscc("91330100990000007");
        var csv = Path.Combine(server.WorkDir, "listed.csv");
        await File.WriteAllLinesAsync(csv, [
            ViolationCsvHeader,
            $"{op},FAKE_REVIEW_ORGANIZING,ESPECIALLY_SERIOUS,杭市监处罚〔2026〕cli-hook号,330100-SAMR,杭州市市场监督管理局,2026-11-01,100,0,false,FINE,组织刷单",
        ]);
        var import = await server.RunAsync("regulator", "import", csv);
        Assert.True(import.ExitCode == ExitCodes.Ok, import.ToString());

        CliResult deliveries;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(200);
            deliveries = await server.RunAsync("platform", "webhooks", "deliveries", id);
            Assert.True(DateTime.UtcNow < deadline, deliveries.ToString());
        }
        while (!deliveries.Out.Contains("evt_", StringComparison.Ordinal));

        Assert.Contains("refused", deliveries.Out, StringComparison.OrdinalIgnoreCase);
        var redeliver = await server.RunAsync("platform", "webhooks", "redeliver", id);
        Assert.True(redeliver.ExitCode == ExitCodes.Ok, redeliver.ToString());
        var delete = await server.RunAsync("platform", "webhooks", "delete", id);
        Assert.True(delete.ExitCode == ExitCodes.Ok, delete.ToString());
    }

    private static string ViolationCsvHeader => Csv.ViolationCsv.Header;
}
