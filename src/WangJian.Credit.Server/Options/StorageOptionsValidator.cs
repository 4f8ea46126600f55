using Microsoft.Extensions.Options;
using WangJian.Credit.Server.Startup;

namespace WangJian.Credit.Server.Options;

/// <summary><c>Storage:*</c>: values that bind but cannot work are refused at start, naming the setting.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions o)
    {
        var f = new OptionFailures();
        f.Positive(o.OperationTimeout, "Storage:OperationTimeoutMs");
        if (string.IsNullOrWhiteSpace(o.DataDir))
        {
            f.Add("a data directory is required", "Storage:DataDir");
        }

        if (o.CheckpointIntervalSeconds < 0)
        {
            f.Add($"{o.CheckpointIntervalSeconds} is not 0 (checkpoints by log size only) or a number of seconds", "Storage:CheckpointIntervalSeconds");
        }

        if (o.LogSizeLimitMb < 1)
        {
            f.Add($"{o.LogSizeLimitMb} is not a log size of at least 1 MB", "Storage:LogSizeLimitMb");
        }

        if (o.LogGrowthPercent is < 0 or > 1000)
        {
            f.Add($"{o.LogGrowthPercent} is not a share of the last checkpoint from 0 (the size limit alone) to 1000 %", "Storage:LogGrowthPercent");
        }

        if (!o.Embedded)
        {
            try
            {
                Preflight.ParseRedis(o.Redis!, "Storage:Redis");
            }
            catch (StartupException e)
            {
                f.Add(e.Message[..^(e.Setting.Length + 3)], e.Setting);
            }
        }

        return f.Result;
    }
}

/// <summary><c>Orleans:*</c>: the silo's identity and endpoint.</summary>
public sealed class OrleansOptionsValidator : IValidateOptions<OrleansOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansOptions o)
    {
        var f = new OptionFailures();
        if (string.IsNullOrWhiteSpace(o.ClusterId) || string.IsNullOrWhiteSpace(o.ServiceId))
        {
            f.Add("the cluster and service ids must not be empty", "Orleans:ClusterId, Orleans:ServiceId");
        }

        if (o.SiloPort is < 0 or > 65535)
        {
            f.Add($"{o.SiloPort} is not a port from 0 to 65535", "Orleans:SiloPort");
        }

        if (!System.Net.IPAddress.TryParse(o.AdvertisedIp, out _))
        {
            f.Add($"'{o.AdvertisedIp}' is not an IP address", "Orleans:AdvertisedIp");
        }

        return f.Result;
    }
}

/// <summary><c>Policy:*</c>: the rollout's bounds (the policy file itself is checked when it is loaded).</summary>
public sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, PolicyOptions o)
    {
        var f = new OptionFailures();
        if (o.RolloutConcurrency is < 1 or > 1024)
        {
            f.Add($"a rollout re-assesses 1 to 1024 operators at once, got {o.RolloutConcurrency}", "Policy:RolloutConcurrency");
        }

        if (o.RolloutRatePerSecond < 0 || !double.IsFinite(o.RolloutRatePerSecond))
        {
            f.Add($"the rollout rate must be 0 (no limit) or positive, got {o.RolloutRatePerSecond}", "Policy:RolloutRatePerSecond");
        }

        if (!string.IsNullOrWhiteSpace(o.Path) && !File.Exists(o.Path))
        {
            f.Add($"the policy file {Path.GetFullPath(o.Path)} does not exist", "Policy:Path");
        }

        return f.Result;
    }
}

/// <summary><c>Observability:*</c>: every endpoint is an http(s) URL or empty.</summary>
public sealed class ObservabilityOptionsValidator : IValidateOptions<ObservabilityOptions>
{
    public ValidateOptionsResult Validate(string? name, ObservabilityOptions o)
    {
        var f = new OptionFailures();
        f.OptionalUrl(o.MetricsUrl, "Observability:MetricsUrl");
        f.OptionalUrl(o.OtlpEndpoint, "Observability:OtlpEndpoint");
        if (o.Dashboard)
        {
            f.OptionalUrl(o.DashboardUrl, "Observability:DashboardUrl");
        }

        return f.Result;
    }
}
