using System.Net;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Startup;

/// <summary>
/// Values that bind but cannot work are refused at start, naming the setting, rather than clamped or left
/// to fail on the first call.
/// </summary>
public static class OptionChecks
{
    public static void Validate(StorageOptions storage, OrleansOptions silo, ObservabilityOptions observability, DeliveryOptions delivery)
    {
        Positive(storage.OperationTimeoutMs, "Storage:OperationTimeoutMs");
        if (string.IsNullOrWhiteSpace(storage.DataDir))
        {
            throw new StartupException("a data directory is required", "Storage:DataDir");
        }

        if (storage.CheckpointIntervalSeconds < 0)
        {
            throw new StartupException($"{storage.CheckpointIntervalSeconds} is not 0 (checkpoints by log size only) or a number of seconds", "Storage:CheckpointIntervalSeconds");
        }

        if (storage.LogSizeLimitMb < 1)
        {
            throw new StartupException($"{storage.LogSizeLimitMb} is not a log size of at least 1 MB", "Storage:LogSizeLimitMb");
        }

        if (string.IsNullOrWhiteSpace(silo.ClusterId) || string.IsNullOrWhiteSpace(silo.ServiceId))
        {
            throw new StartupException("the cluster and service ids must not be empty", "Orleans:ClusterId, Orleans:ServiceId");
        }

        if (silo.SiloPort is < 0 or > 65535)
        {
            throw new StartupException($"{silo.SiloPort} is not a port from 0 to 65535", "Orleans:SiloPort");
        }

        if (!IPAddress.TryParse(silo.AdvertisedIp, out _))
        {
            throw new StartupException($"'{silo.AdvertisedIp}' is not an IP address", "Orleans:AdvertisedIp");
        }

        OptionalUrl(observability.MetricsUrl, "Observability:MetricsUrl");
        OptionalUrl(observability.OtlpEndpoint, "Observability:OtlpEndpoint");
        if (observability.Dashboard)
        {
            OptionalUrl(observability.DashboardUrl, "Observability:DashboardUrl");
        }

        Positive(delivery.FirstBackoffMs, "Delivery:FirstBackoffMs");
        Positive(delivery.MaxBackoffMs, "Delivery:MaxBackoffMs");
        if (delivery.MaxBackoffMs < delivery.FirstBackoffMs)
        {
            throw new StartupException($"the longest backoff ({delivery.MaxBackoffMs} ms) is shorter than the first ({delivery.FirstBackoffMs} ms)", "Delivery:MaxBackoffMs");
        }

        Positive(delivery.AttemptTimeoutMs, "Delivery:AttemptTimeoutMs");
        if (delivery.Retries is < 1 or > 100)
        {
            throw new StartupException($"{delivery.Retries} is not a number of retries from 1 to 100", "Delivery:Retries");
        }

        Positive(delivery.RetryDelayMs, "Delivery:RetryDelayMs");
        if (delivery.BreakMs < 500)
        {
            throw new StartupException($"{delivery.BreakMs} ms is shorter than the shortest circuit break (500 ms)", "Delivery:BreakMs");
        }
    }

    /// <summary>The address a listener on this host would bind for <paramref name="host"/>, if it is one.</summary>
    public static IPAddress? ListenAddress(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var ip) ? ip : null,
    };

    private static void Positive(int value, string setting)
    {
        if (value <= 0)
        {
            throw new StartupException($"{value} must be a positive number of milliseconds", setting);
        }
    }

    private static void OptionalUrl(string? value, string setting)
    {
        if (!string.IsNullOrWhiteSpace(value) && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new StartupException($"'{value}' is not an http:// or https:// URL with a valid port", setting);
        }
    }
}
