using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>The access log (ListAccessLog) for auditors: who called what about which operator, with the outcome; console reads included.</summary>
[ConsoleAuthorize(Roles.AuditService)]
public sealed class AccessModel(AccessLog log) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Principal { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Operator { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Rpc { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public IReadOnlyList<AccessEntry> Items { get; private set; } = [];

    public string? Next { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync()
    {
        string? op = null;
        if (!string.IsNullOrWhiteSpace(Operator))
        {
            if (!Uscc.TryParse(Operator, out var code, out var error))
            {
                Error = error;
                return;
            }

            op = code.Value;
        }

        var query = new AccessQuery(
            string.IsNullOrWhiteSpace(Principal) ? null : Principal.Trim(),
            op,
            string.IsNullOrWhiteSpace(Rpc) ? null : Rpc.Trim(),
            string.IsNullOrWhiteSpace(Status) ? null : Status.Trim().ToUpperInvariant(),
            ConsoleView.ParseDate(From),
            ConsoleView.ParseDate(To) is { } t ? t.AddDays(1) : null);
        await log.FlushAsync();
        var (items, next) = await log.QueryAsync(query, IndexPosition.Decode(After), PageSize);
        Items = items;
        Next = next?.Encode();
    }
}
