using Microsoft.Extensions.Options;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Reports;

/// <summary>
/// <c>Reports:*</c>: a configured font or signing key must exist (the font's outlines and the key's curve are
/// checked when they are loaded). Neither configured: the defaults apply (ReportFont.DefaultPaths, a key created
/// in the data directory).
/// </summary>
public sealed class ReportOptionsValidator : IValidateOptions<ReportOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportOptions o)
    {
        var f = new OptionFailures();
        if (!string.IsNullOrWhiteSpace(o.FontPath) && !File.Exists(o.FontPath))
        {
            f.Add($"the report font {o.FontPath} does not exist", "Reports:FontPath");
        }

        if (!string.IsNullOrWhiteSpace(o.SigningKeyPath) && !File.Exists(o.SigningKeyPath))
        {
            f.Add($"the report signing key {o.SigningKeyPath} does not exist", "Reports:SigningKeyPath");
        }

        return f.Result;
    }
}
