using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.UseCases;

namespace WangJian.Credit.Server.Web.Pages;

/// <summary>The public search (信用公示): anyone, without signing in, looks an operator up by USCC.</summary>
[AllowAnonymous]
public sealed class PublicSearchModel(Publicity publicity, PolicyVersions versions, TimeProvider time) : PageModel
{
    public CreditPolicy Policy => versions.At(time.GetUtcNow());

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
        Record = await publicity.GetAsync(code.Value);
    }
}
