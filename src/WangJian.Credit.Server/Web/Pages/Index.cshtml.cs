using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Publicity;

namespace WangJian.Credit.Server.Web.Pages;

/// <summary>
/// The public search (信用公示): anyone, without signing in, looks an operator up by USCC and sees what
/// PublicService publishes (the same <see cref="PublicRecords"/>): the listing in force with the decisions
/// behind it and each decision still inside its publicity period.
/// </summary>
[AllowAnonymous]
// The public pages show what PublicService answers: the same per-address limit, so they are no way around it.
[EnableRateLimiting(PublicRateLimit.Policy)]
public sealed class PublicSearchModel(PublicRecords records) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    public string? Error { get; private set; }

    public PublicRecord? Record { get; private set; }

    public async Task OnGetAsync()
    {
        if (string.IsNullOrWhiteSpace(Q))
        {
            return;
        }

        if (!Uscc.TryParse(Q, out var code, out var error))
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Q = code.Value;
        Record = await records.GetAsync(code.Value);
    }
}
