using Microsoft.Extensions.Options;

namespace WangJian.Credit.Server.Options;

/// <summary>
/// <c>Auth:*</c> as far as it can be judged alone: single sign-on needs its audience and an issuer, and the
/// issuer's address is a URL. Each principal is checked with its role when the registry is built (PrincipalRegistry).
/// </summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions o)
    {
        var f = new OptionFailures();
        var jwt = o.Jwt;
        if (!string.IsNullOrWhiteSpace(jwt.Authority) && (!Uri.TryCreate(jwt.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("http" or "https")))
        {
            f.Add($"'{jwt.Authority}' is not the http:// or https:// URL of an issuer", "Auth:Jwt:Authority");
        }

        if (jwt.Enabled && string.IsNullOrWhiteSpace(jwt.Audience))
        {
            f.Add("JWT bearer tokens need the audience this service expects", "Auth:Jwt:Audience");
        }

        if (jwt.Enabled && string.IsNullOrWhiteSpace(jwt.Issuer) && string.IsNullOrWhiteSpace(jwt.Authority))
        {
            f.Add("a JWKS file needs the issuer its tokens carry", "Auth:Jwt:Issuer");
        }

        return f.Result;
    }
}

/// <summary><c>Audit:*</c>.</summary>
public sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions o)
    {
        var f = new OptionFailures();
        if (o.RetainFor <= TimeSpan.Zero)
        {
            f.Add($"the access log retention must be positive, got {o.RetainFor}", "Audit:RetainFor");
        }

        return f.Result;
    }
}

/// <summary><c>Approvals:*</c>: the gated actions are known ones and approvals expire after a positive time.</summary>
public sealed class ApprovalsOptionsValidator : IValidateOptions<ApprovalsOptions>
{
    public ValidateOptionsResult Validate(string? name, ApprovalsOptions o)
    {
        var f = new OptionFailures();
        try
        {
            Approvals.FourEyes.Parse(o.SecondPersonFor);
        }
        catch (InvalidOperationException e)
        {
            f.Add(e.Message.Replace(" (Approvals:SecondPersonFor)", string.Empty, StringComparison.Ordinal), "Approvals:SecondPersonFor");
        }

        if (o.ExpireAfter <= TimeSpan.Zero)
        {
            f.Add($"approvals must expire after a positive time, got {o.ExpireAfter}", "Approvals:ExpireAfter");
        }

        return f.Result;
    }

    /// <summary>A list in JSON (["REVOKE"]) or one comma-separated string (REVOKE,LISTING_REPAIR); NONE or empty: one step.</summary>
    public static void ReadSecondPersonFor(ApprovalsOptions o, IConfiguration config)
    {
        var gated = config.GetSection($"{ApprovalsOptions.Section}:SecondPersonFor");
        if (gated.Value is not null || gated.GetChildren().Any())
        {
            o.SecondPersonFor = gated.Value ?? string.Join(",", gated.GetChildren().Select(c => c.Value));
        }
    }
}

/// <summary><c>Agencies:Endpoints:*</c>: receivers of known agencies at http(s) URLs.</summary>
public sealed class AgencyEndpointsOptionsValidator : IValidateOptions<AgencyEndpointsOptions>
{
    public ValidateOptionsResult Validate(string? name, AgencyEndpointsOptions o)
    {
        var f = new OptionFailures();
        foreach (var (agency, endpoint) in o.Endpoints)
        {
            if (!Domain.Agencies.All.Contains(agency))
            {
                f.Add($"'{agency}' is not an agency: {string.Join(", ", Domain.Agencies.All)}", $"{AgencyEndpointsOptions.Section}:Endpoints:{agency}");
            }
            else if (!string.IsNullOrWhiteSpace(endpoint.Url) && (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
            {
                f.Add($"'{endpoint.Url}' is not an http:// or https:// URL", $"{AgencyEndpointsOptions.Section}:Endpoints:{agency}:Url");
            }
        }

        return f.Result;
    }
}
