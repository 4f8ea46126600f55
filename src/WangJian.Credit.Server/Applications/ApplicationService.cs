using System.Text.RegularExpressions;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Applications;

/// <summary>
/// Repair applications and objections: the operator submits, lists and withdraws its own; the regulator whose
/// scope covers the authorities behind one decides it (谁列入、谁修复). Approving applies the change through the
/// same grain commands as DecideRepair and RevokeViolation, and through the second person where
/// <c>Approvals:SecondPersonFor</c> asks for one, so the feed, the agencies' LIFT notices and the history see
/// it exactly as they see any repair or revocation. Called by the gRPC services and, in-process, by a console;
/// refusals are RpcExceptions with the API's statuses. The commit barrier is the caller's pipeline step, as for
/// every write: [Writes] on the RPCs, <c>Web/CommitBarrierFilter</c> on a console form that writes.
/// </summary>
public sealed partial class ApplicationService(
    ApplicationStore store,
    ApprovalStore approvals,
    FourEyes fourEyes,
    IGrainFactory grains,
    PolicyVersions versions,
    CreditClock clock,
    WorkingCalendar calendar)
{
    /// <summary>The review period of 信用中国's online repair: 10 working days.</summary>
    public const int ReviewWorkingDays = 10;

    public const int MaxStatement = 4000;
    public const int MaxEvidence = 20;

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Pattern();

    /// <summary>
    /// A repair application for one violation (<paramref name="violationId"/>) or the listing. Too early or not
    /// repairable: FAILED_PRECONDITION with the earliest date, the rule of DecideRepair. An application already
    /// open for the same target is answered with <see cref="SubmitResult.Created"/> false.
    /// </summary>
    public async Task<SubmitResult> SubmitRepairAsync(string operatorId, string? violationId, bool listing, string statement, bool commitmentAccepted, IReadOnlyList<Evidence> evidence, string by)
    {
        var errors = new List<FieldViolation>();
        if (violationId is null && !listing)
        {
            errors.Add(new("target", "set violation_id to repair one violation, or listing = true to repair the listing"));
        }

        if (violationId is not null)
        {
            RequestFields.Required(violationId, "violation_id", 64, errors);
        }

        RequestFields.Required(statement, "statement", MaxStatement, errors);
        if (!commitmentAccepted)
        {
            errors.Add(new("commitment_accepted", "the credit commitment (信用承诺书) must be accepted"));
        }

        CheckEvidence(evidence, errors);
        RequestFields.ThrowIfAny(errors);

        var grain = grains.Operator(operatorId);
        var now = clock.UtcNow;
        var history = await grain.GetHistoryAsync();
        var assessment = await grain.GetAssessmentAsync(null);
        IReadOnlyList<string> authorities;
        if (violationId is not null)
        {
            var violation = Find(history, operatorId, violationId.Trim());
            var check = RepairEligibility.CheckViolationRepair(violation, versions.Timeline.PolicyOf(assessment), assessment.Listing, now);
            if (!check.Allowed)
            {
                throw GrpcErrors.FailedPrecondition(check.Reason, check.EarliestAt);
            }

            authorities = [violation.AuthorityCode];
        }
        else
        {
            var check = RepairEligibility.CheckListingRepair(assessment.Listing, versions.Timeline.PolicyOf(assessment), now);
            if (!check.Allowed)
            {
                throw GrpcErrors.FailedPrecondition(check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
            }

            authorities = AuthoritiesBehind(history, assessment.Listing!);
        }

        var application = new StoredApplication(
            ApplicationStore.NewId(now), ApplicationKind.Repair, operatorId, violationId?.Trim(), violationId is null, statement.Trim(), true,
            Normalize(evidence), authorities, by, now, calendar.DueAt(now, ReviewWorkingDays));
        var result = await store.CreateAsync(application);
        return result;
    }

    /// <summary>An objection (异议) to one violation the operator says is wrong; a revoked one is FAILED_PRECONDITION.</summary>
    public async Task<SubmitResult> SubmitObjectionAsync(string operatorId, string violationId, string grounds, IReadOnlyList<Evidence> evidence, string by)
    {
        var errors = new List<FieldViolation>();
        RequestFields.Required(violationId, "violation_id", 64, errors);
        RequestFields.Required(grounds, "grounds", MaxStatement, errors);
        CheckEvidence(evidence, errors);
        RequestFields.ThrowIfAny(errors);

        var history = await grains.Operator(operatorId).GetHistoryAsync();
        var violation = Find(history, operatorId, violationId.Trim());
        if (violation.IsRevoked)
        {
            throw GrpcErrors.FailedPrecondition($"violation {violation.Id} is already REVOKED; there is nothing to object to");
        }

        var now = clock.UtcNow;
        var application = new StoredApplication(
            ApplicationStore.NewId(now), ApplicationKind.Objection, operatorId, violation.Id, false, grounds.Trim(), false,
            Normalize(evidence), [violation.AuthorityCode], by, now, calendar.DueAt(now, ReviewWorkingDays));
        var result = await store.CreateAsync(application);
        return result;
    }

    /// <summary>The operator's own applications, newest first, each with the outcome of a four-eyes approval it waited for.</summary>
    public async Task<(IReadOnlyList<StoredApplication> Items, string? Next)> ListMineAsync(string operatorId, string? after, int limit)
    {
        var (items, next) = await store.ListForOperatorAsync(operatorId, after, limit);
        return (await Task.WhenAll(items.Select(RefreshAsync)), next);
    }

    /// <summary>Withdraws an open application of the operator; NOT_FOUND for another's, FAILED_PRECONDITION once decided.</summary>
    public async Task<StoredApplication> WithdrawAsync(string operatorId, string applicationId, string by)
    {
        var application = await store.GetAsync(applicationId.Trim());
        if (application is null || application.OperatorId != operatorId)
        {
            throw GrpcErrors.NotFound($"operator {operatorId} has no application {applicationId}");
        }

        if (application.State != ApplicationState.Submitted)
        {
            throw GrpcErrors.FailedPrecondition($"application {applicationId} is {Name(application.State)}; only a SUBMITTED one can be withdrawn");
        }

        var withdrawn = application with { State = ApplicationState.Withdrawn, DecidedBy = by, DecidedAt = clock.UtcNow, DecisionReason = "withdrawn by the operator" };
        if (await store.TransitionAsync(withdrawn, ApplicationState.Submitted) is { } found)
        {
            throw GrpcErrors.FailedPrecondition($"application {applicationId} was decided meanwhile: it is {Name(found)}");
        }

        return withdrawn;
    }

    /// <summary>
    /// The inbox of <paramref name="who"/>: applications whose every authority its scope covers (an admin sees
    /// all), oldest due first. With no state, those waiting for the authority.
    /// </summary>
    public async Task<ApplicationPage> ListInboxAsync(Decider who, ApplicationState? state, ApplicationKind? kind, bool overdueOnly, string? after, int limit)
    {
        var now = clock.UtcNow;
        bool InScope(StoredApplication a) => who.Role == Auth.Roles.Admin || a.AuthorityCodes.All(who.Scope.Covers);
        var awaiting = state is null or ApplicationState.Submitted;
        var position = after is null ? ((long, string)?)null : ApplicationStore.ParsePosition(after) ?? throw GrpcErrors.InvalidArgument("page_token", PageTokens.Invalid);
        var (items, next) = await store.ListByDueAsync(
            awaiting,
            position,
            limit,
            a => InScope(a) && (state is null ? a.State == ApplicationState.Submitted : a.State == state) && (kind is null || a.Kind == kind) && (!overdueOnly || a.IsOverdueAt(now)),
            overdueOnly ? now.ToUnixTimeMilliseconds() : long.MaxValue);
        var overdue = await store.ListByDueAsync(true, null, int.MaxValue, a => InScope(a) && a.IsOverdueAt(now), now.ToUnixTimeMilliseconds());
        var refreshed = await Task.WhenAll(items.Select(RefreshAsync));
        return new ApplicationPage(refreshed, next is { } n ? ApplicationStore.FormatPosition(n) : null, overdue.Items.Count);
    }

    /// <summary>One application as the inbox of <paramref name="who"/> may open it: NOT_FOUND, or PERMISSION_DENIED outside its scope.</summary>
    public async Task<StoredApplication> GetForDeciderAsync(string applicationId, Decider who)
    {
        var application = await store.GetAsync(applicationId.Trim()) ?? throw GrpcErrors.NotFound($"there is no application {applicationId}");
        var outside = application.AuthorityCodes.Where(a => !who.Scope.Covers(a)).ToArray();
        if (who.Role != Auth.Roles.Admin && outside.Length > 0)
        {
            throw GrpcErrors.PermissionDenied(Caller.OutOfScope(who.Name, who.Scope, outside, $"reading application {application.ApplicationId}"));
        }

        return await RefreshAsync(application);
    }

    /// <summary>
    /// Approves or rejects a submitted application. PERMISSION_DENIED when the caller's scope does not cover
    /// its authorities; FAILED_PRECONDITION when it is no longer submitted, or when the change cannot be
    /// applied now (the application then stays submitted).
    /// </summary>
    public async Task<DecideResult> DecideAsync(string applicationId, bool approve, string reason, Decider who)
    {
        var errors = new List<FieldViolation>();
        RequestFields.Required(applicationId, "application_id", 64, errors);
        RequestFields.Required(reason, "reason", 2000, errors);
        RequestFields.ThrowIfAny(errors);

        var application = await store.GetAsync(applicationId.Trim()) ?? throw GrpcErrors.NotFound($"there is no application {applicationId}");
        var outside = application.AuthorityCodes.Where(a => !who.Scope.Covers(a)).ToArray();
        if (outside.Length > 0)
        {
            throw GrpcErrors.PermissionDenied(Caller.OutOfScope(who.Name, who.Scope, outside, $"deciding application {application.ApplicationId}"));
        }

        if (application.State != ApplicationState.Submitted)
        {
            throw GrpcErrors.FailedPrecondition($"application {application.ApplicationId} is already {Name(application.State)}");
        }

        var grain = grains.Operator(application.OperatorId);
        reason = reason.Trim();
        var now = clock.UtcNow;
        var decided = application with { DecidedBy = who.Name, DecidedAt = now, DecisionReason = reason };
        if (!approve)
        {
            return await FinishAsync(decided with { State = ApplicationState.Rejected }, null, await grain.GetAssessmentAsync(null), null);
        }

        // The reason kept in the history names the application it decided.
        var recorded = $"{reason} (application {application.ApplicationId})";
        if (application.Kind == ApplicationKind.Objection)
        {
            if (fourEyes.Requires(ProposedChange.Revoke))
            {
                var approval = await fourEyes.ProposeAsync(ProposedChange.Revoke, application.OperatorId, application.ViolationId, recorded, null, application.AuthorityCodes, who.Name);
                return await FinishAsync(decided with { State = ApplicationState.ApprovalPending, ApprovalId = approval.ApprovalId }, null, await grain.GetAssessmentAsync(null), approval);
            }

            var revoked = await grain.RevokeViolationAsync(application.ViolationId!, recorded, who.Name, null);
            return await AppliedAsync(decided, revoked);
        }

        if (application.ViolationId is { } violationId)
        {
            return await AppliedAsync(decided, await grain.RepairViolationAsync(violationId, null, recorded, who.Name));
        }

        if (fourEyes.Requires(ProposedChange.ListingRepair))
        {
            var listed = await grain.GetAssessmentAsync(null);
            var check = RepairEligibility.CheckListingRepair(versions.Timeline.PolicyOf(listed), listed);
            if (!check.Allowed)
            {
                throw GrpcErrors.FailedPrecondition(check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
            }

            var approval = await fourEyes.ProposeAsync(ProposedChange.ListingRepair, application.OperatorId, null, recorded, null, application.AuthorityCodes, who.Name);
            return await FinishAsync(decided with { State = ApplicationState.ApprovalPending, ApprovalId = approval.ApprovalId }, null, await grain.GetAssessmentAsync(null), approval);
        }

        return await AppliedAsync(decided, await grain.RepairListingAsync(null, recorded, who.Name, null));
    }

    private async Task<DecideResult> AppliedAsync(StoredApplication decided, CommandOutcome outcome)
    {
        outcome.OrThrow();
        return await FinishAsync(decided with { State = ApplicationState.Approved }, outcome.Violation, outcome.Assessment!, null);
    }

    private async Task<DecideResult> FinishAsync(StoredApplication decided, Violation? violation, Assessment status, StoredApproval? approval)
    {
        if (await store.TransitionAsync(decided, ApplicationState.Submitted) is { } found)
        {
            throw GrpcErrors.FailedPrecondition($"application {decided.ApplicationId} was decided meanwhile: it is {Name(found)}");
        }

        return new DecideResult(decided, violation, status, approval);
    }

    /// <summary>
    /// An application that waited for a second person takes the approval's outcome once it is decided (approved:
    /// APPROVED; rejected, failed or expired: REJECTED with why), so the operator sees how it ended.
    /// </summary>
    private async Task<StoredApplication> RefreshAsync(StoredApplication application)
    {
        if (application.State != ApplicationState.ApprovalPending || application.ApprovalId is null)
        {
            return application;
        }

        var approval = await approvals.GetAsync(application.ApprovalId);
        var now = clock.UtcNow;
        StoredApplication? next = approval switch
        {
            null => null,
            { State: ApprovalStage.Approved } => application with { State = ApplicationState.Approved },
            { State: ApprovalStage.Rejected } a => application with { State = ApplicationState.Rejected, DecisionReason = $"the second person ({a.DecidedBy}) rejected the change: {a.DecisionReason}" },
            { State: ApprovalStage.Failed } a => application with { State = ApplicationState.Rejected, DecisionReason = $"the change could not be applied: {a.Failure}" },
            var a when a.IsExpiredAt(now) => application with { State = ApplicationState.Rejected, DecisionReason = $"approval {a.ApprovalId} expired without a second person" },
            _ => null,
        };
        if (next is null)
        {
            return application;
        }

        await store.TransitionAsync(next, ApplicationState.ApprovalPending);
        return next;
    }

    private static Violation Find(OperatorHistory history, string operatorId, string violationId) =>
        history.Violations.FirstOrDefault(v => v.Id == violationId) ?? throw GrpcErrors.NotFound($"operator {operatorId} has no violation {violationId}");

    internal static IReadOnlyList<string> AuthoritiesBehind(OperatorHistory history, Listing listing)
    {
        var behind = listing.Triggers.SelectMany(t => t.ViolationIds).ToHashSet(StringComparer.Ordinal);
        return history.Violations.Where(v => behind.Contains(v.Id)).Select(v => v.AuthorityCode).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    private static void CheckEvidence(IReadOnlyList<Evidence> evidence, List<FieldViolation> errors)
    {
        if (evidence.Count > MaxEvidence)
        {
            errors.Add(new("evidence", $"at most {MaxEvidence} evidence items, got {evidence.Count}"));
        }

        for (var i = 0; i < Math.Min(evidence.Count, MaxEvidence); i++)
        {
            var e = evidence[i];
            RequestFields.Required(e.Name, $"evidence[{i}].name", 200, errors);
            if (!Sha256Pattern().IsMatch(e.Sha256 ?? string.Empty))
            {
                errors.Add(new($"evidence[{i}].sha256", "sha256 must be 64 hex digits"));
            }

            if (e.SizeBytes <= 0)
            {
                errors.Add(new($"evidence[{i}].size_bytes", $"size_bytes must be more than 0, got {e.SizeBytes}"));
            }

            RequestFields.Required(e.MediaType, $"evidence[{i}].media_type", 100, errors);
        }
    }

    private static IReadOnlyList<Evidence> Normalize(IReadOnlyList<Evidence> evidence) =>
        evidence.Select(e => e with { Name = e.Name.Trim(), Sha256 = e.Sha256.ToLowerInvariant(), MediaType = e.MediaType.Trim() }).ToArray();

    private static string Name(ApplicationState s) => s switch
    {
        ApplicationState.ApprovalPending => "APPROVAL_PENDING",
        _ => s.ToString().ToUpperInvariant(),
    };
}
