using Microsoft.Extensions.Options;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Web;

/// <summary><c>Console:*</c>.</summary>
public sealed class ConsoleOptionsValidator : IValidateOptions<ConsoleOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsoleOptions o)
    {
        var f = new OptionFailures();
        if (o.SessionTimeout <= TimeSpan.Zero)
        {
            f.Add($"the console session timeout must be positive, got {o.SessionTimeout}", "Console:SessionTimeout");
        }

        return f.Result;
    }
}
