using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.UseCases;

/// <summary>
/// Reads of an operator's credit now or at a past instant, for every API and page that reads one:
/// <list type="bullet">
/// <item>now, of an operator whose grain is active on this silo: the entry the grain keeps in <see cref="CurrentStatuses"/>;</item>
/// <item>of an operator with no record at all (the durable index says so), asked about for the first time in a
/// while: the assessment of an empty history, computed here, so reads of never-seen operators activate no grain
/// and leave nothing in memory; one asked about again goes to its grain, which then stays and shares its status
/// like any other (a popular clean seller is read from memory, not from the index, every time);</item>
/// <item>anything else: the grain call it always was.</item>
/// </list>
/// </summary>
/// <remarks>
/// An operator's first write adds it to the index in the same store script, and a write is acknowledged
/// only after that script, so a read that finds no index entry comes before any acknowledged write: it
/// answers what the grain would have answered then. Until the index is complete (backfilled at start for a
/// store written before it), every miss goes to the grain.
/// </remarks>
public sealed class CreditReads(IGrainFactory grains, CurrentStatuses current, PolicyVersions versions, CreditClock clock, IRecordIndex records, ICreditScorer scorer)
{
    /// <summary>The assessment and status message of an empty history now, kept while it holds (the timeline it was scored under, before its next change).</summary>
    private Recordless? recordless;

    /// <summary>
    /// The assessment now with its head revision, and its status message: a check answers both. The message of an
    /// operator held in memory is its entry's mapped message moved to now, as <see cref="StatusMessageAsync"/> gives
    /// it: a check used to map its assessment afresh (a listed operator's deductions, listing and legal bases) every
    /// time (benchmarks/README.md, 2026-12-04).
    /// </summary>
    public async Task<(OperatorStatus Status, CreditStatus Message)> StatusWithMessageAsync(string operatorId)
    {
        var now = clock.UtcNow;
        var timeline = versions.Timeline;
        if (current.TryGet(operatorId, timeline, now, out var entry))
        {
            return (new OperatorStatus(entry.Assessment with { AsOf = now }, entry.Revision), ProtoMapper.At(MappedOf(entry, timeline), now));
        }

        if (await AnswerWithoutGrainAsync(operatorId))
        {
            var empty = RecordlessNow(timeline, now);
            return (new OperatorStatus(empty.Assessment with { OperatorId = operatorId, AsOf = now }, 0), RecordlessMessageNow(empty, operatorId, now));
        }

        var status = await grains.Operator(operatorId).GetStatusAsync();
        return (status, ProtoMapper.ToProto(status.Assessment, timeline));
    }

    /// <summary>The status message at <paramref name="asOf"/> (now when absent), under the version that scored it.</summary>
    public async ValueTask<CreditStatus> StatusMessageAsync(string operatorId, DateTimeOffset? asOf = null)
    {
        if (asOf is null && TryCurrent(operatorId, out var status))
        {
            return status;
        }

        if (await AnswerWithoutGrainAsync(operatorId))
        {
            return RecordlessMessage(operatorId, asOf);
        }

        return await MapAsync(grains.Operator(operatorId).GetAssessmentAsync(asOf));
    }

    /// <summary>The status messages of many operators, in their order: one index lookup for all that are not answered from memory.</summary>
    public async Task<CreditStatus[]> StatusMessagesAsync(IReadOnlyList<string> operatorIds, DateTimeOffset? asOf = null)
    {
        var statuses = new CreditStatus[operatorIds.Count];
        var misses = new List<int>();
        for (var i = 0; i < operatorIds.Count; i++)
        {
            if (asOf is not null || !TryCurrent(operatorIds[i], out statuses[i]))
            {
                misses.Add(i);
            }
        }

        if (misses.Count == 0)
        {
            return statuses;
        }

        var have = records.Complete ? await records.HaveRecordsAsync(misses.ConvertAll(i => operatorIds[i])) : null;
        var calls = new List<(int Index, Task<Assessment> Call)>();
        for (var m = 0; m < misses.Count; m++)
        {
            var i = misses[m];
            if (have is not null && WithoutGrain(have[m], operatorIds[i]))
            {
                statuses[i] = RecordlessMessage(operatorIds[i], asOf);
            }
            else
            {
                calls.Add((i, grains.Operator(operatorIds[i]).GetAssessmentAsync(asOf)));
            }
        }

        foreach (var (i, call) in calls)
        {
            statuses[i] = ProtoMapper.ToProto(await call, versions.Timeline);
        }

        return statuses;
    }

    /// <summary>An operator with no record (the index is complete and has none) that was not asked about lately.</summary>
    private async ValueTask<bool> AnswerWithoutGrainAsync(string operatorId) =>
        records.Complete && WithoutGrain((await records.HaveRecordsAsync([operatorId]))[0], operatorId);

    private bool WithoutGrain(bool hasRecord, string operatorId) => !hasRecord && !current.AskedLately(operatorId);

    private bool TryCurrent(string operatorId, out CreditStatus status)
    {
        var now = clock.UtcNow;
        var timeline = versions.Timeline;
        if (current.TryGet(operatorId, timeline, now, out var entry))
        {
            status = ProtoMapper.At(MappedOf(entry, timeline), now);
            return true;
        }

        status = null!;
        return false;
    }

    // Mapped once per entry (a benign race: two readers may both map it; either message is right).
    private static CreditStatus MappedOf(CurrentStatus entry, PolicyTimeline timeline) =>
        entry.Mapped as CreditStatus ?? (CreditStatus)(entry.Mapped = ProtoMapper.ToProto(entry.Assessment, timeline));

    private CreditStatus RecordlessMessage(string operatorId, DateTimeOffset? asOf)
    {
        var timeline = versions.Timeline;
        if (asOf is { } t)
        {
            var status = ProtoMapper.ToProto(new HistoryIndex(operatorId).Assess(scorer, timeline, t), timeline).Clone();
            status.OperatorId = operatorId;
            return status;
        }

        var now = clock.UtcNow;
        return RecordlessMessageNow(RecordlessNow(timeline, now), operatorId, now);
    }

    private static CreditStatus RecordlessMessageNow(Recordless empty, string operatorId, DateTimeOffset now)
    {
        var status = ProtoMapper.At(empty.Message, now);
        status.OperatorId = operatorId;
        return status;
    }

    private Recordless RecordlessNow(PolicyTimeline timeline, DateTimeOffset now)
    {
        var r = recordless;
        if (r is null || !ReferenceEquals(r.Timeline, timeline) || now < r.Assessment.AsOf || (r.Assessment.NextChangeAt is { } next && now >= next))
        {
            var assessment = new HistoryIndex(string.Empty).Assess(scorer, timeline, now);
            r = new Recordless(timeline, assessment, ProtoMapper.ToProto(assessment, timeline));
            recordless = r;
        }

        return r;
    }

    private async ValueTask<CreditStatus> MapAsync(Task<Assessment> assessment) => ProtoMapper.ToProto(await assessment, versions.Timeline);

    private sealed record Recordless(PolicyTimeline Timeline, Assessment Assessment, CreditStatus Message);
}
