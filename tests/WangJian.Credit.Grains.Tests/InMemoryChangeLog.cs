using System.Collections.Concurrent;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

/// <summary>Records published changes, ignoring repeats of an (operator, number) as the real log does.</summary>
public sealed class InMemoryChangeLog : ICreditChangeLog
{
    private readonly ConcurrentDictionary<(string, long), CreditChange> changes = new();

    public IReadOnlyList<CreditChange> For(string operatorId) =>
        changes.Values.Where(c => c.OperatorId == operatorId).OrderBy(c => c.Number).ToArray();

    public Task PublishAsync(CreditChange change)
    {
        changes.TryAdd((change.OperatorId, change.Number), change);
        return Task.CompletedTask;
    }
}
