using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// The small, mutable part of an operator's record, written with every change: what the grain last told
/// the world, the changes and notices not yet known to be published, and the reminder it keeps. The
/// history and the cases are stored beside it, entry by entry (<see cref="IOperatorStore"/>).
/// </summary>
public sealed class OperatorState
{
    /// <summary>The instant the time-driven reminder is set for, if any.</summary>
    public DateTimeOffset? NextWakeUp { get; set; }

    /// <summary>The summary of the latest assessment: what the next change is compared with.</summary>
    public CreditSummary? Last { get; set; }

    /// <summary>
    /// The policy version of the latest assessment noted; a change noted under a different version than this
    /// one is announced with cause POLICY. Null in records written before versions: the initial version.
    /// </summary>
    public string? PolicyVersion { get; set; }

    /// <summary>The policy version whose coming into force last changed this operator's grade or listing.</summary>
    public string? PolicyChangedUnder { get; set; }

    /// <summary>How many grade or listing changes this operator has had.</summary>
    public long ChangeCount { get; set; }

    /// <summary>Changes written with the history but not yet known to be published (a transactional outbox).</summary>
    public List<CreditChange> Outbox { get; set; } = [];

    /// <summary>Notices written with the case but not yet known to be in their agencies' logs.</summary>
    public List<Notice> NoticeOutbox { get; set; } = [];

    /// <summary>Grows by one with every write of this record: the version of the operator's record.</summary>
    public long Revision { get; set; }

    /// <summary>
    /// When the registered reminder is due (capped at <c>MaxReminderDue</c>), or null when none is known.
    /// A later <see cref="NextWakeUp"/> leaves it as it is: it fires early, reassesses and re-arms.
    /// </summary>
    public DateTimeOffset? ReminderAt { get; set; }
}
