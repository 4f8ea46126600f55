using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>Where a signed-in user lands on a page its role may not open (HTTP 403).</summary>
[AllowAnonymous]
public sealed class DeniedModel : PageModel
{
    public void OnGet() => Response.StatusCode = StatusCodes.Status403Forbidden;
}
