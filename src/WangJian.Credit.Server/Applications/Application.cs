namespace WangJian.Credit.Server.Applications;

/// <summary>信用修复申请 (repair of a violation or of the listing) or 异议 (the operator says a record is wrong).</summary>
public enum ApplicationKind
{
    Repair = 1,
    Objection = 2,
}

/// <summary>Where an application stands.</summary>
public enum ApplicationState
{
    /// <summary>Waiting for the authority's decision; counts towards overdue after its due time.</summary>
    Submitted = 1,

    /// <summary>Approved and applied.</summary>
    Approved = 2,

    /// <summary>Approved by the authority; the change waits for a second person (four-eyes).</summary>
    ApprovalPending = 3,

    /// <summary>Rejected with a reason (or the second person rejected the change); nothing changed.</summary>
    Rejected = 4,

    /// <summary>Withdrawn by the operator.</summary>
    Withdrawn = 5,
}

/// <summary>One document named by digest; the document itself stays in the authority's document system.</summary>
public sealed record Evidence(string Name, string Sha256, long SizeBytes, string MediaType);

/// <summary>A repair application or an objection, as stored and as shown to the operator and the regulator.</summary>
/// <remarks>AuthorityCodes: Who decides it (谁列入、谁修复): the violation's authority, or every authority behind the listing.</remarks>
/// <remarks>DueAt: 10 working days after submission on the working-day calendar (<see cref="Domain.WorkingCalendar.DueAt"/>).</remarks>
public sealed record StoredApplication(
    string ApplicationId,
    ApplicationKind Kind,
    string OperatorId,
    string? ViolationId,
    bool Listing,
    string Statement,
    bool CommitmentAccepted,
    IReadOnlyList<Evidence> Evidence,
    IReadOnlyList<string> AuthorityCodes,
    string SubmittedBy,
    DateTimeOffset SubmittedAt,
    DateTimeOffset DueAt,
    ApplicationState State = ApplicationState.Submitted,
    string? DecidedBy = null,
    DateTimeOffset? DecidedAt = null,
    string? DecisionReason = null,
    string? ApprovalId = null)
{
    /// <summary>What "one open application for the same target" means: the violation, or the listing.</summary>
    public string Target => ViolationId ?? "listing";

    /// <summary>Not yet finally decided: submitted, or waiting for the second person.</summary>
    public bool IsOpen => State is ApplicationState.Submitted or ApplicationState.ApprovalPending;

    /// <summary>Waiting for the authority past its due time.</summary>
    public bool IsOverdueAt(DateTimeOffset now) => State == ApplicationState.Submitted && now >= DueAt;
}

/// <summary>The result of a submission: the new application, or the one already open for the same target.</summary>
public sealed record SubmitResult(StoredApplication Application, bool Created);

/// <summary>A regulator's decision and what it changed.</summary>
/// <remarks>Violation: The repaired or revoked violation, when one changed.</remarks>
/// <remarks>Status: The operator's assessment after the decision.</remarks>
/// <remarks>Approval: The four-eyes approval the change waits for, when one is needed.</remarks>
public sealed record DecideResult(StoredApplication Application, Domain.Violation? Violation, Domain.Assessment Status, Storage.StoredApproval? Approval);

/// <summary>A page of applications and where the next one starts.</summary>
public sealed record ApplicationPage(IReadOnlyList<StoredApplication> Items, string? Next, int OverdueCount);
