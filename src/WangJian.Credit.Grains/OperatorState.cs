using System.Collections.Immutable;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// The small part of an operator's record, written with every change: what the grain last told the world,
/// the announcements not yet known to be published, and the reminder it keeps. The history and the cases
/// are stored beside it, entry by entry (<see cref="IOperatorStore"/>). Immutable: a change is a copy made
/// with <c>with</c>, so a grain whose write failed still holds the head as it was.
/// </summary>
public sealed record OperatorState
{
    /// <summary>The instant the time-driven reminder is set for, if any.</summary>
    public DateTimeOffset? NextWakeUp { get; init; }

    /// <summary>The summary of the latest assessment: what the next change is compared with.</summary>
    public CreditSummary? Last { get; init; }

    /// <summary>
    /// The policy version of the latest assessment noted; a change noted under a different version than this
    /// one is announced with cause POLICY. Null in records written before versions: the initial version.
    /// </summary>
    public string? PolicyVersion { get; init; }

    /// <summary>The policy version whose coming into force last changed this operator's grade or listing.</summary>
    public string? PolicyChangedUnder { get; init; }

    /// <summary>How many grade or listing changes this operator has had.</summary>
    public long ChangeCount { get; init; }

    /// <summary>
    /// The transactional outbox: every change and notice written with the history but not yet known to be
    /// published, in the order they arose. One publisher drains it (<c>OperatorGrain</c>).
    /// </summary>
    public ImmutableList<Announcement> Announcements { get; init; } = [];

    /// <summary>Changes of a record written before the one outbox; read once into <see cref="Announcements"/>, never written.</summary>
    public IReadOnlyList<CreditChange>? Outbox { get; init; }

    /// <summary>Notices of a record written before the one outbox; read once into <see cref="Announcements"/>, never written.</summary>
    public IReadOnlyList<Notice>? NoticeOutbox { get; init; }

    /// <summary>Grows by one with every write of this record: the version of the operator's record.</summary>
    public long Revision { get; init; }

    /// <summary>
    /// When the registered reminder is due (capped at <see cref="ReminderSchedule.MaxDue"/>), or null when
    /// none is known. A later <see cref="NextWakeUp"/> leaves it as it is: it fires early, reassesses and re-arms.
    /// </summary>
    public DateTimeOffset? ReminderAt { get; init; }

    /// <summary>The head with a record of the earlier layout's two outboxes folded into the one, changes first.</summary>
    public OperatorState Upgraded() =>
        Outbox is null && NoticeOutbox is null
            ? this
            : this with
            {
                Announcements = Announcements
                    .AddRange((Outbox ?? []).Select(Announcement.Of))
                    .AddRange((NoticeOutbox ?? []).Select(Announcement.Of)),
                Outbox = null,
                NoticeOutbox = null,
            };
}

/// <summary>One entry of the operator's outbox: exactly one of a credit change (for the change feed) or a notice (for an agency).</summary>
public sealed record Announcement(CreditChange? Change = null, Notice? Notice = null)
{
    public static Announcement Of(CreditChange change) => new(Change: change);

    public static Announcement Of(Notice notice) => new(Notice: notice);
}
