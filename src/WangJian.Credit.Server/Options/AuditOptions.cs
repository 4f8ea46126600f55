namespace WangJian.Credit.Server.Options;

/// <summary>The access log. Section <c>Audit</c>.</summary>
public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>How long access records are kept (default 5 years).</summary>
    public TimeSpan RetainFor { get; set; } = TimeSpan.FromDays(5 * 365 + 1);

    /// <summary>False turns the access log off (for measuring its cost; keep it on in production).</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>Four-eyes approval of grave changes. Section <c>Approvals</c>.</summary>
public sealed class ApprovalsOptions
{
    public const string Section = "Approvals";

    /// <summary>
    /// The actions that need a second person: <c>REVOKE</c>, <c>LISTING_REPAIR</c> (both by default);
    /// <c>NONE</c> or empty for one-step changes.
    /// </summary>
    public string SecondPersonFor { get; set; } = "REVOKE,LISTING_REPAIR,PUBLISH_POLICY";

    /// <summary>A pending approval not decided within this time expires (default 7 days).</summary>
    public TimeSpan ExpireAfter { get; set; } = TimeSpan.FromDays(7);
}
