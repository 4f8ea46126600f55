using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>The four-eyes inbox: approvals waiting for a second person within the user's scope, soonest to expire first, and the decision.</summary>
[ConsoleAuthorize(Roles.RegulatorReads)]
[ConsoleWrites]
public sealed class ApprovalsModel(ApprovalInbox inbox, TimeProvider time, IStringLocalizer<SharedResource> l) : PageModel
{
    /// <summary>An approval this close to expiring is marked.</summary>
    public static readonly TimeSpan DueSoon = TimeSpan.FromDays(1);

    public IReadOnlyList<StoredApproval> Pending { get; private set; } = [];

    public IReadOnlyList<StoredApproval> Decided { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync(string approvalId, string decision, string reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            Error = l["file.reason.required"];
        }
        else
        {
            try
            {
                var (approval, _) = await inbox.DecideAsync(User, approvalId.Trim(), decision == "approve", reason.Trim());
                return LocalRedirect($"/console/approvals?done={approval.ApprovalId}:{approval.State}");
            }
            catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { } refusal)
            {
                Error = refusal.Status.Detail;
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Now = time.GetUtcNow();
        var (pending, _) = await inbox.ListAsync(User, null, decided: false, null, 200);
        Pending = pending.OrderBy(a => a.ExpiresAt).ToArray();
        var (decided, _) = await inbox.ListAsync(User, null, decided: true, null, 20);
        Decided = decided;
    }
}
