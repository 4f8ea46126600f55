using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Policies;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>One published version: its interval of force, rollout, and rules (offenses, grades, listing, measures) and its document.</summary>
[ConsoleAuthorize(Roles.PolicyReads)]
public sealed class PolicyModel(PolicyCatalog catalog) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "v")]
    public string? Version { get; set; }

    public PolicyView? View { get; private set; }

    public CreditPolicy? Rules { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        View = string.IsNullOrWhiteSpace(Version) ? null : await catalog.GetAsync(Version.Trim());
        if (View is null)
        {
            return NotFound();
        }

        Rules = catalog.Timeline.Find(View.Version)!.Policy;
        return Page();
    }
}
