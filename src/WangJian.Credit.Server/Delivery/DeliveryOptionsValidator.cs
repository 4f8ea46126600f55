using Microsoft.Extensions.Options;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Delivery;

/// <summary>
/// <c>Delivery:*</c>: the outbox's backoff and the per-agency Polly pipeline. A value the pipeline cannot
/// use (no retry, a circuit break shorter than Polly's 500 ms) is refused, never raised to the minimum.
/// </summary>
public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions o)
    {
        var f = new OptionFailures();
        f.Positive(o.FirstBackoff, "Delivery:FirstBackoffMs");
        f.Positive(o.MaxBackoff, "Delivery:MaxBackoffMs");
        if (o.MaxBackoff < o.FirstBackoff)
        {
            f.Add($"the longest backoff ({o.MaxBackoffMs} ms) is shorter than the first ({o.FirstBackoffMs} ms)", "Delivery:MaxBackoffMs");
        }

        f.Positive(o.AttemptTimeout, "Delivery:AttemptTimeoutMs");
        DeliveryPipeline.Check(f, "Delivery", o.Retries, o.RetryDelay, o.Break);
        return f.Result;
    }
}
