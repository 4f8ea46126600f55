using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>Valid RecordViolation requests. Offenses that never list an operator, so writes measure recording, not notices.</summary>
public static class Requests
{
    private static readonly (string Offense, Severity Severity)[] OrdinaryOffenses =
    [
        ("PRICE_MARKING", Severity.Minor),
        ("FALSE_PROMOTION", Severity.Minor),
        ("DISCLOSURE_FAILURE", Severity.General),
        ("RETURN_REFUSAL", Severity.Minor),
        ("UNFAIR_TERMS", Severity.General),
        ("TIE_IN_SALE", Severity.Minor),
    ];

    /// <summary>A tag unique to this run, so decision numbers of a rerun on the same data are new records.</summary>
    public static readonly string Run = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    public static RecordViolationRequest Ordinary(string operatorId, string workload, long n)
    {
        var (offense, severity) = OrdinaryOffenses[n % OrdinaryOffenses.Length];
        return new RecordViolationRequest
        {
            OperatorId = operatorId,
            OffenseCode = offense,
            Severity = severity,
            DecisionNumber = FormattableString.Invariant($"杭市监处罚〔{workload}-{Run}〕{n}号"),
            AuthorityCode = "330100-SAMR",
            AuthorityName = "杭州市市场监督管理局",
            DecidedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1 - (n % 300))),
            FineFen = 50_000,
            PenaltyKinds = { PenaltyKind.Fine },
            Description = "benchmark",
        };
    }

    public static RecordViolationRequest Listing(string operatorId) => new()
    {
        OperatorId = operatorId,
        OffenseCode = "UNSAFE_FOOD",
        Severity = Severity.EspeciallySerious,
        DecisionNumber = FormattableString.Invariant($"杭市监处罚〔bench-listing〕{operatorId}号"),
        AuthorityCode = "330100-SAMR",
        AuthorityName = "杭州市市场监督管理局",
        DecidedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(DateTimeOffset.UtcNow.Date.AddDays(-1), TimeSpan.Zero)),
        FineFen = 10_000_000,
        PenaltyKinds = { PenaltyKind.Fine, PenaltyKind.Suspension },
        Description = "benchmark: a listed operator",
    };
}
