using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;

namespace WangJian.Credit.Server.Applications;

/// <summary>A measure in force against the operator, from its open punishment case.</summary>
public sealed record MeasureInForce(string Agency, string MeasureCode, string Description, string CaseId, DateTimeOffset? LiftsAt);

/// <summary>An operator's own credit file.</summary>
public sealed record CreditFile(
    Assessment Status,
    OperatorHistory History,
    IReadOnlyList<string> OpenCaseIds,
    IReadOnlyList<MeasureInForce> Measures,
    IReadOnlyList<RepairStep> Path,
    IReadOnlyList<StoredApplication> OpenApplications);

/// <summary>The operator's view of itself: status, history, cases and measures, the path to repair, open applications.</summary>
public sealed class CreditFiles(IGrainFactory grains, PolicyVersions versions, ICreditScorer scorer, ApplicationService applications)
{
    public async Task<CreditFile> GetAsync(string operatorId)
    {
        var grain = grains.Operator(operatorId);
        var history = await grain.GetHistoryAsync();
        var cases = await grain.GetPunishmentCasesAsync();
        var status = await grain.GetAssessmentAsync(null);

        // The walk starts at the grain's own as-of instant, so the first step follows the status shown.
        var path = RepairPath.Compute(history, versions.Timeline, scorer, status.AsOf);
        var open = cases.Where(c => c.IsOpen).ToArray();
        var measures = open
            .SelectMany(c => c.Notices.Where(n => n.Kind == NoticeKind.Impose).Select(n => new MeasureInForce(n.Agency, n.MeasureCode, n.Description, c.CaseId, status.Listing?.ExpiresAt ?? n.ExpiresAt)))
            .ToArray();
        var (mine, _) = await applications.ListMineAsync(operatorId, null, 100);
        return new CreditFile(status, history, open.Select(c => c.CaseId).ToArray(), measures, path, mine.Where(a => a.IsOpen).ToArray());
    }
}
