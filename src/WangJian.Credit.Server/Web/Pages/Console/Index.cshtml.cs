using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>Home: operator search (USCC checked as it is typed, by the same GB 32100 check as the API) and recent files.</summary>
[ConsoleAuthorize(Roles.Regulator + "," + Roles.Admin + "," + Roles.Platform + "," + Roles.Agency + "," + Roles.Operator + "," + Roles.Auditor)]
public sealed class IndexModel : PageModel
{
    /// <summary>The cookie of the files this browser opened last, newest first.</summary>
    public const string RecentCookie = "wj_recent";

    [BindProperty(SupportsGet = true)]
    public string? Id { get; set; }

    public bool CanReadFiles { get; private set; }

    public IReadOnlyList<string> Recent { get; private set; } = [];

    public IActionResult OnGet()
    {
        if (User.IsInRole(Roles.Operator) && User.FindFirst(Roles.UsccClaim)?.Value is { } own)
        {
            // An operator has one file: its own.
            return LocalRedirect("/console/file?id=" + own);
        }

        CanReadFiles = !User.IsInRole(Roles.Auditor);
        Recent = RecentFiles(Request);
        return Page();
    }

    public static IReadOnlyList<string> RecentFiles(HttpRequest request) =>
        (request.Cookies[RecentCookie] ?? string.Empty).Split('.', StringSplitOptions.RemoveEmptyEntries)
            .Where(id => Uscc.TryParse(id, out _, out _))
            .Take(8)
            .ToArray();
}
