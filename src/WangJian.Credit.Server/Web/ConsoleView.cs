using System.Globalization;
using System.Security.Claims;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Web;

/// <summary>One link of the console's navigation: shown only to the roles that may open the page.</summary>
public sealed record NavItem(string Path, string Label, string Roles);

/// <summary>Formatting and navigation shared by the pages.</summary>
public static class ConsoleView
{
    /// <summary>Times are shown in Beijing time, the time of the decisions and of the people reading them.</summary>
    public static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    public static readonly IReadOnlyList<NavItem> Nav =
    [
        new("/console", "nav.home", Roles.Regulator + "," + Roles.Admin + "," + Roles.Platform + "," + Roles.Agency + "," + Roles.Operator + "," + Roles.Auditor),
        new("/console/approvals", "nav.approvals", Roles.RegulatorReads),
        new("/console/blacklist", "nav.blacklist", Roles.CreditFeeds),
        new("/console/punishment", "nav.punishment", Roles.RegulatorReads),
        new("/console/checks", "nav.checks", Roles.CheckLog),
        new("/console/check", "nav.check", Roles.Agency),
        new("/console/applications", "nav.applications", Roles.RegulatorReads),
        new("/console/policies", "nav.policies", Roles.PolicyReads),
        new("/console/access", "nav.access", Roles.AuditService),
    ];

    public static IEnumerable<NavItem> NavFor(ClaimsPrincipal user) =>
        Nav.Where(n => n.Roles.Split(',').Any(user.IsInRole));

    public static string Time(DateTimeOffset t) => t.ToOffset(Beijing).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? t) => t is { } v ? Time(v) : "—";

    public static string Date(DateTimeOffset t) => t.ToOffset(Beijing).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string Score(decimal s) => s.ToString("0.##", CultureInfo.InvariantCulture);

    public static string Yuan(long fen) => (fen / 100m).ToString("#,0.00", CultureInfo.InvariantCulture);

    /// <summary>A date typed in a form (yyyy-MM-dd) as midnight Beijing time; null when it is not one.</summary>
    public static DateTimeOffset? ParseDate(string? s) =>
        DateTime.TryParseExact(s?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? new DateTimeOffset(d, Beijing)
            : null;

    /// <summary>A date and time typed in a form (an HTML datetime-local, yyyy-MM-ddTHH:mm) as Beijing time; null when it is not one.</summary>
    public static DateTimeOffset? ParseLocalTime(string? s) =>
        DateTime.TryParseExact(s?.Trim(), ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? new DateTimeOffset(d, Beijing)
            : null;

    /// <summary>An instant as an HTML datetime-local value in Beijing time.</summary>
    public static string LocalInput(DateTimeOffset t) => t.ToOffset(Beijing).ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    public static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToUpperInvariant();

    /// <summary>The administrative division code of a USCC (characters 3–8), by which lists filter by region.</summary>
    public static string Region(string uscc) => uscc.Length >= 8 ? uscc[2..8] : string.Empty;

    /// <summary>Whether a local return URL is safe to redirect to (no other host).</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
