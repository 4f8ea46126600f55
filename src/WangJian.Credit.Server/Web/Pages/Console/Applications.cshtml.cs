using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>
/// The regulator's inbox of repair applications and objections (ApplicationService, as ListApplications and
/// DecideApplication): those its scope covers, soonest due first, overdue ones (10 working days) marked; one
/// opened with its statement and evidence, and decided with a reason.
/// </summary>
[ConsoleAuthorize(Roles.RegulatorReads)]
[ConsoleWrites]
public sealed class ApplicationsModel(ApplicationService applications, CreditClock clock, IStringLocalizer<SharedResource> l) : PageModel
{
    [BindProperty(SupportsGet = true, Name = "id")]
    public string? OpenId { get; set; }

    [BindProperty(SupportsGet = true, Name = "overdue")]
    public bool OverdueOnly { get; set; }

    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    public IReadOnlyList<StoredApplication> Items { get; private set; } = [];

    public int OverdueCount { get; private set; }

    public StoredApplication? Opened { get; private set; }

    public string? Error { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public bool MayDecide => User.IsInRole(Roles.RegulatorWrites);

    public async Task<IActionResult> OnGetAsync()
    {
        try
        {
            await LoadAsync();
        }
        catch (RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.PermissionDenied)
        {
            return Forbid(ConsoleWeb.CookieScheme);
        }
        catch (RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.NotFound)
        {
            Error = e.Status.Detail;
            Response.StatusCode = StatusCodes.Status404NotFound;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string applicationId, string decision, string reason)
    {
        if (!MayDecide)
        {
            return Forbid(ConsoleWeb.CookieScheme);
        }

        OpenId = applicationId;
        if (string.IsNullOrWhiteSpace(reason))
        {
            Error = l["file.reason.required"];
        }
        else
        {
            try
            {
                var result = await applications.DecideAsync(applicationId, decision == "approve", reason, Caller.Decider(User));
                return LocalRedirect($"/console/applications?id={result.Application.ApplicationId}&done={result.Application.State}");
            }
            catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { } refusal)
            {
                Error = refusal.Status.Detail;
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        try
        {
            await LoadAsync();
        }
        catch (RpcException)
        {
            OpenId = null;
        }

        return Page();
    }

    private async Task LoadAsync()
    {
        // Overdue is judged on the credit clock, the one the due dates were computed on.
        Now = clock.UtcNow;
        var who = Caller.Decider(User);
        var page = await applications.ListInboxAsync(who, null, null, OverdueOnly, null, 200);
        Items = page.Items;
        OverdueCount = page.OverdueCount;
        if (!string.IsNullOrWhiteSpace(OpenId))
        {
            Opened = await applications.GetForDeciderAsync(OpenId, who);
        }
    }
}
