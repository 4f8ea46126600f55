using WangJian.Credit.Server.Startup;

namespace WangJian.Credit.Server.Http;

public static class ListenerExtensions
{
    /// <summary>
    /// gRPC (h2c) on <c>Urls</c>, REST/JSON on <c>Http:Urls</c>. Both settings are checked (form, port range,
    /// port free) before anything starts; the listeners are bound here, so Kestrel's own Urls binding is cleared.
    /// </summary>
    public static Listeners AddCreditListeners(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var (grpcUrls, restUrls) = Listeners.Configured(config);
        foreach (var (setting, urls) in new[] { ("Urls", grpcUrls), (Listeners.HttpUrlsKey, restUrls) })
        {
            foreach (var url in Preflight.ParseUrls(urls, setting))
            {
                if (Preflight.ListenAddress(url.Host) is { } address)
                {
                    Preflight.RequirePortFree(address, url.Port, "HTTP address", setting);
                }
            }
        }

        var listeners = Listeners.From(config);
        builder.Configuration[WebHostDefaults.ServerUrlsKey] = string.Empty;
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, string.Empty);
        builder.WebHost.ConfigureKestrel(listeners.Bind);
        builder.Services.AddSingleton(listeners);
        return listeners;
    }
}
