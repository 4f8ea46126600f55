using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>Sign-in with a principal's token (the dev tokens of the embedded store, or configured ones), or with the OpenID Connect issuer.</summary>
[AllowAnonymous]
public sealed class SignInModel(PrincipalRegistry registry, IAuthenticationSchemeProvider schemes, IStringLocalizer<SharedResource> l) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty(SupportsGet = true, Name = "error")]
    public string? Error { get; set; }

    [BindProperty(SupportsGet = true, Name = "signedOut")]
    public bool SignedOut { get; set; }

    public bool OidcEnabled { get; private set; }

    public async Task OnGetAsync() => OidcEnabled = await schemes.GetSchemeAsync(ConsoleWeb.OidcScheme) is not null;

    /// <summary>Off to the issuer's authorize endpoint (code flow with PKCE); back at /console/signin-oidc.</summary>
    public async Task<IActionResult> OnGetOidcAsync()
    {
        if (await schemes.GetSchemeAsync(ConsoleWeb.OidcScheme) is null)
        {
            return NotFound();
        }

        return Challenge(new AuthenticationProperties { RedirectUri = "/console/signin?handler=done&returnUrl=" + Uri.EscapeDataString(Target) }, ConsoleWeb.OidcScheme);
    }

    /// <summary>
    /// After the issuer's redirect: the SameSite=Strict cookie is not sent on a navigation another site
    /// started, so this page moves on with a same-site link of its own.
    /// </summary>
    public IActionResult OnGetDone() => Content(
        $"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url={System.Net.WebUtility.HtmlEncode(Target)}\"><title>WangJian.Credit</title></head><body><main><a href=\"{System.Net.WebUtility.HtmlEncode(Target)}\">{l["signin.continue"]}</a></main></body></html>",
        "text/html; charset=utf-8");

    public async Task<IActionResult> OnPostAsync(string? token)
    {
        OidcEnabled = await schemes.GetSchemeAsync(ConsoleWeb.OidcScheme) is not null;
        var value = token?.Trim() ?? string.Empty;
        if (value.Length == 0 || registry.Authenticate(value) is not { } known)
        {
            Error = l["signin.bad"];
            return Page();
        }

        await HttpContext.SignInAsync(ConsoleWeb.CookieScheme, ConsoleWeb.SessionFor(known, value), new AuthenticationProperties { IsPersistent = false });
        return LocalRedirect(Target);
    }

    private string Target => ConsoleView.IsLocal(ReturnUrl) ? ReturnUrl! : "/console";
}
