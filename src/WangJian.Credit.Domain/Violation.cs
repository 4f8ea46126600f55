using System.Security.Cryptography;
using System.Text;

namespace WangJian.Credit.Domain;

/// <summary>
/// A status change of a violation, kept forever with who decided it and when; <see cref="Approval"/> names
/// the second person when the change needed one (<see cref="By"/> is then the proposer).
/// </summary>
public sealed record StatusChange(ViolationStatus To, DateTimeOffset At, string By, string Reason, DateTimeOffset RecordedAt, SecondPerson? Approval = null);

/// <summary>The approval under which a grave change was applied, and who approved it.</summary>
public sealed record SecondPerson(string ApprovalId, string ApprovedBy, DateTimeOffset ApprovedAt);

/// <summary>
/// One administrative penalty decision against an operator (docs/policy.md §3). Never deleted; its
/// identity is (AuthorityCode, DecisionNumber).
/// </summary>
public sealed record Violation(
    string Id,
    string OperatorId,
    string OffenseCode,
    Severity Severity,
    IReadOnlyList<PenaltyKind> PenaltyKinds,
    long FineFen,
    long IllegalGainsFen,
    bool HeavierPenalty,
    string DecisionNumber,
    string AuthorityCode,
    string AuthorityName,
    DateTimeOffset DecidedAt,
    string Description,
    string RecordedBy,
    DateTimeOffset RecordedAt,
    IReadOnlyList<StatusChange> Changes)
{
    public ViolationStatus Status => Changes.Count == 0 ? ViolationStatus.Active : Changes[^1].To;

    /// <summary>A revocation applies to all of time: the penalty was wrong.</summary>
    public bool IsRevoked => Status == ViolationStatus.Revoked;

    /// <summary>When credit repair took effect, if it did.</summary>
    public DateTimeOffset? RepairedAt => Status == ViolationStatus.Repaired ? Changes[^1].At : null;

    /// <summary>docs/policy.md §4.2: exists, not revoked, not repaired at or before <paramref name="t"/>.</summary>
    public bool IsActiveAt(DateTimeOffset t) => DecidedAt <= t && !IsRevoked && !(RepairedAt is { } r && r <= t);

    /// <summary>The deterministic id of the decision (authority, number), stable across retries and imports.</summary>
    public static string IdFor(string authorityCode, string decisionNumber)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{authorityCode}\n{decisionNumber}"));
        return "v" + Convert.ToHexStringLower(hash.AsSpan(0, 10));
    }

    /// <summary>
    /// Same decision content (the fields a regulator supplies), ignoring who recorded it and when.
    /// Penalty kinds are a set: the order a client lists them in is not content.
    /// </summary>
    public bool SameContentAs(Violation other) =>
        OperatorId == other.OperatorId
        && OffenseCode == other.OffenseCode
        && Severity == other.Severity
        && PenaltyKinds.ToHashSet().SetEquals(other.PenaltyKinds)
        && FineFen == other.FineFen
        && IllegalGainsFen == other.IllegalGainsFen
        && HeavierPenalty == other.HeavierPenalty
        && DecisionNumber == other.DecisionNumber
        && AuthorityCode == other.AuthorityCode
        && AuthorityName == other.AuthorityName
        && DecidedAt == other.DecidedAt
        && Description == other.Description;

    /// <summary>Total order of docs/policy.md §4.2: decided_at, then (authority_code, decision_number) ordinally.</summary>
    public static int CompareChronologically(Violation a, Violation b)
    {
        var c = a.DecidedAt.CompareTo(b.DecidedAt);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(a.AuthorityCode, b.AuthorityCode);
        return c != 0 ? c : string.CompareOrdinal(a.DecisionNumber, b.DecisionNumber);
    }
}

/// <summary>An approved repair of the listing itself (docs/policy.md §4.5), effective from <see cref="At"/>.</summary>
public sealed record ListingRepair(DateTimeOffset At, string By, string Reason, DateTimeOffset RecordedAt, SecondPerson? Approval = null);

/// <summary>All we know of one operator: the input of the scorer.</summary>
public sealed record OperatorHistory(string OperatorId, IReadOnlyList<Violation> Violations, IReadOnlyList<ListingRepair> ListingRepairs)
{
    public static OperatorHistory Empty(string operatorId) => new(operatorId, [], []);
}
