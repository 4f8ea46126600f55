using Microsoft.Extensions.Options;
using WangJian.Credit.Server.Delivery;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Webhooks;

/// <summary><c>Webhooks:*</c>: the delivery pipeline of each endpoint, its backoff between rounds and its limits.</summary>
public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions o)
    {
        var f = new OptionFailures();
        if (o.DisableAfter <= TimeSpan.Zero)
        {
            f.Add($"a failing webhook must be disabled after a positive time, got {o.DisableAfter}", "Webhooks:DisableAfter");
        }

        f.Positive(o.AttemptTimeout, "Webhooks:AttemptTimeoutMs");
        DeliveryPipeline.Check(f, "Webhooks", o.Retries, o.RetryDelay, o.Break);
        f.Positive(o.FirstBackoff, "Webhooks:FirstBackoffMs");
        f.Positive(o.MaxBackoff, "Webhooks:MaxBackoffMs");
        if (o.MaxBackoff < o.FirstBackoff)
        {
            f.Add($"the longest backoff ({o.MaxBackoffMs} ms) is shorter than the first ({o.FirstBackoffMs} ms)", "Webhooks:MaxBackoffMs");
        }

        if (o.MaxPerPlatform < 1)
        {
            f.Add($"{o.MaxPerPlatform} is not a number of webhooks of at least 1", "Webhooks:MaxPerPlatform");
        }

        return f.Result;
    }
}
