using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>The pre-approval check log (ListChecks), newest first, by agency, operator and time.</summary>
[ConsoleAuthorize(Roles.CheckLog)]
public sealed class ChecksModel(ICheckLogQuery log) : PageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public string? Agency { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Operator { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? After { get; set; }

    public IReadOnlyList<StoredCheck> Items { get; private set; } = [];

    public string? Next { get; private set; }

    public List<string> Errors { get; } = [];

    public async Task OnGetAsync()
    {
        string? op = null;
        if (!string.IsNullOrWhiteSpace(Operator))
        {
            if (Uscc.TryParse(Operator, out var code, out var error))
            {
                op = code.Value;
            }
            else
            {
                Errors.Add(error);
            }
        }

        var agency = string.IsNullOrWhiteSpace(Agency) ? null : Agency.Trim().ToUpperInvariant();
        if (agency is not null && !Agencies.IsKnown(agency))
        {
            Errors.Add($"unknown agency code '{agency}'; known agencies: {string.Join(", ", Agencies.All)}");
        }

        var from = ConsoleView.ParseDate(From);
        var to = ConsoleView.ParseDate(To) is { } t ? t.AddDays(1) : (DateTimeOffset?)null;
        if (Errors.Count > 0)
        {
            return;
        }

        // Newest first: pages are read until the time window is passed or a page is full.
        var found = new List<StoredCheck>();
        var after = IndexPosition.Decode(After);
        for (var reads = 0; reads < 20 && found.Count < PageSize; reads++)
        {
            var (checks, next) = await log.QueryAsync(op, agency, after, PageSize);
            found.AddRange(checks.Where(c => (from is null || c.CheckedAt >= from) && (to is null || c.CheckedAt < to)));
            after = next;
            if (next is null || (from is { } f && checks.Count > 0 && checks[^1].CheckedAt < f))
            {
                after = null;
                break;
            }
        }

        Items = found;
        Next = after?.Encode();
    }
}
