using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.V1;
using Xunit.Abstractions;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Listing → case → notices pushed to real agency receivers on loopback that misbehave in the ways real
/// ones do; every notice arrives, once per id, in order; revocation lifts; a pull agency lists and
/// acknowledges.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class JointPunishmentTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "wj-credit-jp", Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, AgencyReceiver> receivers = new()
    {
        ["NDRC"] = new AgencyReceiver("NDRC"),
        ["MIIT"] = new AgencyReceiver("MIIT"),
        ["MPS"] = new AgencyReceiver("MPS"),
        ["MOFCOM"] = new AgencyReceiver("MOFCOM"),
        ["SAMR"] = new AgencyReceiver("SAMR"),
        ["GACC"] = new AgencyReceiver("GACC"),
        ["CAC"] = new AgencyReceiver("CAC"),
    };

    private WebApplication? app;
    private GrpcChannel? channel;
    private Dictionary<string, string> tokens = [];

    private CallInvoker As(string key) => channel!.Intercept(m =>
    {
        m.Add("authorization", $"Bearer {tokens[key]}");
        return m;
    });

    public async Task InitializeAsync()
    {
        // NDRC fails its first 5 calls; MIIT is down until later; MPS stalls past the timeout on its
        // first 3 calls; MOFCOM is slow but within the timeout; SPB has no receiver and pulls.
        receivers["NDRC"].Behaviour = (n, _) => n <= 5 ? throw new RpcException(new Status(StatusCode.Unavailable, "maintenance")) : Task.CompletedTask;
        receivers["MPS"].Behaviour = (n, ct) => n <= 3 ? Task.Delay(TimeSpan.FromSeconds(3), ct) : Task.CompletedTask;
        receivers["MOFCOM"].Behaviour = (_, ct) => Task.Delay(150, ct);
        foreach (var (code, r) in receivers)
        {
            if (code != "MIIT")
            {
                await r.StartAsync();
            }
        }

        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--Http:Urls", "http://127.0.0.1:0",
            "--Storage:DataDir", dataDir,
            "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "",
            "--Logging:LogLevel:Default", "Warning",
            "--Delivery:AttemptTimeoutMs", "600",
            "--Delivery:Retries", "1",
            "--Delivery:RetryDelayMs", "50",
            "--Delivery:FirstBackoffMs", "100",
            "--Delivery:MaxBackoffMs", "800",
            "--Delivery:BreakMs", "500",
        };
        foreach (var (code, r) in receivers)
        {
            args.AddRange([$"--Agencies:Endpoints:{code}:Url", r.Url]);
        }

        app = await ServerHost.BuildAsync([.. args]);
        await app.StartAsync();
        channel = GrpcChannel.ForAddress(app.Services.GetRequiredService<Http.Listeners>().GrpcUrls[0]);
        tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(Path.Combine(dataDir, "dev-tokens.json")))!;
    }

    public async Task DisposeAsync()
    {
        channel?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        foreach (var r in receivers.Values)
        {
            await r.DisposeAsync();
        }

        try
        {
            Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Listing_NoticesReachEveryAgencyOnceInOrder_RevocationLifts_CheckAllowsAgain()
    {
        var regulator = new RegulatorService.RegulatorServiceClient(As("regulator"));
        var ops = Enumerable.Range(0, 3).Select(_ => TestUscc.Fresh()).ToArray();
        var recorded = new List<RecordViolationResponse>();
        foreach (var op in ops)
        {
            recorded.Add(await regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious)));
        }

        Assert.All(recorded, r => Assert.True(r.Status.Blacklisted));

        var ndrc = new AgencyService.AgencyServiceClient(As("agency:NDRC"));
        var listedCheck = await ndrc.CheckOperatorAsync(new CheckOperatorRequest { OperatorId = ops[0], Matter = "GOV_FUNDING" });
        Assert.Equal(CheckDecision.Prohibit, listedCheck.Decision);

        // The case holds one IMPOSE notice per measure of docs/policy.md §5.
        var cases = await regulator.ListPunishmentCasesAsync(new ListPunishmentCasesRequest { OperatorId = ops[0] });
        var theCase = Assert.Single(cases.Cases);
        Assert.Equal("system", theCase.OpenedBy);
        Assert.Equal(19, theCase.Notices.Count);
        Assert.Contains(theCase.Notices, n => n.Notice.AgencyCode == "GACC" && n.Notice.Matters.Any(m => m.Matter == "AEO_CERTIFICATION" && m.Effect == CheckDecision.Prohibit));

        // Revoke the violation behind the first listing (a second regulator approves it): lifting notices follow.
        var proposed = await regulator.RevokeViolationAsync(new RevokeViolationRequest { OperatorId = ops[0], ViolationId = recorded[0].Violation.ViolationId, Reason = "行政复议撤销" });
        await new RegulatorService.RegulatorServiceClient(As("regulator-2")).DecideApprovalAsync(new DecideApprovalRequest
        {
            ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "复核同意",
        });
        var afterCheck = await ndrc.CheckOperatorAsync(new CheckOperatorRequest { OperatorId = ops[0], Matter = "GOV_FUNDING" });
        Assert.Equal(CheckDecision.Allow, afterCheck.Decision);

        await Task.Delay(1500);
        await receivers["MIIT"].StartAsync();

        var expected = new Dictionary<string, HashSet<string>>();
        foreach (var op in ops)
        {
            foreach (var c in (await regulator.ListPunishmentCasesAsync(new ListPunishmentCasesRequest { OperatorId = op })).Cases)
            {
                foreach (var n in c.Notices)
                {
                    (expected.TryGetValue(n.Notice.AgencyCode, out var set) ? set : expected[n.Notice.AgencyCode] = []).Add(n.Notice.NoticeId);
                }
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && receivers.Any(r => r.Value.Applied.Count < expected[r.Key].Count))
        {
            await Task.Delay(200);
        }

        foreach (var (code, r) in receivers)
        {
            var applied = r.Applied.ToArray();
            output.WriteLine($"{code}: {applied.Length} applied, {r.Calls} calls, {r.Duplicates} duplicates");
            Assert.Equal(expected[code].Order(), applied.Select(n => n.NoticeId).Order());
            // In order: the agency's log sequence, 1, 2, 3, … as applied.
            Assert.Equal(Enumerable.Range(1, applied.Length).Select(i => (long)i), applied.Select(n => n.Sequence));
        }

        Assert.Contains(receivers["NDRC"].Applied, n => n.Kind == NoticeKind.Lift && n.OperatorId == ops[0]);

        // Case status for regulators: every pushed notice DELIVERED; the pull agency's still PENDING.
        var status = (await regulator.ListPunishmentCasesAsync(new ListPunishmentCasesRequest { OperatorId = ops[0] })).Cases.Single();
        Assert.NotNull(status.LiftedAt);
        Assert.All(status.Notices.Where(n => n.Notice.AgencyCode != "SPB"), n => Assert.Equal(NoticeState.Delivered, n.State));
        Assert.All(status.Notices.Where(n => n.Notice.AgencyCode == "SPB"), n => Assert.Equal(NoticeState.Pending, n.State));
        Assert.Contains(status.Notices, n => n.Notice.AgencyCode == "NDRC" && n.Attempts > 1);
    }

    [Fact]
    public async Task PullAgency_ListsItsOwnNoticesAndAcknowledges()
    {
        var regulator = new RegulatorService.RegulatorServiceClient(As("regulator"));
        var op = TestUscc.Fresh();
        await regulator.RecordViolationAsync(Requests.Violation(op, "WILDLIFE_TRADE", Severity.EspeciallySerious));
        var spb = new AgencyService.AgencyServiceClient(As("agency:SPB"));

        ListNoticesResponse page = new();
        for (var i = 0; i < 100 && page.Notices.Count < 3; i++)
        {
            page = await spb.ListNoticesAsync(new ListNoticesRequest { PageSize = 100 });
            await Task.Delay(50);
        }

        // SPB's measures: express licence review, agreement customers (one measure) + procurement.
        Assert.Equal(2, page.Notices.Count(n => n.Notice.OperatorId == op));
        Assert.All(page.Notices, n => Assert.Equal("SPB", n.Notice.AgencyCode));
        var first = page.Notices.First(n => n.Notice.OperatorId == op);
        var ack = await spb.AcknowledgeNoticeAsync(new AcknowledgeNoticeRequest { NoticeId = first.Notice.NoticeId, ActionTaken = "已列入快递业务经营许可从严审核名单" });
        Assert.Equal(NoticeState.Acknowledged, ack.Notice.State);
        Assert.Equal("dev-agency-spb", ack.Notice.AcknowledgedBy);

        // Nothing new after the last cursor; another agency cannot acknowledge SPB's notice.
        var rest = await spb.ListNoticesAsync(new ListNoticesRequest { Cursor = page.NextCursor });
        Assert.DoesNotContain(rest.Notices, n => n.Notice.OperatorId == op);
        var cac = new AgencyService.AgencyServiceClient(As("agency:CAC"));
        var e = await Assert.ThrowsAsync<RpcException>(() => cac.AcknowledgeNoticeAsync(new AcknowledgeNoticeRequest { NoticeId = first.Notice.NoticeId, ActionTaken = "x" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task OpenPunishmentCase_NotListed_FailedPrecondition()
    {
        var regulator = new RegulatorService.RegulatorServiceClient(As("regulator"));
        var e = await Assert.ThrowsAsync<RpcException>(() => regulator.OpenPunishmentCaseAsync(new OpenPunishmentCaseRequest { OperatorId = TestUscc.Fresh(), Reason = "manual" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
    }
}
