namespace WangJian.Credit.Server.Reports;

/// <summary>A penalty decision as the report shows it: publishable at the report's instant, or behind its listing.</summary>
public sealed record ReportPenalty(
    string DecisionNumber,
    string AuthorityCode,
    string AuthorityName,
    string OffenseCode,
    string OffenseName,
    string Severity,
    IReadOnlyList<string> PenaltyKinds,
    long FineFen,
    DateTimeOffset DecidedAt,
    DateTimeOffset? PublicityEndsAt,
    bool BehindListing);

/// <summary>The listing in force at the report's instant.</summary>
public sealed record ReportListing(DateTimeOffset ListedAt, DateTimeOffset ExpiresAt, IReadOnlyList<string> Rules, IReadOnlyList<string> DecisionNumbers);

/// <summary>A joint-punishment measure in force at the report's instant.</summary>
public sealed record ReportMeasure(string Agency, string Code, string Description);

/// <summary>
/// The data of one special credit report (专项信用报告): what the JSON format is and what the PDF shows. The
/// record kept in the store has its number, digest and requester (<see cref="ReportRecord"/>).
/// </summary>
public sealed record CreditReport(
    string ReportNumber,
    DateTimeOffset IssuedAt,
    DateTimeOffset AsOf,
    string OperatorId,
    decimal Score,
    string Grade,
    ReportListing? Listing,
    IReadOnlyList<ReportPenalty> Penalties,
    IReadOnlyList<ReportMeasure> Measures,
    string PolicyVersion,
    string KeyId);

/// <summary>A report as delivered: the document, its digest, and the signature over its signed part.</summary>
public sealed record SignedReport(CreditReport Report, byte[] Content, string MediaType, string Sha256, string Signature);
