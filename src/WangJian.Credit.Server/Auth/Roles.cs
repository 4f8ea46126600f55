namespace WangJian.Credit.Server.Auth;

/// <summary>The four roles and which services each may call (one attribute per service).</summary>
public static class Roles
{
    public const string Regulator = "regulator";
    public const string Platform = "platform";
    public const string Agency = "agency";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Regulator, Platform, Agency, Admin];

    /// <summary>Regulators and service admins record and repair.</summary>
    public const string RegulatorService = Regulator + "," + Admin;

    /// <summary>Everyone reads credit.</summary>
    public const string CreditService = Platform + "," + Regulator + "," + Agency + "," + Admin;

    /// <summary>Watchlists and webhooks belong to platform principals.</summary>
    public const string PlatformService = Platform;

    /// <summary>Only an agency system, bound to its agency code, checks and acknowledges.</summary>
    public const string AgencyService = Agency;

    /// <summary>The claim carrying an agency principal's agency code.</summary>
    public const string AgencyClaim = "wj:agency";
}
