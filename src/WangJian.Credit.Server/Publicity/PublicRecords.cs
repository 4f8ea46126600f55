using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Publicity;

/// <summary>A penalty decision as the public sees it: the decision, not who recorded it or when.</summary>
public sealed record PublicPenalty(
    string DecisionNumber,
    string AuthorityCode,
    string AuthorityName,
    string OffenseCode,
    string OffenseName,
    Severity Severity,
    IReadOnlyList<PenaltyKind> PenaltyKinds,
    long FineFen,
    DateTimeOffset DecidedAt,
    DateTimeOffset PublicityEndsAt,
    string LegalBasis);

/// <summary>The listing in force with the decisions behind it.</summary>
public sealed record PublicListing(DateTimeOffset ListedAt, DateTimeOffset ExpiresAt, IReadOnlyList<PublicPenalty> Decisions);

/// <summary>What may be published about an operator now.</summary>
public sealed record PublicRecord(string OperatorId, DateTimeOffset AsOf, PublicListing? Listing, IReadOnlyList<PublicPenalty> Penalties, string PolicyVersion);

/// <summary>
/// The public face (no token): each penalty decision inside its publicity period (docs/policy.md §4.8), the
/// listing in force with the decisions behind it, and the blacklist. Nothing about checks, notices, who
/// recorded what, or revoked decisions.
/// </summary>
public sealed class PublicRecords(IGrainFactory grains, PolicyVersions versions, CreditClock clock, IBlacklistIndex changes)
{
    public async Task<PublicRecord> GetAsync(string operatorId)
    {
        var grain = grains.Operator(operatorId);
        var assessment = await grain.GetAssessmentAsync(null);
        var history = await grain.GetHistoryAsync();
        var now = assessment.AsOf > clock.UtcNow ? assessment.AsOf : clock.UtcNow;
        // What the policy in force now says may be published now.
        var policy = versions.At(now);
        var publicity = policy.Publicity;
        var penalties = history.Violations
            .Where(v => Domain.Publicity.IsPublishedAt(v, publicity, now))
            .OrderByDescending(v => v.DecidedAt)
            .Select(v => ToPublic(v, Domain.Publicity.EndsAt(v, publicity)!.Value, policy))
            .ToArray();
        PublicListing? listing = null;
        if (assessment.Listing is { } l)
        {
            var behind = l.Triggers.SelectMany(t => t.ViolationIds).ToHashSet(StringComparer.Ordinal);
            // The decisions behind a listing are published with it for as long as it lasts.
            listing = new PublicListing(
                l.ListedAt, l.ExpiresAt,
                history.Violations.Where(v => behind.Contains(v.Id) && !v.IsRevoked).OrderBy(v => v.DecidedAt)
                    .Select(v => ToPublic(v, Max(Domain.Publicity.EndsAt(v, publicity)!.Value, l.ExpiresAt), policy)).ToArray());
        }

        return new PublicRecord(operatorId, now, listing, penalties, assessment.PolicyVersion);
    }

    public Task<(IReadOnlyList<BlacklistItem> Items, (long Score, string Member)? Next)> BlacklistAsync((long Score, string Member)? after, int size) =>
        changes.PageBlacklistAsync(after, size);

    private static PublicPenalty ToPublic(Violation v, DateTimeOffset ends, CreditPolicy policy)
    {
        var offense = policy.Offenses.TryGetValue(v.OffenseCode, out var o) ? o : null;
        return new PublicPenalty(
            v.DecisionNumber, v.AuthorityCode, v.AuthorityName, v.OffenseCode, offense?.NameZh ?? v.OffenseCode, v.Severity, v.PenaltyKinds, v.FineFen, v.DecidedAt, ends,
            offense?.LegalBasis ?? string.Empty);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
