namespace WangJian.Credit.Server.Options;

/// <summary>Who may call. Section <c>Auth</c>.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>The configured principals. Empty with the embedded store: dev tokens are generated.</summary>
    public List<PrincipalOptions> Principals { get; set; } = [];

    /// <summary>
    /// A JSON file of principals (<c>{"Auth":{"Principals":[…]}}</c>), watched: edits apply to new calls
    /// within seconds, without a restart.
    /// </summary>
    public string? PrincipalsFile { get; set; }

    /// <summary>JWT bearer tokens from an identity provider (single sign-on); off when neither source is set.</summary>
    public JwtOptions Jwt { get; set; } = new();
}

/// <summary>Where signed tokens come from. Section <c>Auth:Jwt</c>.</summary>
public sealed class JwtOptions
{
    /// <summary>The issuer's URL; its OIDC discovery document gives the signing keys (unless <see cref="SigningKeysFile"/>).</summary>
    public string? Authority { get; set; }

    /// <summary>A JWKS file with the issuer's public keys, instead of discovery.</summary>
    public string? SigningKeysFile { get; set; }

    /// <summary>The <c>aud</c> every token must carry (required when JWTs are on).</summary>
    public string? Audience { get; set; }

    /// <summary>The <c>iss</c> every token must carry; defaults to <see cref="Authority"/>.</summary>
    public string? Issuer { get; set; }

    /// <summary>Discovery over https only (default); false for a test issuer on loopback http.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKeysFile);
}

/// <summary>One caller. The token itself is never configured, only its SHA-256.</summary>
public sealed class PrincipalOptions
{
    /// <summary>Recorded as recorded_by / checked_by.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>regulator</c>, <c>platform</c>, <c>agency</c>, <c>admin</c>, <c>operator</c> or <c>auditor</c>.</summary>
    public string Role { get; set; } = "";

    /// <summary>For role agency: SAMR, NDRC, MIIT, MPS, MOFCOM, GACC, CAC or SPB.</summary>
    public string? Agency { get; set; }

    /// <summary>For role regulator (required): authority codes and prefixes ending in <c>*</c> it acts for.</summary>
    public List<string> Authorities { get; set; } = [];

    /// <summary>For role operator (required): the operator's own USCC.</summary>
    public string? Uscc { get; set; }

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
