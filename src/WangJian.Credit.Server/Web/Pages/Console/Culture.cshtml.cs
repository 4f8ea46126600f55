using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>The language switch: keeps the choice in the culture cookie and goes back to the page.</summary>
[AllowAnonymous]
public sealed class CultureModel : PageModel
{
    public IActionResult OnGet() => Redirect("/console");

    public IActionResult OnPost(string? culture, string? returnUrl)
    {
        var chosen = ConsoleWeb.Cultures.Contains(culture) ? culture! : ConsoleWeb.DefaultCulture;
        Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen)),
            new CookieOptions { MaxAge = TimeSpan.FromDays(365), SameSite = SameSiteMode.Lax, HttpOnly = true, IsEssential = true, Secure = Request.IsHttps });
        return LocalRedirect(ConsoleView.IsLocal(returnUrl) ? returnUrl! : "/console");
    }
}
