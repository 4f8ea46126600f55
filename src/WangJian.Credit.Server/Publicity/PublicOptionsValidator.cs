using Microsoft.Extensions.Options;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Publicity;

/// <summary><c>Public:*</c>.</summary>
public sealed class PublicOptionsValidator : IValidateOptions<PublicOptions>
{
    public ValidateOptionsResult Validate(string? name, PublicOptions o)
    {
        var f = new OptionFailures();
        if (o.PermitsPerMinute < 1)
        {
            f.Add($"the public rate limit must be at least 1 call a minute, got {o.PermitsPerMinute}", "Public:PermitsPerMinute");
        }

        return f.Result;
    }
}
