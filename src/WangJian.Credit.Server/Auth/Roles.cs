namespace WangJian.Credit.Server.Auth;

/// <summary>
/// The six roles and who may call what. Each service carries the union of its callers; a method that
/// is narrower carries its own attribute (ASP.NET Core requires both).
/// </summary>
public static class Roles
{
    /// <summary>A market regulator bound to the authorities of its scope: records, revokes, repairs.</summary>
    public const string Regulator = "regulator";

    /// <summary>An e-commerce platform screening its sellers: reads credit.</summary>
    public const string Platform = "platform";

    /// <summary>An agency system bound to its agency code: checks and acknowledges notices.</summary>
    public const string Agency = "agency";

    /// <summary>Service staff: reads everything and manages approvals, but is not a regulator.</summary>
    public const string Admin = "admin";

    /// <summary>An e-commerce operator bound to its own USCC: reads its own credit status.</summary>
    public const string Operator = "operator";

    /// <summary>Reads the access log and the check log, nothing else.</summary>
    public const string Auditor = "auditor";

    public static readonly IReadOnlyList<string> All = [Regulator, Platform, Agency, Admin, Operator, Auditor];

    /// <summary>Everyone who calls anything of RegulatorService.</summary>
    public const string RegulatorService = Regulator + "," + Admin + "," + Auditor;

    /// <summary>Writes to the history (record, revoke, repair, open a case): regulators only.</summary>
    public const string RegulatorWrites = Regulator;

    /// <summary>Reading histories, cases and approvals; deciding approvals (admin may only reject).</summary>
    public const string RegulatorReads = Regulator + "," + Admin;

    /// <summary>The check audit log.</summary>
    public const string CheckLog = Regulator + "," + Admin + "," + Auditor;

    /// <summary>Everyone who calls anything of CreditService (an operator only its own status).</summary>
    public const string CreditService = Platform + "," + Regulator + "," + Agency + "," + Admin + "," + Operator;

    /// <summary>The blacklist and the change feed: not an operator, who sees only its own status.</summary>
    public const string CreditFeeds = Platform + "," + Regulator + "," + Agency + "," + Admin;

    /// <summary>Watchlists and webhooks belong to platform principals.</summary>
    public const string PlatformService = Platform;

    /// <summary>Only an agency system, bound to its agency code, checks and acknowledges.</summary>
    public const string AgencyService = Agency;

    /// <summary>PolicyService: listing, reading, validating and simulating policy versions.</summary>
    public const string PolicyReads = Regulator + "," + Admin + "," + Auditor;

    /// <summary>Publishing a policy version (a second admin approves it by default).</summary>
    public const string PolicyPublish = Admin;

    /// <summary>The access log.</summary>
    public const string AuditService = Auditor + "," + Admin;

    /// <summary>The claim carrying an agency principal's agency code.</summary>
    public const string AgencyClaim = "wj:agency";

    /// <summary>The claim carrying an operator principal's USCC.</summary>
    public const string UsccClaim = "wj:uscc";

    /// <summary>One claim per entry of a regulator's authority scope.</summary>
    public const string AuthorityClaim = "wj:authority";
}
