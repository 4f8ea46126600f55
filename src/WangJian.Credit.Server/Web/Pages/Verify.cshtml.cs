using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Publicity;
using WangJian.Credit.Server.Reports;

namespace WangJian.Credit.Server.Web.Pages;

/// <summary>
/// Report verification (报告核验), for anyone without signing in: an uploaded credit-report PDF (its trailer's
/// number, the signature with that key, and its digest against the register), or a number and digest typed
/// in — the verification of PublicService.VerifyCreditReport (<see cref="CreditReports"/>).
/// </summary>
/// <remarks>Limited per client address like PublicService (Public:PermitsPerMinute, the same limiter): each upload is hashed and its signature checked.</remarks>
[AllowAnonymous]
[EnableRateLimiting(PublicRateLimit.Policy)]
public sealed class VerifyModel(CreditReports reports) : PageModel
{
    /// <summary>A credit report is a few hundred KB; anything much larger is not one.</summary>
    public const long MaxUpload = 10 * 1024 * 1024;

    [BindProperty]
    public IFormFile? Upload { get; set; }

    [BindProperty]
    public string? ReportNumber { get; set; }

    [BindProperty]
    public string? Sha256 { get; set; }

    /// <summary>The verdict (of an upload or of a typed number and digest).</summary>
    public Verification? Result { get; private set; }

    /// <summary>What an upload's checks found; null for a typed number and digest.</summary>
    public FileVerification? Checked { get; private set; }

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostUploadAsync()
    {
        if (Upload is not { Length: > 0 } upload)
        {
            Errors["upload"] = "upload: choose a credit report PDF";
        }
        else if (upload.Length > MaxUpload)
        {
            Errors["upload"] = $"upload: at most {MaxUpload / (1024 * 1024)} MB, got {upload.Length} bytes";
        }
        else
        {
            using var buffer = new MemoryStream();
            await upload.CopyToAsync(buffer, HttpContext.RequestAborted);
            Checked = await reports.VerifyFileAsync(buffer.ToArray());
            Result = Checked.Result;
            return Page();
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostTypedAsync()
    {
        try
        {
            Result = await reports.VerifyTypedAsync(ReportNumber, Sha256);
            return Page();
        }
        catch (RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.InvalidArgument)
        {
            foreach (var (field, description) in GrpcErrors.FieldViolationsOf(e))
            {
                Errors[field] = description;
            }
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public static string Name(ReportVerdict v) => v.ToString().ToUpperInvariant();
}
