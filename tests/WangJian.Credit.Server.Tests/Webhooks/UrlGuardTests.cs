using System.Net;
using WangJian.Credit.Server.Webhooks;

namespace WangJian.Credit.Server.Tests.Webhooks;

/// <summary>Webhook URLs may not reach into the server's network, at creation or at connection.</summary>
[Trait("Category", "Unit")]
public sealed class UrlGuardTests
{
    private readonly UrlGuard strict = new(new WebhookOptions());
    private readonly UrlGuard loopback = new(new WebhookOptions { AllowLoopback = true });

    [Theory]
    [InlineData("http://10.0.0.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("https://169.254.169.254/")]
    [InlineData("https://10.1.2.3/")]
    [InlineData("https://172.16.0.1/")]
    [InlineData("https://192.168.0.1/")]
    [InlineData("https://100.64.0.1/")]
    [InlineData("https://0.0.0.0/")]
    [InlineData("https://[fd00::1]/")]
    [InlineData("https://[fe80::1]/")]
    [InlineData("https://[::ffff:10.0.0.1]/")]
    [InlineData("https://user:pw@8.8.8.8/")]
    [InlineData("ftp://8.8.8.8/")]
    public async Task PrivateLinkLocalAndOddUrls_AreRefused_EvenWithAllowLoopback(string url)
    {
        Assert.NotNull(await strict.CheckAsync(url, default));
        Assert.NotNull(await loopback.CheckAsync(url, default));
    }

    [Fact]
    public async Task Loopback_And_Http_OnlyWithAllowLoopback()
    {
        Assert.NotNull(await strict.CheckAsync("http://127.0.0.1:9000/hook", default));
        Assert.NotNull(await strict.CheckAsync("https://localhost/hook", default));
        Assert.Null(await loopback.CheckAsync("http://127.0.0.1:9000/hook", default));
        // http to a public address stays refused: only https leaves the machine.
        Assert.Contains("https", await loopback.CheckAsync("http://8.8.8.8/hook", default));
        Assert.Null(await strict.CheckAsync("https://8.8.8.8/hook", default));
    }

    [Fact]
    public async Task Sender_ChecksTheAddressItConnectsTo()
    {
        // A URL that passed at creation but now points at a refused address (DNS rebinding) fails at connect.
        await using var receiver = await WebhookReceiver.StartAsync();
        using var sender = new WebhookSender(strict, TimeProvider.System);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => sender.SendAsync(receiver.Url, WebhookStore.NewSecret(), "evt_1", "{}", default));
        Assert.Contains("not a public address", e.Message);
        Assert.Equal(0, receiver.Requests);
    }

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("2001:4860:4860::8888", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData("224.0.0.1", false)]
    public void IsPublic(string address, bool expected) => Assert.Equal(expected, UrlGuard.IsPublic(IPAddress.Parse(address)));
}
