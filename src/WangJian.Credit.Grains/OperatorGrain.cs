using Microsoft.Extensions.Logging;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules;

namespace WangJian.Credit.Grains;

/// <summary>
/// One operator. Owns its history (Orleans gives one activation per USCC, so idempotency and ordering
/// need no locks), scores it with the injected scorer, and keeps a reminder for the next instant at
/// which its assessment changes by itself.
/// </summary>
public sealed class OperatorGrain(
    [PersistentState("operator", StorageNames.Credit)] IPersistentState<OperatorState> state,
    ICreditScorer scorer,
    CreditPolicy policy,
    CreditClock clock,
    ILogger<OperatorGrain> logger) : Grain, IOperatorGrain, IRemindable
{
    public const string NextChangeReminder = "next-change";

    // Reminders fire on the silo's wall clock; a very long due time is capped and simply re-armed.
    internal static readonly TimeSpan MaxReminderDue = TimeSpan.FromDays(30);
    internal static readonly TimeSpan ReminderPeriod = TimeSpan.FromDays(1);

    private Assessment? cached;

    private string OperatorId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A reminder set by another silo or before a crash may be stale; re-derive it from the history.
        if (state.State.Violations.Count > 0 || state.State.ListingRepairs.Count > 0)
        {
            await ScheduleAsync(Current());
        }
    }

    public async Task<RecordOutcome> RecordViolationAsync(ViolationDraft draft, string recordedBy)
    {
        var now = clock.UtcNow;
        var candidate = draft.ToViolation(recordedBy, now);
        var existing = state.State.Violations.FirstOrDefault(v => v.Id == candidate.Id);
        if (existing is not null)
        {
            if (existing.SameContentAs(candidate))
            {
                return new RecordOutcome(existing, false, Current(), null);
            }

            return new RecordOutcome(existing, false, null, new CommandError(
                CommandErrorKind.AlreadyExists,
                $"decision {candidate.DecisionNumber} of authority {candidate.AuthorityCode} is already recorded as {existing.Id} with different content"));
        }

        var assessment = await CommitAsync(s => s.Violations.Add(candidate));
        logger.LogInformation("Recorded {ViolationId} {Offense} for {Operator}", candidate.Id, candidate.OffenseCode, OperatorId);
        return new RecordOutcome(candidate, true, assessment, null);
    }

    public Task<Assessment> GetAssessmentAsync(DateTimeOffset? asOf) =>
        Task.FromResult(asOf is { } t ? scorer.Assess(History(), policy, t) : Current());

    public async Task<CommandOutcome> RevokeViolationAsync(string violationId, string reason, string by)
    {
        var index = state.State.Violations.FindIndex(v => v.Id == violationId);
        if (index < 0)
        {
            return CommandOutcome.Fail(CommandErrorKind.NotFound, $"operator {OperatorId} has no violation {violationId}");
        }

        var v = state.State.Violations[index];
        if (v.Status != ViolationStatus.Active)
        {
            return CommandOutcome.Fail(CommandErrorKind.FailedPrecondition, $"violation {violationId} is {v.Status.ToString().ToUpperInvariant()}; only an ACTIVE violation can be revoked");
        }

        var now = clock.UtcNow;
        var revoked = v with { Changes = [.. v.Changes, new StatusChange(ViolationStatus.Revoked, now, by, reason, now)] };
        var assessment = await CommitAsync(s => s.Violations[index] = revoked);
        return new CommandOutcome(revoked, assessment, null);
    }

    public async Task<CommandOutcome> RepairViolationAsync(string violationId, DateTimeOffset? effectiveAt, string reason, string by)
    {
        var index = state.State.Violations.FindIndex(v => v.Id == violationId);
        if (index < 0)
        {
            return CommandOutcome.Fail(CommandErrorKind.NotFound, $"operator {OperatorId} has no violation {violationId}");
        }

        var now = clock.UtcNow;
        var at = effectiveAt ?? now;
        var v = state.State.Violations[index];
        var check = RepairEligibility.CheckViolationRepair(v, policy, scorer.Assess(History(), policy, at));
        if (!check.Allowed)
        {
            return CommandOutcome.Fail(CommandErrorKind.FailedPrecondition, check.Reason, check.Block == RepairBlock.TooEarly || check.Block == RepairBlock.BehindListing ? check.EarliestAt : null);
        }

        var repaired = v with { Changes = [.. v.Changes, new StatusChange(ViolationStatus.Repaired, at, by, reason, now)] };
        var assessment = await CommitAsync(s => s.Violations[index] = repaired);
        return new CommandOutcome(repaired, assessment, null);
    }

    public async Task<CommandOutcome> RepairListingAsync(DateTimeOffset? effectiveAt, string reason, string by)
    {
        var now = clock.UtcNow;
        var at = effectiveAt ?? now;
        var check = RepairEligibility.CheckListingRepair(policy, scorer.Assess(History(), policy, at));
        if (!check.Allowed)
        {
            return CommandOutcome.Fail(CommandErrorKind.FailedPrecondition, check.Reason, check.Block == RepairBlock.TooEarly ? check.EarliestAt : null);
        }

        var assessment = await CommitAsync(s => s.ListingRepairs.Add(new ListingRepair(at, by, reason, now)));
        return new CommandOutcome(null, assessment, null);
    }

    public Task<OperatorHistory> GetHistoryAsync() => Task.FromResult(History());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != NextChangeReminder)
        {
            return;
        }

        cached = null;
        var assessment = Current();
        logger.LogInformation(
            "Time-driven reassessment of {Operator}: {Grade} {Score}, listed {Listed}",
            OperatorId, assessment.Grade, assessment.Score, assessment.Blacklisted);

        // Always re-arm: a capped due time may have fired before the instant it stands for.
        await ScheduleAsync(assessment, force: true);
    }

    private OperatorHistory History() => new(OperatorId, state.State.Violations, state.State.ListingRepairs);

    /// <summary>
    /// The assessment now. Between two changes (a write, or NextChangeAt) it is constant but for AsOf,
    /// so it is computed once and reused: reads cost one NRules session per change, not per call.
    /// </summary>
    private Assessment Current()
    {
        var now = clock.UtcNow;
        if (cached is not null && (cached.NextChangeAt is null || now < cached.NextChangeAt) && now >= cached.AsOf)
        {
            return cached with { AsOf = now };
        }

        cached = scorer.Assess(History(), policy, now);
        return cached;
    }

    /// <summary>
    /// Applies a change, reassesses, and writes history and wake-up time in one write. On a storage failure
    /// the change is undone so memory never runs ahead of the store (the caller sees UNAVAILABLE).
    /// </summary>
    private async Task<Assessment> CommitAsync(Action<OperatorState> change)
    {
        var before = new OperatorState
        {
            Violations = [.. state.State.Violations],
            ListingRepairs = [.. state.State.ListingRepairs],
            NextWakeUp = state.State.NextWakeUp,
        };
        change(state.State);
        cached = null;
        var assessment = Current();
        state.State.NextWakeUp = assessment.NextChangeAt;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = before;
            cached = null;
            throw;
        }

        if (assessment.NextChangeAt != before.NextWakeUp)
        {
            await SetReminderAsync(assessment.NextChangeAt);
        }

        return assessment;
    }

    /// <summary>Makes the reminder match the assessment (after activation or a tick) and records it.</summary>
    private async Task ScheduleAsync(Assessment assessment, bool force = false)
    {
        if (!force && assessment.NextChangeAt == state.State.NextWakeUp)
        {
            return;
        }

        await SetReminderAsync(assessment.NextChangeAt);
        if (state.State.NextWakeUp != assessment.NextChangeAt)
        {
            state.State.NextWakeUp = assessment.NextChangeAt;
            await state.WriteStateAsync();
        }
    }

    private async Task SetReminderAsync(DateTimeOffset? next)
    {
        if (next is { } at)
        {
            var due = at - clock.UtcNow;
            due = due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxReminderDue ? MaxReminderDue : due;
            await this.RegisterOrUpdateReminder(NextChangeReminder, due, ReminderPeriod);
        }
        else if (await this.GetReminder(NextChangeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
