using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Reports;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>
/// The credit file: status card, deductions with their calculation and legal basis, the score chart, and
/// for regulators and staff the history, the open case with each agency's notice, the checks, and the
/// revoke / repair forms (proposals where a second person applies); the signed PDF report for every role that
/// may read the file (CreditReports, as GetCreditReport); and for the operator itself its open applications
/// and the repair-application and objection form (ApplicationService, as SubmitRepairApplication / SubmitObjection).
/// </summary>
[ConsoleAuthorize(Roles.CreditService)]
[ConsoleWrites]
public sealed class FileModel(OperatorFiles files, ViolationCommands commands, ApplicationService applications, CreditReports reports, AccessLog accessLog, TimeProvider time, PolicyVersions versions, IStringLocalizer<SharedResource> l) : PageModel
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

    /// <summary>The operator reading its own file: it applies for repair and objects here.</summary>
    public bool IsOperator => User.IsInRole(Roles.Operator);

    /// <summary>The operator's own view (open applications, path to repair); only for the operator itself.</summary>
    public CreditFile? Own { get; private set; }

    /// <summary>At most this many evidence files, as ApplicationService takes.</summary>
    public const int MaxEvidence = ApplicationService.MaxEvidence;

    /// <summary>The history, cases and checks are regulator reads (ListViolations, ListPunishmentCases, ListChecks).</summary>
    public bool SeesHistory => User.IsInRole(Roles.Regulator) || User.IsInRole(Roles.Admin);

    public string ChartJson { get; private set; } = "{}";

    /// <summary>Normalizes the route's USCC; false, with the GB 32100 message and a 400, when it is not one.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Id))]
    private bool TryReadId()
    {
        if (!Uscc.TryParse(Id ?? string.Empty, out var code, out var error))
        {
            Error = error;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return false;
        }

        Id = code.Value;
        return true;
    }

    public async Task<IActionResult> OnGetAsync()
    {
        if (!TryReadId())
        {
            return Page();
        }

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
        if (IsOperator)
        {
            Own = await files.GetOwnAsync(Id);
        }

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

    /// <summary>The signed PDF credit report of the operator now, recorded (number, digest, requester) before it is answered.</summary>
    public async Task<IActionResult> OnPostReportAsync()
    {
        if (!TryReadId())
        {
            return Page();
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            Caller.RequireOwnOperator(User, [Id]);
            var signed = await reports.IssueAsync(Id, null, pdf: true, Caller.Name(User));
            Log("console/GetCreditReport", Id, global::Grpc.Core.StatusCode.OK, started);
            return File(signed.Content, signed.MediaType, signed.Report.ReportNumber + ".pdf");
        }
        catch (RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.PermissionDenied)
        {
            return Forbid(ConsoleWeb.CookieScheme);
        }
        catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { } refusal)
        {
            Log("console/GetCreditReport", Id, refusal.StatusCode, started);
            Error = refusal.Status.Detail;
        }

        await ReloadAsync();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>
    /// The operator's repair application (of a violation, or of the listing) or objection, with its evidence
    /// named by digest: the files are read here only to be hashed, they stay with the operator.
    /// </summary>
    public async Task<IActionResult> OnPostApplyAsync(string kind, string target, string statement, bool commitment, List<IFormFile> evidence)
    {
        if (!IsOperator)
        {
            return Forbid(ConsoleWeb.CookieScheme);
        }

        if (!TryReadId())
        {
            return Page();
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var what = kind == "objection" ? "console/SubmitObjection" : "console/SubmitRepairApplication";
        try
        {
            Caller.RequireOwnOperator(User, [Id]);
            var items = new List<Evidence>();
            foreach (var file in evidence.Where(f => f.Length > 0))
            {
                await using var stream = file.OpenReadStream();
                var sha = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(stream, HttpContext.RequestAborted));
                items.Add(new Evidence(Path.GetFileName(file.FileName), sha, file.Length, string.IsNullOrWhiteSpace(file.ContentType) ? "application/octet-stream" : file.ContentType));
            }

            var listing = target == "listing";
            var violationId = listing || string.IsNullOrWhiteSpace(target) ? null : target.Trim();
            var result = kind == "objection"
                ? await applications.SubmitObjectionAsync(Id, violationId ?? string.Empty, statement ?? string.Empty, items, Caller.Name(User))
                : await applications.SubmitRepairAsync(Id, violationId, listing, statement ?? string.Empty, commitment, items, Caller.Name(User));
            if (!result.Created)
            {
                Error = l["file.apply.open", result.Application.ApplicationId, ConsoleView.Time(result.Application.DueAt)];
                Log(what, Id, global::Grpc.Core.StatusCode.AlreadyExists, started);
            }
            else
            {
                Log(what, Id, global::Grpc.Core.StatusCode.OK, started);
                return LocalRedirect($"/console/file?id={Id}&done=submitted:{result.Application.ApplicationId}");
            }
        }
        catch (RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.PermissionDenied)
        {
            return Forbid(ConsoleWeb.CookieScheme);
        }
        catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { } refusal)
        {
            Log(what, Id, refusal.StatusCode, started);
            Error = refusal.Status.Detail;
        }

        await ReloadAsync();
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task ReloadAsync()
    {
        Credit = await files.GetAsync(Id!, User, withChecks: SeesHistory);
        ChartJson = Chart(Credit);
        if (IsOperator)
        {
            Own = await files.GetOwnAsync(Id!);
        }
    }

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
