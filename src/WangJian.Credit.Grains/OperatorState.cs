using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains;

/// <summary>
/// The persisted state of one operator: the append-only history (records are never removed; status
/// changes are appended to each record) and what the grain last told the world about it.
/// </summary>
[GenerateSerializer, Alias("wj.OperatorState")]
public sealed class OperatorState
{
    [Id(0)]
    public List<Violation> Violations { get; set; } = [];

    [Id(1)]
    public List<ListingRepair> ListingRepairs { get; set; } = [];

    /// <summary>The instant the time-driven reminder is set for, if any.</summary>
    [Id(2)]
    public DateTimeOffset? NextWakeUp { get; set; }

    /// <summary>The summary of the latest assessment: what the next change is compared with.</summary>
    [Id(3)]
    public CreditSummary? Last { get; set; }

    /// <summary>How many grade or listing changes this operator has had.</summary>
    [Id(4)]
    public long ChangeCount { get; set; }

    /// <summary>Changes written with the history but not yet known to be published (a transactional outbox).</summary>
    [Id(5)]
    public List<CreditChange> Outbox { get; set; } = [];

    /// <summary>Joint-punishment cases, oldest first; at most the last one is open.</summary>
    [Id(6)]
    public List<PunishmentCase> Cases { get; set; } = [];

    /// <summary>Notices written with the case but not yet known to be in their agencies' logs.</summary>
    [Id(7)]
    public List<Notice> NoticeOutbox { get; set; } = [];

    /// <summary>Grows by one with every write of this state: the version of the operator's record.</summary>
    [Id(8)]
    public long Revision { get; set; }

    /// <summary>
    /// When the registered reminder is due (capped at <c>MaxReminderDue</c>), or null when none is known.
    /// A later <see cref="NextWakeUp"/> leaves it as it is: it fires early, reassesses and re-arms.
    /// </summary>
    [Id(9)]
    public DateTimeOffset? ReminderAt { get; set; }
}
