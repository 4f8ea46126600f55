using Grpc.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>
/// Record a penalty decision: the offense list is the policy in force, and the errors shown beside each
/// field are those of the API's own validation (ViolationDraft.Validate), by field name.
/// </summary>
[ConsoleAuthorize(Roles.RegulatorWrites)]
[ConsoleWrites]
public sealed class RecordModel(ViolationCommands commands) : PageModel
{
    public CreditPolicy Policy => commands.PolicyNow;

    [BindProperty(SupportsGet = true)]
    public string? Id { get; set; }

    [BindProperty]
    public string OffenseCode { get; set; } = string.Empty;

    [BindProperty]
    public string Severity { get; set; } = string.Empty;

    [BindProperty]
    public List<string> PenaltyKinds { get; set; } = [];

    [BindProperty]
    public string? Fine { get; set; }

    [BindProperty]
    public bool HeavierPenalty { get; set; }

    [BindProperty]
    public string DecisionNumber { get; set; } = string.Empty;

    [BindProperty]
    public string AuthorityCode { get; set; } = string.Empty;

    [BindProperty]
    public string AuthorityName { get; set; } = string.Empty;

    [BindProperty]
    public string? DecidedAt { get; set; }

    [BindProperty]
    public string Description { get; set; } = string.Empty;

    /// <summary>Errors by the API's field names (operator_id, offense_code, …), and "" for the whole form.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var early = new List<FieldViolation>();
        var severity = Enum.TryParse<Severity>(Severity, ignoreCase: true, out var s) && Enum.IsDefined(s) ? s : default;
        var kinds = new List<PenaltyKind>();
        foreach (var k in PenaltyKinds)
        {
            if (Enum.TryParse<PenaltyKind>(k, ignoreCase: true, out var kind) && Enum.IsDefined(kind))
            {
                kinds.Add(kind);
            }
            else
            {
                early.Add(new("penalty_kinds", $"unknown penalty kind '{k}'"));
            }
        }

        long fineFen = 0;
        if (!string.IsNullOrWhiteSpace(Fine))
        {
            if (decimal.TryParse(Fine.Trim(), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var yuan) && yuan * 100 == decimal.Truncate(yuan * 100) && yuan < 1e15m)
            {
                fineFen = (long)(yuan * 100);
            }
            else
            {
                early.Add(new("fine_fen", "the fine is an amount in yuan with at most two decimals, e.g. 50000 or 1234.50"));
            }
        }

        var decided = ConsoleView.ParseDate(DecidedAt);
        if (decided is null)
        {
            early.Add(new("decided_at", "decided_at is required: the date of the decision, yyyy-MM-dd"));
        }

        var draft = new ViolationDraft(
            Id?.Trim().ToUpperInvariant() ?? string.Empty,
            OffenseCode,
            severity,
            kinds,
            fineFen,
            0,
            HeavierPenalty,
            DecisionNumber,
            AuthorityCode,
            AuthorityName,
            decided,
            Description);
        try
        {
            var outcome = await commands.RecordAsync(draft, User, early);
            return LocalRedirect($"/console/file?id={outcome.Violation!.OperatorId}&done=applied");
        }
        catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { StatusCode: global::Grpc.Core.StatusCode.InvalidArgument } invalid)
        {
            foreach (var (field, description) in Grpc.GrpcErrors.FieldViolationsOf(invalid))
            {
                var key = field.StartsWith("penalty_kinds", StringComparison.Ordinal) ? "penalty_kinds" : field;
                Errors[key] = Errors.TryGetValue(key, out var before) ? before + " " + description : description;
            }
        }
        catch (Exception e) when (ConsoleErrors.AsRefusal(e) is { } refusal)
        {
            Errors[string.Empty] = refusal.Status.Detail;
        }

        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }
}
