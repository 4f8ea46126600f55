using System.Collections.Immutable;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Operators;

/// <summary>The instant and the policy timeline a decision is taken under: the core reads no clock.</summary>
public readonly record struct OperatorContext(PolicyTimeline Timeline, DateTimeOffset Now);

/// <summary>
/// One operator's state as <see cref="OperatorCore"/> reads and returns it: the history, how many entries
/// the store holds of it, the punishment cases and the head. Immutable, so a decision never changes the
/// state it was given: a grain whose write failed keeps the snapshot it had.
/// </summary>
public sealed record OperatorSnapshot(
    string OperatorId,
    HistoryIndex History,
    int Entries,
    ImmutableList<PunishmentCase> Cases,
    OperatorState Head)
{
    /// <summary>The assessment last computed, valid until its NextChangeAt under <see cref="CachedUnder"/>.</summary>
    public Assessment? Cached { get; init; }

    /// <summary>The timeline <see cref="Cached"/> was computed under; a publication replaces the timeline.</summary>
    public PolicyTimeline? CachedUnder { get; init; }

    /// <summary>Whether the operator has any record (an operator with none answers A / 100).</summary>
    public bool HasRecord => Entries > 0;

    public static OperatorSnapshot Empty(string operatorId) => new(operatorId, new HistoryIndex(operatorId), 0, [], new OperatorState());

    /// <summary>The state of a stored record (null: never written), its history replayed entry by entry.</summary>
    public static OperatorSnapshot From(string operatorId, OperatorRecord? record)
    {
        if (record is null)
        {
            return Empty(operatorId);
        }

        var history = new HistoryIndex(operatorId);
        foreach (var entry in record.History)
        {
            history = Replay(history, entry);
        }

        return new OperatorSnapshot(operatorId, history, record.History.Count, [.. record.Cases], record.Head.Upgraded());
    }

    /// <summary>The history with one stored entry applied.</summary>
    public static HistoryIndex Replay(HistoryIndex history, HistoryEntry entry)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Recorded is { } v)
        {
            return history.With(v);
        }

        if (entry.Status is { } s)
        {
            var violation = history.Find(s.ViolationId) ?? throw new InvalidOperationException($"history of {history.OperatorId}: status change of unknown violation {s.ViolationId}");
            return history.WithChanged(violation with { Changes = [.. violation.Changes, s.Change] });
        }

        return entry.ListingRepair is { } r ? history.WithListingRepair(r) : history;
    }
}
