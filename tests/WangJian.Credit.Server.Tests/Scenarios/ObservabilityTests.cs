using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>The Prometheus endpoint is scraped and the service's counters move; the Orleans dashboard answers.</summary>
[Trait("Category", "Scenario")]
public sealed partial class ObservabilityTests : IAsyncLifetime
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "wj-credit-obs", Guid.NewGuid().ToString("N"));
    private readonly int metricsPort = FreePort();
    private readonly int dashboardPort = FreePort();
    private readonly AgencyReceiver ndrc = new("NDRC");
    private ServerProcess? server;

    // NDRC's receiver answers, MIIT's is down (nothing listens on its port), the other agencies pull.
    public async Task InitializeAsync()
    {
        await ndrc.StartAsync();
        server = await ServerProcess.StartAsync(
            dataDir,
            "--Observability:MetricsUrl", $"http://127.0.0.1:{metricsPort}/",
            "--Observability:Dashboard", "true",
            "--Observability:DashboardUrl", $"http://127.0.0.1:{dashboardPort}",
            "--Agencies:Endpoints:NDRC:Url", ndrc.Url,
            "--Agencies:Endpoints:MIIT:Url", $"http://127.0.0.1:{FreePort()}",
            "--Delivery:AttemptTimeoutMs", "500",
            "--Delivery:FirstBackoffMs", "100",
            "--Delivery:MaxBackoffMs", "500");
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        await ndrc.DisposeAsync();

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

    private async Task<double> Scrape(string name, string labelContains = "") =>
        Values(await ScrapeText(), name, labelContains).Sum();

    private async Task<string> ScrapeText()
    {
        using var http = new HttpClient();
        return await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
    }

    /// <summary>The values of every series of <paramref name="name"/> whose labels contain the text.</summary>
    private static double[] Values(string text, string name, string labelContains = "") =>
        Sample().Matches(text)
            .Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains(labelContains, StringComparison.Ordinal))
            .Select(m => double.Parse(m.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();

    /// <summary>One agency's notice series from one scrape, or null where a series is missing.</summary>
    private async Task<(double? Pending, double? Failing, double? Delivered, double? FailedAttempts)> NoticeSeries(string agency)
    {
        var text = await ScrapeText();
        var label = $"agency=\"{agency}\"";
        double? One(string name) => Values(text, name, label) is [var v] ? v : null;
        return (One("wjcredit_notices_pending"), One("wjcredit_notices_failing"), One("wjcredit_notices_delivered_total"), One("wjcredit_notices_failed_attempts_total"));
    }

    private static readonly string[] AllAgencies = ["SAMR", "NDRC", "MIIT", "MPS", "MOFCOM", "GACC", "CAC", "SPB"];

    [Fact]
    public async Task Metrics_NoticeSeries_PendingFailingDeliveredPerAgency()
    {
        // From the start, every agency has its four series, at 0.
        foreach (var agency in AllAgencies)
        {
            var series = await NoticeSeries(agency);
            for (var i = 0; i < 100 && series.Pending is null; i++)
            {
                await Task.Delay(100);
                series = await NoticeSeries(agency);
            }

            Assert.Equal((0, 0, 0, 0), series);
        }

        var regulator = new RegulatorService.RegulatorServiceClient(server!.As("regulator"));
        var op = TestUscc.Fresh();
        await regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        var notices = (await regulator.ListPunishmentCasesAsync(new ListPunishmentCasesRequest { OperatorId = op })).Cases.Single().Notices;
        int Of(string agency) => notices.Count(n => n.Notice.AgencyCode == agency);

        // NDRC's are delivered; MIIT's wait behind a failing first notice; SPB's wait to be pulled.
        (double? Pending, double? Failing, double? Delivered, double? FailedAttempts) ndrcSeries = default, miitSeries = default, spbSeries = default;
        for (var i = 0; i < 100; i++)
        {
            (ndrcSeries, miitSeries, spbSeries) = (await NoticeSeries("NDRC"), await NoticeSeries("MIIT"), await NoticeSeries("SPB"));
            // The delivered counter moves at the delivery, the pending gauge once the cursor is written.
            if (ndrcSeries == (0, 0, Of("NDRC"), 0) && miitSeries.FailedAttempts >= 1 && miitSeries.Failing == 1 && miitSeries.Pending == Of("MIIT") && spbSeries.Pending == Of("SPB"))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal((0, 0, Of("NDRC"), 0), ndrcSeries);
        Assert.Equal(Of("MIIT"), miitSeries.Pending);
        Assert.Equal(1, miitSeries.Failing);
        Assert.True(miitSeries.FailedAttempts >= 1);
        Assert.Equal(0, miitSeries.Delivered);
        Assert.Equal((Of("SPB"), 0, 0, 0), spbSeries);

        // An acknowledgement by the pull agency takes its notice off the pending gauge.
        var spb = new AgencyService.AgencyServiceClient(server.As("agency:SPB"));
        await spb.AcknowledgeNoticeAsync(new AcknowledgeNoticeRequest { NoticeId = notices.First(n => n.Notice.AgencyCode == "SPB").Notice.NoticeId, ActionTaken = "已列入从严审核名单" });
        Assert.Equal(Of("SPB") - 1, (await NoticeSeries("SPB")).Pending);
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
