using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.UseCases;

/// <summary>
/// Reads of an operator's credit now or at a past instant, for every API and page that reads one. A read now of an
/// operator whose grain is active on this silo is answered from the entry the grain keeps in
/// <see cref="CurrentStatuses"/>; anything else is the grain call it always was.
/// </summary>
public sealed class CreditReads(IGrainFactory grains, CurrentStatuses current, PolicyVersions versions, CreditClock clock)
{
    /// <summary>The assessment now with the head revision it belongs to (a check records both).</summary>
    public Task<OperatorStatus> StatusAsync(string operatorId)
    {
        var now = clock.UtcNow;
        if (current.TryGet(operatorId, versions.Timeline, now, out var entry))
        {
            return Task.FromResult(new OperatorStatus(entry.Assessment with { AsOf = now }, entry.Revision));
        }

        return grains.Operator(operatorId).GetStatusAsync();
    }

    /// <summary>The status message at <paramref name="asOf"/> (now when absent), under the version that scored it.</summary>
    public ValueTask<CreditStatus> StatusMessageAsync(string operatorId, DateTimeOffset? asOf = null)
    {
        if (asOf is null)
        {
            var now = clock.UtcNow;
            var timeline = versions.Timeline;
            if (current.TryGet(operatorId, timeline, now, out var entry))
            {
                // Mapped once per entry (a benign race: two readers may both map it; either message is right).
                var mapped = entry.Mapped as CreditStatus ?? (CreditStatus)(entry.Mapped = ProtoMapper.ToProto(entry.Assessment, timeline));
                return ValueTask.FromResult(ProtoMapper.At(mapped, now));
            }
        }

        return MapAsync(grains.Operator(operatorId).GetAssessmentAsync(asOf));
    }

    private async ValueTask<CreditStatus> MapAsync(Task<Assessment> assessment) => ProtoMapper.ToProto(await assessment, versions.Timeline);
}
