using System.Collections.Concurrent;
using System.Text.Json;
using Orleans.Storage;
using WangJian.Credit.Abstractions;

namespace WangJian.Credit.Grains.Tests;

/// <summary>
/// The operator store's contract in memory: a write applies whole or not at all, only at the expected
/// revision, and never rewrites a history entry. Records go through JSON as in the real store, so
/// state that would not survive storage fails here too.
/// </summary>
public sealed class InMemoryOperatorStore : IOperatorStore
{
    private readonly ConcurrentDictionary<string, Stored> records = new();

    /// <summary>History entries written for the operator (what a write costs, in entries).</summary>
    public int EntryCount(string operatorId) => records.TryGetValue(operatorId, out var r) ? r.History.Count : 0;

    public Task<OperatorRecord?> LoadAsync(string operatorId)
    {
        if (!records.TryGetValue(operatorId, out var r))
        {
            return Task.FromResult<OperatorRecord?>(null);
        }

        lock (r)
        {
            return Task.FromResult<OperatorRecord?>(new OperatorRecord(
                Read<OperatorState>(r.Head),
                r.History.Select(Read<HistoryEntry>).ToArray(),
                r.Cases.Select(Read<Domain.PunishmentCase>).ToArray()));
        }
    }

    /// <summary>Writes of this operator fail as a store that went away would (null: none fail).</summary>
    public string? FailWritesOf { get; set; }

    public Task WriteAsync(string operatorId, OperatorWrite write)
    {
        if (operatorId == FailWritesOf)
        {
            throw new TimeoutException($"the store did not answer the write of {operatorId}");
        }

        var r = records.GetOrAdd(operatorId, _ => new Stored());
        lock (r)
        {
            if (r.Revision != write.ExpectedRevision)
            {
                throw new InconsistentStateException($"operator {operatorId} is at revision {r.Revision}, not {write.ExpectedRevision}");
            }

            if (write.FirstEntry != r.History.Count)
            {
                throw new InvalidOperationException($"history of {operatorId} has {r.History.Count} entries; a write may only append, not write from {write.FirstEntry}");
            }

            r.History.AddRange(write.Entries.Select(Json));
            foreach (var (i, c) in write.Cases)
            {
                if (i == r.Cases.Count)
                {
                    r.Cases.Add(Json(c));
                }
                else
                {
                    r.Cases[i] = Json(c);
                }
            }

            r.Head = Json(write.Head);
            r.Revision = write.Head.Revision;
        }

        return Task.CompletedTask;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, DomainSerialization.Options);

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, DomainSerialization.Options)!;

    private sealed class Stored
    {
        public long Revision { get; set; }

        public string Head { get; set; } = "{}";

        public List<string> History { get; } = [];

        public List<string> Cases { get; } = [];
    }
}
