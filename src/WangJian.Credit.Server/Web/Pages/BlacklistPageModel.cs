using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Web.Pages;

/// <summary>
/// The serious illegal and dishonest list, oldest listing first, paged with keyed tokens, filtered by region
/// prefix: one page model for the public list and the staff console's, which differ only in who may open them.
/// </summary>
public abstract class BlacklistPageModel(IBlacklistIndex changes) : PageModel
{
    public const int PageSize = 50;

    /// <summary>A page filtered by region reads at most this many entries of the list.</summary>
    private const int MaxScan = 5000;

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

        (Items, Next) = await PageAsync(changes, region, Decode(After), PageSize, MaxScan);
    }

    /// <summary>
    /// The entries whose division code starts with <paramref name="region"/>, reading the list's own keyed
    /// pages until about a page is found (a page may hold up to two pages' worth) or <paramref name="maxScan"/> were read.
    /// </summary>
    public static async Task<(IReadOnlyList<BlacklistItem> Items, string? Next)> PageAsync(IBlacklistIndex changes, string region, (long Score, string Member)? after, int size, int maxScan)
    {
        var items = new List<BlacklistItem>();
        var scanned = 0;
        while (true)
        {
            var (page, next) = await changes.PageBlacklistAsync(after, size);
            scanned += page.Count;
            items.AddRange(page.Where(i => ConsoleView.Region(i.OperatorId).StartsWith(region, StringComparison.Ordinal)));
            after = next;
            if (next is null || items.Count >= size || scanned >= maxScan)
            {
                return (items, next is { } n ? $"{n.Score.ToString(CultureInfo.InvariantCulture)}:{n.Member}" : null);
            }
        }
    }

    public static (long Score, string Member)? Decode(string? token)
    {
        var i = token?.IndexOf(':') ?? -1;
        return i > 0 && long.TryParse(token![..i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var score) ? (score, token[(i + 1)..]) : null;
    }
}
