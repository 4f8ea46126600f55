using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.UseCases;

/// <summary>What the public may see of an operator: whether it is on the list, and the penalty decisions in force.</summary>
public sealed record PublicRecord(string OperatorId, Listing? Listing, IReadOnlyList<Violation> Decisions);

/// <summary>
/// The public credit information (公示) anyone may look up without signing in: the listing and the
/// penalty decisions in force. Revoked decisions are never shown and repaired ones no longer (credit
/// repair ends their publicity); scores, descriptions and who recorded what stay with the staff.
/// </summary>
public sealed class Publicity(IGrainFactory grains, TimeProvider time)
{
    public async Task<PublicRecord> GetAsync(string op)
    {
        var grain = grains.Operator(op);
        var history = await grain.GetHistoryAsync();
        var assessment = await grain.GetAssessmentAsync(null);
        var now = time.GetUtcNow();
        var decisions = history.Violations.Where(v => v.IsActiveAt(now)).OrderByDescending(v => v.DecidedAt).ToArray();
        return new PublicRecord(op, assessment.Listing, decisions);
    }
}
