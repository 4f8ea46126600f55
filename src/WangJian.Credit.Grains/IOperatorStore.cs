using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// Where an operator's record lives: its history as append-only entries, its punishment cases one entry
/// each, and a small head (<see cref="OperatorState"/>). A write carries only what changed — the new
/// entries, the changed cases and the head — so its cost does not grow with the history.
/// </summary>
public interface IOperatorStore
{
    /// <summary>The record, or null for an operator never written.</summary>
    Task<OperatorRecord?> LoadAsync(string operatorId);

    /// <summary>
    /// Writes the change in one atomic step, or not at all. Throws <c>InconsistentStateException</c> when the
    /// stored head is not at <see cref="OperatorWrite.ExpectedRevision"/> (another writer got there first).
    /// </summary>
    Task WriteAsync(string operatorId, OperatorWrite write);
}

/// <summary>An operator's stored record: head, history entries in order, cases oldest first.</summary>
public sealed record OperatorRecord(OperatorState Head, IReadOnlyList<HistoryEntry> History, IReadOnlyList<PunishmentCase> Cases);

/// <summary>
/// One write: the head as it is after the change, the history entries appended from position
/// <see cref="FirstEntry"/> (0-based), and the cases that are new or changed, by 0-based position.
/// </summary>
public sealed record OperatorWrite(
    long ExpectedRevision,
    OperatorState Head,
    int FirstEntry,
    IReadOnlyList<HistoryEntry> Entries,
    IReadOnlyList<KeyValuePair<int, PunishmentCase>> Cases);

/// <summary>
/// One entry of the append-only history; exactly one member is set. A status change is its own entry,
/// so revoking or repairing writes the change, never the violation again.
/// </summary>
public sealed record HistoryEntry(Violation? Recorded = null, ViolationStatusChange? Status = null, ListingRepair? ListingRepair = null);

/// <summary>A revocation or repair of one recorded violation.</summary>
public sealed record ViolationStatusChange(string ViolationId, StatusChange Change);
