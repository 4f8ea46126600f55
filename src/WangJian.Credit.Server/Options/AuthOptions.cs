namespace WangJian.Credit.Server.Options;

/// <summary>Who may call. Section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The configured principals. Empty with the embedded store: dev tokens are generated.</summary>
    public List<PrincipalOptions> Principals { get; set; } = [];
}

/// <summary>One caller. The token itself is never configured, only its SHA-256.</summary>
public sealed class PrincipalOptions
{
    /// <summary>Recorded as recorded_by / checked_by.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>regulator</c>, <c>platform</c>, <c>agency</c> or <c>admin</c>.</summary>
    public string Role { get; set; } = "";

    /// <summary>For role agency: SAMR, NDRC, MIIT, MPS, MOFCOM, GACC, CAC or SPB.</summary>
    public string? Agency { get; set; }

    /// <summary>Lower-case hex SHA-256 of the bearer token.</summary>
    public string TokenSha256 { get; set; } = "";
}

/// <summary>Agency receivers for push delivery of notices. Section <c>Agencies</c>.</summary>
public sealed class AgencyEndpointsOptions
{
    public const string Section = "Agencies";

    /// <summary>By agency code; an agency with no endpoint pulls with ListNotices.</summary>
    public Dictionary<string, AgencyEndpoint> Endpoints { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One agency's NoticeReceiverService.</summary>
public sealed class AgencyEndpoint
{
    /// <summary>e.g. <c>https://credit-gateway.ndrc.example:8443</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>Bearer token the agency's receiver expects, if any.</summary>
    public string? Token { get; set; }
}
