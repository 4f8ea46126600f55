using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Auth;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>The pre-approval check (应查必查) for an agency officer: the answer, its measures and legal basis, stored like CheckOperator's.</summary>
[ConsoleAuthorize(Roles.AgencyService)]
[ConsoleWrites]
public sealed class CheckModel(AgencyChecks checks) : PageModel
{
    public IReadOnlyList<string> Matters => checks.Matters;

    [BindProperty]
    public string? Operator { get; set; }

    [BindProperty]
    public string? Matter { get; set; }

    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public AnsweredCheck? Answer { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var errors = new List<FieldViolation>();
        string? op = null;
        if (Uscc.TryParse(Operator ?? string.Empty, out var code, out var error))
        {
            op = code.Value;
        }
        else
        {
            errors.Add(new("operator_id", error));
        }

        var matter = Matter?.Trim().ToUpperInvariant() ?? string.Empty;
        checks.ValidateMatter(matter, errors);
        foreach (var e in errors)
        {
            Errors[e.Field] = e.Description;
        }

        if (errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Answer = await checks.CheckAsync(User, op!, matter);
        return Page();
    }
}
