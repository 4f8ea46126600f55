using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Web.Pages;

/// <summary>The public serious illegal and dishonest list (严重违法失信名单), paged, by region prefix.</summary>
[AllowAnonymous]
public sealed class PublicBlacklistModel(RedisChangeLog changes) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Region { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public IReadOnlyList<BlacklistItem> Items { get; private set; } = [];

    public string? Next { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync()
    {
        var region = Region?.Trim() ?? string.Empty;
        if (region.Length > 6 || !region.All(char.IsAsciiDigit))
        {
            Error = "region: 1 to 6 digits of the administrative division code (e.g. 33 or 3301)";
            return;
        }

        (Items, Next) = await Console.BlacklistModel.PageAsync(changes, region, Console.BlacklistModel.Decode(After), Console.BlacklistModel.PageSize, 5000);
    }
}
