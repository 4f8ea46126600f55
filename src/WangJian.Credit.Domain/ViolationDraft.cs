using System.Text.RegularExpressions;

namespace WangJian.Credit.Domain;

/// <summary>
/// A penalty decision as a regulator submits it, before the service stamps who and when.
/// Field names follow the API's (snake_case in errors) so a field violation points at the request field.
/// </summary>
public sealed partial record ViolationDraft(
    string OperatorId,
    string OffenseCode,
    Severity Severity,
    IReadOnlyList<PenaltyKind> PenaltyKinds,
    long FineFen,
    long IllegalGainsFen,
    bool HeavierPenalty,
    string DecisionNumber,
    string AuthorityCode,
    string AuthorityName,
    DateTimeOffset? DecidedAt,
    string Description)
{
    public const int MaxDescriptionLength = 2000;
    public const int MaxDecisionNumberLength = 128;
    public const int MaxAuthorityNameLength = 200;

    /// <summary>The earliest decision date the service accepts (docs/policy.md §3).</summary>
    public static readonly DateTimeOffset EarliestDecision = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex AuthorityCodePattern();

    /// <summary>
    /// Every rule the draft breaks, each naming its field; empty when valid. <paramref name="now"/> bounds decided_at.
    /// Returns the normalised draft (USCC canonical, strings trimmed) when valid.
    /// </summary>
    public (ViolationDraft? Normalised, IReadOnlyList<FieldViolation> Errors) Validate(CreditPolicy policy, DateTimeOffset now)
    {
        var errors = new List<FieldViolation>();
        if (!Uscc.TryParse(OperatorId, out var uscc, out var usccError))
        {
            errors.Add(new("operator_id", usccError));
        }

        var offense = OffenseCode?.Trim() ?? string.Empty;
        if (offense.Length == 0)
        {
            errors.Add(new("offense_code", "offense_code is required"));
        }
        else if (!policy.Offenses.ContainsKey(offense))
        {
            errors.Add(new("offense_code", $"unknown offense code '{Truncate(offense)}'; policy {policy.Version} knows: {string.Join(", ", policy.Offenses.Keys)}"));
        }

        if (!Enum.IsDefined(Severity))
        {
            errors.Add(new("severity", "severity is required: MINOR, GENERAL, SERIOUS or ESPECIALLY_SERIOUS"));
        }

        for (var i = 0; i < PenaltyKinds.Count; i++)
        {
            if (!Enum.IsDefined(PenaltyKinds[i]))
            {
                errors.Add(new($"penalty_kinds[{i}]", $"unknown penalty kind {(int)PenaltyKinds[i]}"));
            }
            else if (PenaltyKinds.Take(i).Contains(PenaltyKinds[i]))
            {
                errors.Add(new($"penalty_kinds[{i}]", $"penalty kind {PenaltyKinds[i]} is listed twice"));
            }
        }

        if (FineFen < 0)
        {
            errors.Add(new("fine_fen", $"fine_fen must be ≥ 0, got {FineFen}"));
        }

        if (IllegalGainsFen < 0)
        {
            errors.Add(new("illegal_gains_fen", $"illegal_gains_fen must be ≥ 0, got {IllegalGainsFen}"));
        }

        var decision = DecisionNumber?.Trim() ?? string.Empty;
        if (decision.Length == 0)
        {
            errors.Add(new("decision_number", "decision_number is required (the penalty decision's document number)"));
        }
        else if (decision.Length > MaxDecisionNumberLength)
        {
            errors.Add(new("decision_number", $"decision_number must be at most {MaxDecisionNumberLength} characters, got {decision.Length}"));
        }
        else if (decision.Any(char.IsControl))
        {
            errors.Add(new("decision_number", "decision_number must not contain control characters"));
        }

        var authority = AuthorityCode?.Trim() ?? string.Empty;
        if (authority.Length == 0)
        {
            errors.Add(new("authority_code", "authority_code is required"));
        }
        else if (!AuthorityCodePattern().IsMatch(authority))
        {
            errors.Add(new("authority_code", "authority_code must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit"));
        }

        var authorityName = AuthorityName?.Trim() ?? string.Empty;
        if (authorityName.Length == 0)
        {
            errors.Add(new("authority_name", "authority_name is required"));
        }
        else if (authorityName.Length > MaxAuthorityNameLength)
        {
            errors.Add(new("authority_name", $"authority_name must be at most {MaxAuthorityNameLength} characters, got {authorityName.Length}"));
        }

        if (DecidedAt is not { } decidedAt)
        {
            errors.Add(new("decided_at", "decided_at is required"));
        }
        else if (decidedAt < EarliestDecision)
        {
            errors.Add(new("decided_at", $"decided_at {decidedAt:O} is before 2000-01-01"));
        }
        else if (decidedAt > now)
        {
            errors.Add(new("decided_at", $"decided_at {decidedAt:O} is in the future (server time {now:O})"));
        }

        var description = Description ?? string.Empty;
        if (description.Length > MaxDescriptionLength)
        {
            errors.Add(new("description", $"description must be at most {MaxDescriptionLength} characters, got {description.Length}"));
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (this with
        {
            OperatorId = uscc.Value,
            OffenseCode = offense,
            DecisionNumber = decision,
            AuthorityCode = authority,
            AuthorityName = authorityName,
            DecidedAt = DecidedAt!.Value.ToUniversalTime(),
            Description = description,
        }, errors);
    }

    /// <summary>The record this draft becomes; call on a validated draft only.</summary>
    public Violation ToViolation(string recordedBy, DateTimeOffset recordedAt) => new(
        Violation.IdFor(AuthorityCode, DecisionNumber),
        OperatorId,
        OffenseCode,
        Severity,
        PenaltyKinds.ToArray(),
        FineFen,
        IllegalGainsFen,
        HeavierPenalty,
        DecisionNumber,
        AuthorityCode,
        AuthorityName,
        DecidedAt ?? throw new InvalidOperationException("validate the draft first"),
        Description,
        recordedBy,
        recordedAt,
        []);

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
