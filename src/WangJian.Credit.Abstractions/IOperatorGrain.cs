using WangJian.Credit.Domain;

namespace WangJian.Credit.Abstractions;

/// <summary>One e-commerce operator, keyed by its canonical USCC: its history and its assessment.</summary>
public interface IOperatorGrain : IGrainWithStringKey
{
    /// <summary>Records a validated penalty decision; idempotent on (authority code, decision number).</summary>
    [Writes]
    Task<RecordOutcome> RecordViolationAsync(ViolationDraft draft, string recordedBy);

    /// <summary>
    /// Records several decisions in order as one write (bulk import): one outcome per draft, as if each had
    /// been recorded on its own, and one reassessment for all of them.
    /// </summary>
    [Writes]
    Task<IReadOnlyList<RecordOutcome>> RecordViolationsAsync(IReadOnlyList<ViolationDraft> drafts, string recordedBy);

    /// <summary>The assessment now, or at a past instant recomputed from the history as known now.</summary>
    Task<Assessment> GetAssessmentAsync(DateTimeOffset? asOf);

    /// <summary>
    /// Revokes a violation for all of time (overturned on review or in court). With an approval (four-eyes),
    /// <paramref name="by"/> is the proposer; applying the same approval again changes nothing.
    /// </summary>
    [Writes]
    Task<CommandOutcome> RevokeViolationAsync(string violationId, string reason, string by, SecondPerson? approval);

    /// <summary>Approves credit repair of one violation, effective at <paramref name="effectiveAt"/> (default now).</summary>
    [Writes]
    Task<CommandOutcome> RepairViolationAsync(string violationId, DateTimeOffset? effectiveAt, string reason, string by);

    /// <summary>
    /// Approves repair of the listing in force, effective at <paramref name="effectiveAt"/> (default now). With
    /// an approval (four-eyes), <paramref name="by"/> is the proposer; the same approval applies once.
    /// </summary>
    [Writes]
    Task<CommandOutcome> RepairListingAsync(DateTimeOffset? effectiveAt, string reason, string by, SecondPerson? approval);

    /// <summary>The assessment now with the version of the record it was computed from.</summary>
    Task<OperatorStatus> GetStatusAsync();

    /// <summary>The whole history: violations with their changes, and listing repairs.</summary>
    Task<OperatorHistory> GetHistoryAsync();

    /// <summary>Opens the joint-punishment case of the listing in force, or returns the one already open.</summary>
    [Writes]
    Task<CaseOutcome> OpenPunishmentCaseAsync(string by, string reason);

    /// <summary>Every punishment case of the operator, oldest first.</summary>
    Task<IReadOnlyList<PunishmentCase>> GetPunishmentCasesAsync();

    /// <summary>
    /// Reassesses under the policy version in force now and announces a grade or listing change with cause
    /// POLICY (once: a change already noted is not noted again). Answers whether the operator has a record
    /// and whether this call announced a change. The activation is let go afterwards: a rollout walks every
    /// operator and must not leave them all in memory.
    /// </summary>
    [Writes]
    Task<PolicyOutcome> ApplyPolicyAsync();
}
