using System.Text.Json;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Across a kill -9 of the server: a sellers_only watch resumed from its cursor sees exactly the
/// platform's sellers' changes, none missed, none repeated, none of other operators; and a webhook backlog
/// is delivered completely, in order, after a restart in the middle of it.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class PlatformRestartTests : IAsyncLifetime
{
    private readonly TempDir dataDir = new("platform");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        dataDir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SellersOnlyWatch_ResumedAfterKill_SeesExactlyItsSellers()
    {
        var mine = Enumerable.Range(0, 4).Select(_ => TestUscc.Fresh()).ToArray();
        var others = Enumerable.Range(0, 4).Select(_ => TestUscc.Fresh()).ToArray();
        string cursor;
        await using (var server = await ServerProcess.StartAsync(dataDir.Path))
        {
            var platform = new PlatformService.PlatformServiceClient(server.As("platform"));
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            var credit = new CreditService.CreditServiceClient(server.As("platform"));
            await platform.AddSellersAsync(new AddSellersRequest { SellerIds = { mine } });
            await RecordInterleavedAsync(regulator, mine[..2], others[..2]);
            var seen = await ChangeFeedTests.ReadUntil(credit, new WatchCreditChangesRequest { SellersOnly = true, FromBeginning = true }, x => x.OperatorId == mine[1]);
            Assert.Equal(mine[..2], seen.Select(x => x.OperatorId));
            Assert.Equal(["s1.1", "s1.2"], seen.Select(x => x.Cursor));
            cursor = seen[^1].Cursor;

            // Changes after the last one read, then kill -9: they must come on resume.
            await RecordInterleavedAsync(regulator, [mine[2]], [others[2]]);
            await server.KillHardAsync();
        }

        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(restarted.As("regulator"));
            var credit = new CreditService.CreditServiceClient(restarted.As("platform"));
            await RecordInterleavedAsync(regulator, [mine[3]], [others[3]]);
            var resumed = await ChangeFeedTests.ReadUntil(credit, new WatchCreditChangesRequest { SellersOnly = true, Cursor = cursor }, x => x.OperatorId == mine[3]);
            Assert.Equal(mine[2..], resumed.Select(x => x.OperatorId));
            Assert.Equal(["s1.3", "s1.4"], resumed.Select(x => x.Cursor));

            // A cursor of the full feed is not one of this view.
            var e = await Assert.ThrowsAsync<RpcException>(() => ChangeFeedTests.ReadUntil(credit, new WatchCreditChangesRequest { SellersOnly = true, Cursor = "c1.1" }, _ => true));
            Assert.Equal("cursor", Assert.Single(Requests.BadFields(e)));
        }
    }

    [Fact]
    public async Task WebhookBacklog_RestartInTheMiddle_LosesNothing()
    {
        const int events = 12;
        await using var receiver = await WebhookReceiver.StartAsync();
        // Slow receiver: the backlog is still long when the server is killed.
        receiver.Behave = _ => (TimeSpan.FromMilliseconds(150), 200);
        var sellers = Enumerable.Range(0, events).Select(_ => TestUscc.Fresh()).ToArray();
        string[] args = ["--Webhooks:AllowLoopback", "true", "--Webhooks:FirstBackoffMs", "100", "--Webhooks:RetryDelayMs", "50"];
        string id;
        await using (var server = await ServerProcess.StartAsync(dataDir.Path, args))
        {
            var platform = new PlatformService.PlatformServiceClient(server.As("platform"));
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            await platform.AddSellersAsync(new AddSellersRequest { SellerIds = { sellers } });
            var created = await platform.CreateWebhookAsync(new CreateWebhookRequest { Url = receiver.Url, SellersOnly = true });
            receiver.Secret = created.Secret;
            id = created.Webhook.WebhookId;
            foreach (var s in sellers)
            {
                await regulator.RecordViolationAsync(Requests.Violation(s));
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (receiver.Snapshot().Count < 2)
            {
                Assert.True(DateTime.UtcNow < deadline, "no deliveries before the kill");
                await Task.Delay(20);
            }

            await server.KillHardAsync();
        }

        var atKill = receiver.Snapshot().Count;
        Assert.True(atKill < events, $"backlog already delivered ({atKill}) before the kill");
        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path, args))
        {
            receiver.Behave = _ => (TimeSpan.Zero, 200);
            var platform = new PlatformService.PlatformServiceClient(restarted.As("platform"));
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                var hook = (await platform.ListWebhooksAsync(new ListWebhooksRequest())).Webhooks.Single(w => w.WebhookId == id);
                if (hook.Delivered == events)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"backlog not delivered after restart: {hook}");
                await Task.Delay(100);
            }
        }

        var received = receiver.Snapshot();
        Assert.Equal(0, receiver.BadSignatures);
        Assert.Equal(sellers, received.Select(e => JsonDocument.Parse(e.Body).RootElement.GetProperty("data").GetProperty("operatorId").GetString()));
        Assert.Equal(events, received.Select(e => e.Id).Distinct().Count());
    }

    private static async Task RecordInterleavedAsync(RegulatorService.RegulatorServiceClient regulator, string[] mine, string[] others)
    {
        for (var i = 0; i < mine.Length; i++)
        {
            await regulator.RecordViolationAsync(Requests.Violation(others[i]));
            await regulator.RecordViolationAsync(Requests.Violation(mine[i]));
        }
    }
}

/// <summary>A webhook failing for Webhooks:DisableAfter is disabled with the reason; redelivery re-enables it.</summary>
public sealed class WebhookDisableTests : IAsyncLifetime
{
    private readonly TempDir dataDir = new("disable");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        dataDir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task FailingLongerThanDisableAfter_IsDisabledWithTheReason()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Behave = _ => (TimeSpan.Zero, 503);
        await using var server = await ServerProcess.StartAsync(
            dataDir.Path, "--Webhooks:AllowLoopback", "true", "--Webhooks:DisableAfter", "00:00:02", "--Webhooks:FirstBackoffMs", "200", "--Webhooks:MaxBackoffMs", "400", "--Webhooks:RetryDelayMs", "20", "--Webhooks:BreakMs", "500");
        var platform = new PlatformService.PlatformServiceClient(server.As("platform"));
        var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
        var created = await platform.CreateWebhookAsync(new CreateWebhookRequest { Url = receiver.Url });
        receiver.Secret = created.Secret;
        var op = TestUscc.Fresh();
        await regulator.RecordViolationAsync(Requests.Violation(op));

        Webhook hook;
        var deadline = DateTime.UtcNow.AddSeconds(40);
        do
        {
            await Task.Delay(200);
            hook = (await platform.ListWebhooksAsync(new ListWebhooksRequest())).Webhooks.Single();
            Assert.True(DateTime.UtcNow < deadline, $"not disabled: {hook}");
        }
        while (hook.Enabled);

        Assert.Contains("Webhooks:DisableAfter", hook.DisabledReason);
        Assert.Contains("503", hook.DisabledReason);
        var attempts = await platform.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { WebhookId = hook.WebhookId });
        Assert.All(attempts.Deliveries, d => Assert.Equal(503, d.HttpStatus));

        receiver.Behave = _ => (TimeSpan.Zero, 200);
        var again = await platform.RedeliverWebhookAsync(new RedeliverWebhookRequest { WebhookId = hook.WebhookId });
        Assert.True(again.Webhook.Enabled);
        deadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Snapshot().Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "not delivered after redelivery");
            await Task.Delay(100);
        }
    }
}
