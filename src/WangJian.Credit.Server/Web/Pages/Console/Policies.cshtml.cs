using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Policies;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>
/// The policy versions with their interval of force and rollout, and the entry-by-entry diff of two of them
/// (<see cref="PolicyCatalog.Diff"/>, the same comparison as anyone's). Admins publish; regulators and auditors read.
/// </summary>
[ConsoleAuthorize(Roles.PolicyReads)]
public sealed class PoliciesModel(PolicyCatalog catalog) : PageModel
{
    public IReadOnlyList<PolicyView> Versions { get; private set; } = [];

    public string? From { get; private set; }

    public string? To { get; private set; }

    /// <summary>The diff asked for; null when none was (or a version is unknown: <see cref="Error"/>).</summary>
    public IReadOnlyList<PolicyChange>? Changes { get; private set; }

    public string? Error { get; private set; }

    public bool MayPublish => User.IsInRole(Roles.Admin);

    public async Task OnGetAsync(string? from, string? to)
    {
        Versions = await catalog.ListAsync();
        // By default the diff compares the two latest versions (what the newest one changes).
        From = string.IsNullOrWhiteSpace(from) ? (Versions.Count > 1 ? Versions[^2].Version : Versions.FirstOrDefault()?.Version) : from.Trim();
        To = string.IsNullOrWhiteSpace(to) ? Versions.LastOrDefault()?.Version : to.Trim();
        if (From is null || To is null)
        {
            return;
        }

        Changes = catalog.Diff(From, To);
        if (Changes is null)
        {
            Error = $"there is no policy version {(catalog.Timeline.Find(From) is null ? From : To)}; published: {string.Join(", ", Versions.Select(v => v.Version))}";
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }
}
