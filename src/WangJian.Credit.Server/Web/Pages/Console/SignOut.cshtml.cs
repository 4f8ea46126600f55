using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>Ends the console session (a POST with the antiforgery token: a link on another site cannot sign anyone out).</summary>
[AllowAnonymous]
public sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => Redirect("/console");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleWeb.CookieScheme);
        return LocalRedirect("/console/signin?signedOut=true");
    }
}
