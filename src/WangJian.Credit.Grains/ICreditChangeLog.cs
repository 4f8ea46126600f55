using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// Where grade and listing changes go once they are durable in the operator's state: the global change
/// feed and the blacklist index. Publishing the same (operator, number) twice must be a no-op, because
/// after a crash the grain publishes again whatever it cannot prove was published.
/// </summary>
public interface ICreditChangeLog
{
    Task PublishAsync(CreditChange change);
}
