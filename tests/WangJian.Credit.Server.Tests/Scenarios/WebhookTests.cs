using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Webhooks against real receivers on loopback: every signature verified with the specification's
/// algorithm; a receiver that fails 5 times, one that stalls past the attempt timeout, and one that is
/// down for a while each end up with every event exactly once per id, in order.
/// </summary>
[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class WebhookTests(ServerFixture server)
{
    private const int Events = 6;

    [Theory]
    [InlineData("fails5")]
    [InlineData("stalls")]
    public async Task TroubledReceiver_GetsEveryEventOncePerId_InOrder(string trouble)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Behave = trouble == "fails5"
            ? n => (TimeSpan.Zero, n <= 5 ? 500 : 200)
            : n => (n == 2 ? TimeSpan.FromSeconds(3) : TimeSpan.Zero, 200);
        await RunAsync(receiver, async (sellers, _) => await RecordAsync(sellers));
        if (trouble == "fails5")
        {
            Assert.True(receiver.Requests >= Events + 5);
        }
    }

    [Fact]
    public async Task ReceiverDownForAWhile_GetsEveryEventOncePerId_InOrder()
    {
        var port = FreePort();
        WebhookReceiver? late = null;
        try
        {
            await RunAsync(
                url: $"http://127.0.0.1:{port}/hook",
                receiver: () => Task.FromResult(late!),
                produce: async (sellers, secret) =>
                {
                    await RecordAsync(sellers);
                    // Down for 3 s (the 20 s of the scenario, scaled like the test server's retry times).
                    await Task.Delay(TimeSpan.FromSeconds(3));
                    late = await WebhookReceiver.StartAsync(port, secret);
                },
                setSecret: _ => { });
        }
        finally
        {
            if (late is not null)
            {
                await late.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A queue number taken with nothing stored under it (what a crash inside a script left in a store of an
    /// earlier build): the dispatcher steps over it and delivers what follows, instead of stopping there.
    /// </summary>
    [Fact]
    public async Task QueueWithAHoleFromAnEarlierBuild_DeliveryStepsOverIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var sellers = await NewSellersAsync(2);
        var created = await server.Platform.CreateWebhookAsync(new CreateWebhookRequest { Url = receiver.Url, SellersOnly = true });
        receiver.Secret = created.Secret;
        var id = created.Webhook.WebhookId;
        try
        {
            async Task<Webhook> StateAsync() => (await server.Platform.ListWebhooksAsync(new ListWebhooksRequest())).Webhooks.Single(w => w.WebhookId == id);
            // Other tests' sellers share the platform's watchlist: their changes may queue too, so counts are "at least".
            await RecordAsync(sellers[..1]);
            Webhook? last = null;
            await WaitAsync(async () => (last = await StateAsync()) is { Queued: >= 1 } w && w.Delivered == w.Queued, () => $"{last}");
            var hole = last!.Queued + 1;

            await server.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase().StringIncrementAsync($"wj:view:w:{id}:seq");
            await RecordAsync(sellers[1..]);
            await WaitAsync(async () => (last = await StateAsync()) is var w && w.Queued > hole && w.Delivered == w.Queued, () => $"{last}");

            var events = receiver.Snapshot();
            Assert.Equal(0, receiver.BadSignatures);
            var expected = Enumerable.Range(1, (int)last!.Queued).Where(i => i != hole).Select(i => $"w1.{i}");
            Assert.Equal(expected, events.Select(e => JsonDocument.Parse(e.Body).RootElement.GetProperty("data").GetProperty("cursor").GetString()));
            Assert.Equal(sellers, events.Select(e => JsonDocument.Parse(e.Body).RootElement.GetProperty("data").GetProperty("operatorId").GetString()).Where(sellers.Contains));
        }
        finally
        {
            await server.Platform.DeleteWebhookAsync(new DeleteWebhookRequest { WebhookId = id });
        }
    }

    [Fact]
    public async Task CreateWebhook_RefusesPrivateAndMetadataAddresses_AndUnknownEvents()
    {
        foreach (var url in new[] { "http://10.0.0.1/hook", "http://169.254.169.254/latest/meta-data/", "https://192.168.1.10/x", "ftp://example.com/x", "not a url" })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => server.Platform.CreateWebhookAsync(new CreateWebhookRequest { Url = url }).ResponseAsync);
            Assert.Equal("url", Assert.Single(Requests.BadFields(e)));
        }

        var events = await Assert.ThrowsAsync<RpcException>(() => server.Platform.CreateWebhookAsync(new CreateWebhookRequest { Url = "http://127.0.0.1:9/x", Events = { "credit.exploded" } }).ResponseAsync);
        Assert.Equal("events[0]", Assert.Single(Requests.BadFields(events)));
        var regulator = new PlatformService.PlatformServiceClient(server.As("regulator"));
        var denied = await Assert.ThrowsAsync<RpcException>(() => regulator.ListWebhooksAsync(new ListWebhooksRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task Webhooks_ListRotateDeliveriesRedeliverDelete()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var sellers = await NewSellersAsync(2);
        var created = await server.Platform.CreateWebhookAsync(new CreateWebhookRequest { Url = receiver.Url, SellersOnly = true });
        Assert.StartsWith("whsec_", created.Secret);
        receiver.Secret = created.Secret;
        var id = created.Webhook.WebhookId;
        Assert.Contains((await server.Platform.ListWebhooksAsync(new ListWebhooksRequest())).Webhooks, w => w.WebhookId == id && w.Enabled);

        await RecordAsync(sellers[..1]);
        await WaitAsync(() => receiver.Snapshot().Any(e => e.Body.Contains(sellers[0])));
        var deliveries = await server.Platform.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { WebhookId = id });
        var first = deliveries.Deliveries.First(d => d.Succeeded);
        Assert.Equal(200, first.HttpStatus);

        // After rotation the receiver must use the new secret: the old one no longer verifies.
        var rotated = await server.Platform.RotateWebhookSecretAsync(new RotateWebhookSecretRequest { WebhookId = id });
        Assert.NotEqual(created.Secret, rotated.Secret);
        receiver.Secret = rotated.Secret;
        await RecordAsync(sellers[1..]);
        await WaitAsync(() => receiver.Snapshot().Any(e => e.Body.Contains(sellers[1])));
        Assert.Equal(0, receiver.BadSignatures);

        // Redeliver from the first event: the receiver sees the same ids again (it keeps each once).
        var before = receiver.Requests;
        var redelivered = await server.Platform.RedeliverWebhookAsync(new RedeliverWebhookRequest { WebhookId = id, EventId = first.EventId });
        Assert.True(redelivered.Webhook.Enabled);
        await WaitAsync(() => receiver.Requests >= before + 2);

        await server.Platform.DeleteWebhookAsync(new DeleteWebhookRequest { WebhookId = id });
        var gone = await Assert.ThrowsAsync<RpcException>(() => server.Platform.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { WebhookId = id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    private Task RunAsync(WebhookReceiver receiver, Func<string[], string, Task> produce) =>
        RunAsync(receiver.Url, () => Task.FromResult(receiver), produce, s => receiver.Secret = s);

    /// <summary>
    /// Fresh sellers, a sellers_only webhook, their changes; then the receiver must hold every event of
    /// this webhook's queue once, in queue order (cursors w1.1, w1.2, …), the sellers' changes among them.
    /// </summary>
    private async Task RunAsync(string url, Func<Task<WebhookReceiver>> receiver, Func<string[], string, Task> produce, Action<string> setSecret)
    {
        var sellers = await NewSellersAsync(Events);
        var created = await server.Platform.CreateWebhookAsync(new CreateWebhookRequest { Url = url, SellersOnly = true });
        setSecret(created.Secret);
        var id = created.Webhook.WebhookId;
        try
        {
            await produce(sellers, created.Secret);
            var r = await receiver();
            Webhook? last = null;
            await WaitAsync(
                async () =>
                {
                    last = (await server.Platform.ListWebhooksAsync(new ListWebhooksRequest())).Webhooks.Single(w => w.WebhookId == id);
                    return last.Delivered == last.Queued && last.Queued >= Events;
                },
                () => $"{last}; bad signatures {r.BadSignatures}, requests {r.Requests}");
            var events = r.Snapshot();
            Assert.Equal(0, r.BadSignatures);
            var cursors = events.Select(e => JsonDocument.Parse(e.Body).RootElement.GetProperty("data").GetProperty("cursor").GetString()).ToList();
            Assert.Equal(Enumerable.Range(1, cursors.Count).Select(i => $"w1.{i}"), cursors);
            Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
            var ours = events.Select(e => JsonDocument.Parse(e.Body).RootElement.GetProperty("data").GetProperty("operatorId").GetString())
                .Where(sellers.Contains).ToList();
            Assert.Equal(sellers, ours);
        }
        finally
        {
            await server.Platform.DeleteWebhookAsync(new DeleteWebhookRequest { WebhookId = id });
        }
    }

    private async Task<string[]> NewSellersAsync(int n)
    {
        var sellers = Enumerable.Range(0, n).Select(_ => TestUscc.Fresh()).ToArray();
        await server.Platform.AddSellersAsync(new AddSellersRequest { SellerIds = { sellers } });
        return sellers;
    }

    /// <summary>One change per seller, in order (one GENERAL violation: A → B).</summary>
    private async Task RecordAsync(IEnumerable<string> sellers)
    {
        foreach (var s in sellers)
        {
            await server.Regulator.RecordViolationAsync(Requests.Violation(s));
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> done, Func<string>? state = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for deliveries: " + state?.Invoke());
            await Task.Delay(100);
        }
    }

    private static Task WaitAsync(Func<bool> done) => WaitAsync(() => Task.FromResult(done()));

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
