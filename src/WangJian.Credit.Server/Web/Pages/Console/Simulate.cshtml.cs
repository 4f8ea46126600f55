using System.Text;
using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Policies;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>
/// A candidate policy, uploaded or pasted: its validation errors entry by entry (<see cref="PolicyCatalog.Validate"/>,
/// as ValidatePolicy answers), the simulation report of PolicySimulator (grade transitions as a heat map, the
/// histogram of score changes, newly listed and delisted operators, notices per agency), and publication with
/// an effective instant — a pending approval a second admin decides in the approvals inbox under four-eyes.
/// </summary>
[ConsoleAuthorize(Roles.PolicyPublish)]
[ConsoleWrites]
public sealed class SimulateModel(PolicyCatalog catalog, PolicySimulator simulator, TimeProvider time, IStringLocalizer<SharedResource> l) : PageModel
{
    [BindProperty]
    public string? Document { get; set; }

    [BindProperty]
    public IFormFile? Upload { get; set; }

    [BindProperty]
    public string? EffectiveFrom { get; set; }

    [BindProperty(SupportsGet = true, Name = "done")]
    public string? Done { get; set; }

    /// <summary>The document's errors, one per entry, as ValidatePolicy gives them.</summary>
    public IReadOnlyList<string> Errors { get; private set; } = [];

    /// <summary>Refusals of a publication by field (document, effective_from), and "" for the whole.</summary>
    public Dictionary<string, string> PublishErrors { get; } = new(StringComparer.Ordinal);

    public string? CandidateVersion { get; private set; }

    public SimulationReport? Report { get; private set; }

    public string ChartJson { get; private set; } = "{}";

    /// <summary>The effective instant offered: the next midnight, Beijing time, at least a day ahead.</summary>
    public string DefaultEffective => ConsoleView.LocalInput(new DateTimeOffset(time.GetUtcNow().ToOffset(ConsoleView.Beijing).Date.AddDays(2), ConsoleView.Beijing));

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostSimulateAsync()
    {
        var document = await DocumentAsync();
        var verdict = catalog.Validate(document);
        CandidateVersion = verdict.Version;
        Document = document;
        if (!verdict.Valid)
        {
            Errors = verdict.Errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        try
        {
            Report = await simulator.SimulateAsync(verdict, null, null, null, [], _ => Task.CompletedTask, HttpContext.RequestAborted);
        }
        catch (RpcException e) when (e.StatusCode == global::Grpc.Core.StatusCode.InvalidArgument)
        {
            Errors = GrpcErrors.FieldViolationsOf(e).Select(v => v.Description).DefaultIfEmpty(e.Status.Detail).ToArray();
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        ChartJson = Chart(Report);
        return Page();
    }

    public async Task<IActionResult> OnPostPublishAsync()
    {
        var document = Document ?? string.Empty;
        var effective = ConsoleView.ParseLocalTime(EffectiveFrom);
        if (effective is null)
        {
            PublishErrors["effective_from"] = l["simulate.effective.bad"];
        }
        else
        {
            try
            {
                var result = await catalog.PublishAsync(document, effective, Caller.Name(User));
                return result.Pending is { } approval
                    ? LocalRedirect($"/console/simulate?done=proposed:{approval.ApprovalId}")
                    : LocalRedirect($"/console/simulate?done=published:{result.Published!.Version}");
            }
            catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { } refusal)
            {
                var fields = GrpcErrors.FieldViolationsOf(refusal);
                foreach (var group in fields.GroupBy(f => f.Field))
                {
                    PublishErrors[group.Key] = string.Join("; ", group.Select(f => f.Description));
                }

                if (fields.Count == 0)
                {
                    PublishErrors[string.Empty] = refusal.Status.Detail;
                }
            }
        }

        Document = document;
        CandidateVersion = catalog.Validate(document).Version;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>The uploaded file when there is one, else the pasted text.</summary>
    private async Task<string> DocumentAsync()
    {
        if (Upload is { Length: > 0 } file)
        {
            if (file.Length > PolicyCatalog.MaxDocumentLength * 4L)
            {
                return new string(' ', PolicyCatalog.MaxDocumentLength + 1);
            }

            using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
            return await reader.ReadToEndAsync(HttpContext.RequestAborted);
        }

        return Document ?? string.Empty;
    }

    /// <summary>The heat map's cells (after, before, count) over the states A–D and LISTED, and the histogram's bars.</summary>
    private string Chart(SimulationReport r)
    {
        var states = SimulationReport.States;
        return JsonSerializer.Serialize(new
        {
            states,
            cells = r.Transitions.Select(t => new object[] { IndexOf(states, t.To), IndexOf(states, t.From), t.Count }).ToArray(),
            max = r.Transitions.Select(t => t.Count).DefaultIfEmpty(0).Max(),
            buckets = r.ScoreChanges.Select(Bucket).ToArray(),
            counts = r.ScoreChanges.Select(b => b.Count).ToArray(),
            labels = new { before = l["simulate.before"].Value, after = l["simulate.after"].Value, operators = l["simulate.operators"].Value },
        });
    }

    private static int IndexOf(IReadOnlyList<string> states, string s)
    {
        for (var i = 0; i < states.Count; i++)
        {
            if (states[i] == s)
            {
                return i;
            }
        }

        return -1;
    }

    public static string Bucket(ScoreChangeBucket b) =>
        b.MinDelta == 0 && b.MaxDelta == 0 ? "0" : $"[{ConsoleView.Score(b.MinDelta)}, {ConsoleView.Score(b.MaxDelta)})";
}
