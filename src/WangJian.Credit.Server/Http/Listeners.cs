using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace WangJian.Credit.Server.Http;

/// <summary>
/// The two kinds of Kestrel endpoint: <c>Urls</c> speak gRPC over HTTP/2 (h2c without TLS, prior
/// knowledge), <c>Http:Urls</c> HTTP/1.1 and HTTP/2 for REST/JSON, the OpenAPI document and /docs.
/// Cleartext HTTP/2 cannot be negotiated on a port that also speaks HTTP/1.1, hence two ports.
/// An https URL uses Kestrel's usual certificate settings (Kestrel:Certificates:Default).
/// </summary>
public sealed class Listeners
{
    public const string HttpUrlsKey = "Http:Urls";
    public const string DefaultGrpcUrls = "http://127.0.0.1:5080";
    public const string DefaultHttpUrls = "http://127.0.0.1:5081";

    private readonly List<(ListenOptions Options, BindingAddress Address)> grpc = [];
    private readonly List<(ListenOptions Options, BindingAddress Address)> http = [];
    private readonly IReadOnlyList<BindingAddress> grpcAddresses;
    private readonly IReadOnlyList<BindingAddress> httpAddresses;

    private Listeners(IReadOnlyList<BindingAddress> grpcAddresses, IReadOnlyList<BindingAddress> httpAddresses)
    {
        this.grpcAddresses = grpcAddresses;
        this.httpAddresses = httpAddresses;
    }

    /// <summary>Reads <c>Urls</c> and <c>Http:Urls</c> (each ';'-separated; an empty Http:Urls turns REST off).</summary>
    public static Listeners From(IConfiguration config)
    {
        var (grpcUrls, httpUrls) = Configured(config);
        return new Listeners(Parse(grpcUrls, WebHostDefaults.ServerUrlsKey), Parse(httpUrls, HttpUrlsKey));
    }

    /// <summary>The configured <c>Urls</c> (empty: the default) and <c>Http:Urls</c> (unset: the default; empty: off).</summary>
    public static (string GrpcUrls, string HttpUrls) Configured(IConfiguration config) =>
        (config[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } u ? u : DefaultGrpcUrls, config[HttpUrlsKey] ?? DefaultHttpUrls);

    /// <summary>The gRPC addresses as bound (a port 0 replaced by the one picked); valid once started.</summary>
    public IReadOnlyList<string> GrpcUrls => grpc.Select(UrlOf).ToList();

    /// <summary>The REST/JSON addresses as bound; valid once started.</summary>
    public IReadOnlyList<string> HttpUrls => http.Select(UrlOf).ToList();

    public void Bind(KestrelServerOptions kestrel)
    {
        foreach (var a in grpcAddresses)
        {
            Listen(kestrel, a, HttpProtocols.Http2, grpc);
        }

        foreach (var a in httpAddresses)
        {
            // HTTP/2 needs TLS (ALPN) on a port that also speaks HTTP/1.1.
            Listen(kestrel, a, a.Scheme == "https" ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1, http);
        }
    }

    private static void Listen(KestrelServerOptions kestrel, BindingAddress address, HttpProtocols protocols, List<(ListenOptions Options, BindingAddress Address)> bound)
    {
        void Configure(ListenOptions o)
        {
            o.Protocols = protocols;
            if (address.Scheme == "https")
            {
                o.UseHttps();
            }

            bound.Add((o, address));
        }

        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, Configure);
        }
        else if (IPAddress.TryParse(address.Host, out var ip))
        {
            kestrel.Listen(ip, address.Port, Configure);
        }
        else
        {
            // "*", "+", "0.0.0.0"-like wildcards and host names: every interface, as Kestrel does for Urls.
            kestrel.ListenAnyIP(address.Port, Configure);
        }
    }

    private static List<BindingAddress> Parse(string urls, string key)
    {
        var list = new List<BindingAddress>();
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress a;
            try
            {
                a = BindingAddress.Parse(url);
            }
            catch (FormatException e)
            {
                throw new InvalidOperationException($"{key}: '{url}' is not a URL like http://127.0.0.1:5081 ({e.Message})");
            }

            if (a.IsUnixPipe || a.Scheme is not ("http" or "https") || a.PathBase.Length > 0)
            {
                throw new InvalidOperationException($"{key}: '{url}' must be http://host:port or https://host:port");
            }

            list.Add(a);
        }

        return list;
    }

    private static string UrlOf((ListenOptions Options, BindingAddress Address) bound) =>
        bound.Options.IPEndPoint is { } ep ? $"{bound.Address.Scheme}://{ep}" : $"{bound.Address.Scheme}://{bound.Address.Host}:{bound.Address.Port}";
}
