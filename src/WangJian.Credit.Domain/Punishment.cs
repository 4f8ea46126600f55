using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace WangJian.Credit.Domain;

/// <summary>Imposing a measure when an operator is listed, or lifting it when the listing ends.</summary>
public enum NoticeKind
{
    Impose = 1,
    Lift = 2,
}

/// <summary>Where a notice stands with its agency.</summary>
public enum NoticeState
{
    /// <summary>Waiting for push delivery, or for the agency to pull it.</summary>
    Pending = 1,

    /// <summary>The last push failed; it will be tried again at NextAttemptAt.</summary>
    Failing = 2,

    /// <summary>The agency's receiver accepted it.</summary>
    Delivered = 3,

    /// <summary>The agency confirmed it and recorded the action it took.</summary>
    Acknowledged = 4,
}

/// <summary>One measure of a punishment case, sent to the agency that applies it (docs/policy.md §5).</summary>
public sealed record Notice(
    string NoticeId,
    string CaseId,
    string Agency,
    NoticeKind Kind,
    string OperatorId,
    string MeasureCode,
    string Description,
    IReadOnlyList<MatterEffect> Matters,
    string LegalBasis,
    DateTimeOffset ListedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset IssuedAt,
    string? LiftReason);

/// <summary>Delivery and acknowledgement of one notice.</summary>
public sealed record NoticeStatus(
    NoticeState State,
    int Attempts,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy,
    string? ActionTaken)
{
    public static readonly NoticeStatus New = new(NoticeState.Pending, 0, null, null, null, null, null, null);
}

/// <summary>A notice in its agency's log, at its place in the agency's order.</summary>
public sealed record StoredNotice(long Sequence, Notice Notice, NoticeStatus Status);

/// <summary>
/// A joint-punishment case: opened when the operator enters the list (or by a regulator for a listed
/// operator), lifted when the listing ends. One case per listing; re-entering later opens a new one.
/// </summary>
public sealed record PunishmentCase(
    string CaseId,
    string OperatorId,
    DateTimeOffset ListedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset OpenedAt,
    string OpenedBy,
    string OpenReason,
    DateTimeOffset? LiftedAt,
    string? LiftReason,
    IReadOnlyList<Notice> Notices)
{
    public bool IsOpen => LiftedAt is null;

    /// <summary>Stable per (operator, listing start): opening the same listing's case twice yields one id.</summary>
    public static string IdFor(string operatorId, DateTimeOffset listedAt) =>
        "case-" + Hash($"{operatorId}\n{listedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}", 8);

    public static string NoticeIdFor(string caseId, string agency, string measure, NoticeKind kind) =>
        "ntc-" + Hash($"{caseId}\n{agency}\n{measure}\n{kind}", 10);

    /// <summary>A new case with one IMPOSE notice per measure of the catalogue.</summary>
    public static PunishmentCase Open(string operatorId, Listing listing, CreditPolicy policy, DateTimeOffset now, string by, string reason)
    {
        var caseId = IdFor(operatorId, listing.ListedAt);
        var notices = policy.Measures
            .Select(m => new Notice(
                NoticeIdFor(caseId, m.Agency, m.Code, NoticeKind.Impose),
                caseId,
                m.Agency,
                NoticeKind.Impose,
                operatorId,
                m.Code,
                m.Description,
                m.Matters,
                m.LegalBasis,
                listing.ListedAt,
                listing.ExpiresAt,
                now,
                null))
            .ToArray();
        return new PunishmentCase(caseId, operatorId, listing.ListedAt, listing.ExpiresAt, now, by, reason, null, null, notices);
    }

    /// <summary>The case lifted, with one LIFT notice for each measure imposed.</summary>
    public PunishmentCase Lift(DateTimeOffset now, string reason)
    {
        var lifts = Notices.Where(n => n.Kind == NoticeKind.Impose)
            .Select(n => n with
            {
                NoticeId = NoticeIdFor(CaseId, n.Agency, n.MeasureCode, NoticeKind.Lift),
                Kind = NoticeKind.Lift,
                IssuedAt = now,
                LiftReason = reason,
            })
            .ToArray();
        return this with { LiftedAt = now, LiftReason = reason, Notices = [.. Notices, .. lifts] };
    }

    private static string Hash(string s, int bytes) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)).AsSpan(0, bytes));
}
