namespace WangJian.Credit.Server.Options;

/// <summary>Where durable state lives. Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>
    /// A StackExchange.Redis connection string (e.g. <c>localhost:6379</c>). Empty: start an embedded
    /// Garnet in-process on a free loopback port, with its data under <see cref="DataDir"/>.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>Directory of the embedded store's AOF and checkpoints, and of dev-tokens.json. Default <c>./data</c>.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>How long one store operation may take before the call fails with UNAVAILABLE.</summary>
    public int OperationTimeoutMs { get; set; } = 5000;

    /// <summary><c>OperationTimeoutMs</c> as a duration.</summary>
    public TimeSpan OperationTimeout => TimeSpan.FromMilliseconds(OperationTimeoutMs);

    /// <summary>Embedded store: seconds between checkpoints (0: only when the log passes <see cref="LogSizeLimitMb"/>).</summary>
    public int CheckpointIntervalSeconds { get; set; } = 60;

    /// <summary><c>CheckpointIntervalSeconds</c> as a duration (zero: by log size only).</summary>
    public TimeSpan CheckpointInterval => TimeSpan.FromSeconds(CheckpointIntervalSeconds);

    /// <summary>
    /// Embedded store: a checkpoint is taken when the log since the last one passes this many MB, or
    /// <see cref="LogGrowthPercent"/> of the last checkpoint's size if that is more; bounds the data dir and
    /// the log a start replays.
    /// </summary>
    public int LogSizeLimitMb { get; set; } = 64;

    /// <summary>
    /// Embedded store: the log since the last checkpoint may grow to this share of that checkpoint's size
    /// before the next (0: <see cref="LogSizeLimitMb"/> alone). A store far larger than the limit is then not
    /// rewritten whole for every <c>LogSizeLimitMb</c> of log.
    /// </summary>
    public int LogGrowthPercent { get; set; } = 100;

    /// <summary>
    /// Embedded store: start even if its log ends before the last commit this server recorded (cut, torn or
    /// corrupt), logging what was dropped. Without it such a start is refused.
    /// </summary>
    public bool AcceptDataLoss { get; set; }

    public bool Embedded => string.IsNullOrWhiteSpace(Redis);
}

/// <summary>The Orleans silo. Section <c>Orleans</c>.</summary>
public sealed class OrleansOptions
{
    public const string Section = "Orleans";

    /// <summary>Servers with the same ClusterId on the same Redis form one cluster.</summary>
    public string ClusterId { get; set; } = "wangjian-credit";

    public string ServiceId { get; set; } = "wangjian-credit";

    /// <summary>Silo-to-silo port; 0 picks a free one (fine for a single server).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Address other silos reach this one at. Default loopback.</summary>
    public string AdvertisedIp { get; set; } = "127.0.0.1";
}

/// <summary>Which policy file scores. Section <c>Policy</c>.</summary>
public sealed class PolicyOptions
{
    public const string Section = "Policy";

    /// <summary>
    /// Path of the policy JSON; default the shipped <c>policy/policy.json</c>. It is the initial version
    /// of a fresh store; later versions are published (PolicyService) and live in the store.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>How many operators a rollout re-assesses at once (1–1,024): bounds its share of the silo.</summary>
    public int RolloutConcurrency { get; set; } = 8;

    /// <summary>At most this many operators re-assessed per second by a rollout; 0: no limit.</summary>
    public double RolloutRatePerSecond { get; set; }
}

/// <summary>Metrics, traces and the Orleans dashboard. Section <c>Observability</c>.</summary>
public sealed class ObservabilityOptions
{
    public const string Section = "Observability";

    /// <summary>Prometheus scrape endpoint (HTTP/1.1, its own port); empty disables it.</summary>
    public string MetricsUrl { get; set; } = "http://127.0.0.1:9464/";

    /// <summary>OTLP collector for traces and metrics (e.g. http://127.0.0.1:4317); empty: none.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Serve the Orleans dashboard.</summary>
    public bool Dashboard { get; set; }

    /// <summary>Where the dashboard listens (HTTP/1.1), path <c>/dashboard</c>.</summary>
    public string DashboardUrl { get; set; } = "http://127.0.0.1:8081";
}
