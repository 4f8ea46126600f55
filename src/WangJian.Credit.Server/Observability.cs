using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server;

/// <summary>
/// OpenTelemetry metrics (ASP.NET Core, gRPC, Orleans, runtime and the service's own counters) with a
/// Prometheus scrape endpoint on its own port, traces (ASP.NET Core, gRPC client, Orleans) to OTLP when
/// configured, and the Orleans dashboard when enabled.
/// </summary>
public static class Observability
{
    public static void Add(WebApplicationBuilder builder, ObservabilityOptions o, ILogger log)
    {
        var metricsUri = string.IsNullOrWhiteSpace(o.MetricsUrl) ? null : new Uri(o.MetricsUrl);
        if (metricsUri is not null && !PortFree(metricsUri))
        {
            // Several servers on one machine: the second one serves without metrics rather than not at all.
            log.LogWarning("Metrics port {Port} is in use; Prometheus endpoint disabled for this server (set Observability:MetricsUrl)", metricsUri.Port);
            metricsUri = null;
        }

        var otel = builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService("wangjian-credit"));
        if (metricsUri is null && string.IsNullOrWhiteSpace(o.OtlpEndpoint))
        {
            // Nothing would read them: listening to the meters would still aggregate every request's and
            // every Orleans message's measurements (a few % of a read's CPU).
            log.LogInformation("Metrics off: no Prometheus endpoint and no OTLP endpoint configured");
        }
        else
        {
            otel.WithMetrics(m =>
            {
                m.AddMeter(CreditMetrics.MeterName, "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Grpc.AspNetCore.Server", "Grpc.Net.Client", "Polly")
                    .AddRuntimeInstrumentation();
                if (metricsUri is not null)
                {
                    m.AddPrometheusHttpListener(p =>
                    {
                        p.Host = metricsUri.Host;
                        p.Port = metricsUri.Port;
                        p.ScrapeEndpointPath = "/metrics";
                        // Tests and operators want to see a change at once, not after a cached scrape.
                        p.ScrapeResponseCacheDurationMilliseconds = 0;
                    });
                }

                if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint))
                {
                    m.AddOtlpExporter(x => x.Endpoint = new Uri(o.OtlpEndpoint));
                }
            });
        }

        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint))
        {
            otel.WithTracing(t => t
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation()
                .AddGrpcClientInstrumentation()
                .AddOtlpExporter(x => x.Endpoint = new Uri(o.OtlpEndpoint)));
        }

        if (o.Dashboard)
        {
            // The dashboard is a browser page: HTTP/1.1 on its own port, beside the h2c gRPC endpoint.
            var dashboard = new Uri(o.DashboardUrl);
            var grpcUrls = (builder.Configuration["Urls"] ?? "http://127.0.0.1:5080").Split(';', StringSplitOptions.RemoveEmptyEntries);
            builder.WebHost.ConfigureKestrel(k =>
            {
                foreach (var url in grpcUrls.Select(u => new Uri(u.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal))))
                {
                    k.Listen(Address(url), url.Port, l => l.Protocols = HttpProtocols.Http2);
                }

                k.Listen(Address(dashboard), dashboard.Port, l => l.Protocols = HttpProtocols.Http1);
            });
        }
    }

    public static void AddDashboard(Orleans.Hosting.ISiloBuilder silo, ObservabilityOptions o)
    {
        if (o.Dashboard)
        {
            silo.AddDashboard(_ => { });
        }
    }

    public static void Map(WebApplication app, ObservabilityOptions o)
    {
        if (o.Dashboard)
        {
            var port = new Uri(o.DashboardUrl).Port;
            app.MapOrleansDashboard("/dashboard").RequireHost($"*:{port}");
        }
    }

    private static IPAddress Address(Uri url) =>
        url.Host is "localhost" ? IPAddress.Loopback : IPAddress.TryParse(url.Host, out var ip) ? ip : IPAddress.Any;

    private static bool PortFree(Uri uri)
    {
        try
        {
            using var l = new TcpListener(Address(uri), uri.Port);
            l.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
