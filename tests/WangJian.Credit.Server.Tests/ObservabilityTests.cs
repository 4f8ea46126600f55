using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests;

/// <summary>The Prometheus endpoint is scraped and the service's counters move; the Orleans dashboard answers.</summary>
public sealed partial class ObservabilityTests : IAsyncLifetime
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "wj-credit-obs", Guid.NewGuid().ToString("N"));
    private readonly int metricsPort = FreePort();
    private readonly int dashboardPort = FreePort();
    private ServerProcess? server;

    public async Task InitializeAsync() =>
        server = await ServerProcess.StartAsync(
            dataDir,
            "--Observability:MetricsUrl", $"http://127.0.0.1:{metricsPort}/",
            "--Observability:Dashboard", "true",
            "--Observability:DashboardUrl", $"http://127.0.0.1:{dashboardPort}");

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        try
        {
            Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)(\{(?<labels>[^}]*)\})? (?<value>[0-9.e+-]+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    private async Task<double> Scrape(string name, string labelContains = "")
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        return Sample().Matches(text)
            .Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(labelContains, StringComparison.Ordinal))
            .Sum(m => double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Metrics_RecordListAndCheck_CountersMove()
    {
        var regulator = new RegulatorService.RegulatorServiceClient(server!.As("regulator"));
        var agency = new AgencyService.AgencyServiceClient(server.As("agency:NDRC"));
        var recordedBefore = await Scrape("wjcredit_violations_recorded_total");
        var listingsBefore = await Scrape("wjcredit_listings_total", "listed");
        var checksBefore = await Scrape("wjcredit_checks_total", "Prohibit");

        var op = TestUscc.Fresh();
        await regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        await regulator.RecordViolationAsync(Requests.Violation(TestUscc.Fresh(), "PRICE_FRAUD", Severity.Serious));
        await agency.CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "GOV_FUNDING" });

        Assert.Equal(recordedBefore + 2, await Scrape("wjcredit_violations_recorded_total"));
        Assert.Equal(listingsBefore + 1, await Scrape("wjcredit_listings_total", "listed"));
        Assert.Equal(checksBefore + 1, await Scrape("wjcredit_checks_total", "Prohibit"));
        Assert.True(await Scrape("wjcredit_grade_changes_total") >= 2);
        // Notices reach the agency outboxes just after the call returns.
        for (var i = 0; i < 50 && await Scrape("wjcredit_notices_enqueued_total") < 19; i++)
        {
            await Task.Delay(100);
        }

        Assert.True(await Scrape("wjcredit_notices_enqueued_total") >= 19);
    }

    [Fact]
    public async Task Dashboard_Enabled_Answers()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync($"http://127.0.0.1:{dashboardPort}/dashboard");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
