using Microsoft.Extensions.Options;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Webhooks;

public static class WebhookExtensions
{
    /// <summary>Webhooks of platforms (<c>Webhooks:*</c>): the store, the signed sender and the dispatcher (a hosted service).</summary>
    public static void AddWebhooks(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<WebhookOptions, WebhookOptionsValidator>(WebhookOptions.Section);
        var services = builder.Services;
        services.AddSingleton(sp => new UrlGuard(sp.GetRequiredService<IOptions<WebhookOptions>>().Value));
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();
    }
}
