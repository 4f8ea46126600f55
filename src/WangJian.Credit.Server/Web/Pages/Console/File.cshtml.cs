using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>
/// The credit file: status card, deductions with their calculation and legal basis, the score chart, and
/// for regulators and staff the history, the open case with each agency's notice, the checks, and the
/// revoke / repair forms (proposals where a second person applies).
/// </summary>
[ConsoleAuthorize(Roles.CreditService)]
[ConsoleWrites]
public sealed class FileModel(OperatorFiles files, ViolationCommands commands, AccessLog accessLog, TimeProvider time, PolicyVersions versions, IStringLocalizer<SharedResource> l) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Id { get; set; }

    /// <summary>What the last action did (shown once after its redirect).</summary>
    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    public string? Error { get; private set; }

    public OperatorFile? Credit { get; private set; }

    public CreditPolicy Policy => versions.At(time.GetUtcNow());

    public bool IsRegulator => User.IsInRole(Roles.Regulator);

    /// <summary>The history, cases and checks are regulator reads (ListViolations, ListPunishmentCases, ListChecks).</summary>
    public bool SeesHistory => User.IsInRole(Roles.Regulator) || User.IsInRole(Roles.Admin);

    public string ChartJson { get; private set; } = "{}";

    public async Task<IActionResult> OnGetAsync()
    {
        if (!Uscc.TryParse(Id ?? string.Empty, out var code, out var error))
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Id = code.Value;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            Credit = await files.GetAsync(Id, User, withChecks: SeesHistory);
        }
        catch (RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.PermissionDenied)
        {
            return Forbid(ConsoleWeb.CookieScheme);
        }

        ChartJson = Chart(Credit);
        Remember(Id);
        Log("console/File", Id, global::Grpc.Core.StatusCode.OK, started);
        return Page();
    }

    public Task<IActionResult> OnPostRevokeAsync(string violationId, string reason) =>
        ActAsync(async user => await commands.RevokeAsync(Id!, violationId.Trim(), reason.Trim(), user), "console/RevokeViolation");

    public Task<IActionResult> OnPostRepairAsync(string violationId, string reason) =>
        ActAsync(async user => await commands.RepairViolationAsync(Id!, violationId.Trim(), null, reason.Trim(), user), "console/DecideRepair");

    public Task<IActionResult> OnPostRepairListingAsync(string reason) =>
        ActAsync(async user => await commands.RepairListingAsync(Id!, null, reason.Trim(), user), "console/DecideRepair");

    private async Task<IActionResult> ActAsync(Func<System.Security.Claims.ClaimsPrincipal, Task<ChangeResult>> act, string what)
    {
        if (!IsRegulator)
        {
            return Forbid(ConsoleWeb.CookieScheme);
        }

        if (!Uscc.TryParse(Id ?? string.Empty, out var code, out var error))
        {
            Error = error;
            return Page();
        }

        Id = code.Value;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var reason = Request.Form["reason"].ToString().Trim();
        if (reason.Length == 0)
        {
            Error = l["file.reason.required"];
        }
        else
        {
            try
            {
                var result = await act(User);
                Log(what, Id, global::Grpc.Core.StatusCode.OK, started);
                return LocalRedirect($"/console/file?id={Id}&done={(result.Approval is { } a ? "proposed:" + a.ApprovalId : "applied")}");
            }
            catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { } refusal)
            {
                Log(what, Id, refusal.StatusCode, started);
                Error = refusal.Status.Detail;
            }
        }

        Credit = await files.GetAsync(Id, User, withChecks: SeesHistory);
        ChartJson = Chart(Credit);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>Console reads and writes are in the access log like API calls, so auditors see who looked at which file.</summary>
    private void Log(string what, string op, global::Grpc.Core.StatusCode status, long started) =>
        accessLog.Append(AccessFeature.ForConsole(what, op, status, HttpContext, time, started));

    private void Remember(string id)
    {
        var recent = IndexModel.RecentFiles(Request).Where(r => r != id).Prepend(id).Take(8);
        Response.Cookies.Append(IndexModel.RecentCookie, string.Join('.', recent), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = Request.IsHttps,
            Path = "/console",
            MaxAge = TimeSpan.FromDays(30),
        });
    }

    /// <summary>The chart's data, from the series computed with the file: milliseconds since the epoch and scores.</summary>
    private string Chart(OperatorFile file)
    {
        static object[] Points(IEnumerable<ScorePoint> points) => points.Select(p => new object[] { p.At.ToUnixTimeMilliseconds(), p.Score }).ToArray();
        return JsonSerializer.Serialize(new
        {
            past = Points(file.Series.Past),
            forward = Points(file.Series.Forward),
            listed = file.Series.Listed.Select(r => new[] { r.From.ToUnixTimeMilliseconds(), r.To.ToUnixTimeMilliseconds() }).ToArray(),
            bands = new { a = file.Series.Bands.A, b = file.Series.Bands.B, c = file.Series.Bands.C },
            now = file.Assessment.AsOf.ToUnixTimeMilliseconds(),
            labels = new
            {
                score = l["chart.score"].Value,
                forward = l["chart.forward"].Value,
                listed = l["chart.listed"].Value,
                now = l["chart.now"].Value,
            },
        });
    }
}
